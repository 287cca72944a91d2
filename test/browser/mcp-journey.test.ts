// An MCP client gets in: @modelcontextprotocol/sdk's auth() against `npm start`, from the resource's 401
// to its RFC 9728 metadata, the authorization server's metadata, registration (RFC 7591 once, a Client
// ID Metadata Document once), sign-in and consent in Chromium with PKCE, the code exchange with
// `resource`, and a call that the resource-server kit accepts.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  auth,
  extractResourceMetadataUrl,
  type OAuthClientProvider,
} from '@modelcontextprotocol/sdk/client/auth.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../infra/net.ts';
import { protect } from '../../shared/resource-server/index.ts';
import { chromiumAvailable, launchChromium, withPage } from '../support/browser.ts';
import { gatewayEvent } from '../support/kit.ts';
import { type NpmStart, printedPassword, startNpmStart } from '../support/npm-start.ts';
import { type RedisServer, redisAvailable, startRedis } from '../support/redis.ts';

const available = chromiumAvailable() && redisAvailable();
const dir = mkdtempSync(join(tmpdir(), 'mcp-journey-'));
let redis: RedisServer;
let server: NpmStart;
let browser: Browser;
let resourceServer: Server;
let documentServer: Server;
let issuer: string;
let mcpUrl: string;
let documentUrl: string;
let password: string;
const callbackPort = await freePort();
const redirectUrl = `http://127.0.0.1:${callbackPort}/callback`;

const clientMetadata: OAuthClientMetadata = {
  client_name: 'MCP journey',
  redirect_uris: [redirectUrl],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'none',
};

/** The SDK's storage and redirect hooks, kept in memory; the redirect is followed in Chromium. */
class Provider implements OAuthClientProvider {
  info: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier = '';
  authorizationUrl: URL | undefined;
  constructor(readonly clientMetadataUrl?: string) {}
  get redirectUrl() {
    return redirectUrl;
  }
  get clientMetadata() {
    return clientMetadata;
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.info = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}

beforeAll(async () => {
  if (!available) return;
  redis = await startRedis();
  // A self-signed certificate for 127.0.0.1: the SDK takes only https metadata document URLs.
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  documentServer = createHttpsServer(
    { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
    (req, res) => {
      if (req.url !== '/mcp-client.json') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=600' });
      res.end(JSON.stringify({ ...clientMetadata, client_id: documentUrl }));
    },
  );
  await new Promise<void>((r) => documentServer.listen(0, '127.0.0.1', r));
  documentUrl = `https://127.0.0.1:${(documentServer.address() as AddressInfo).port}/mcp-client.json`;

  const resourcePort = await freePort();
  mcpUrl = `http://127.0.0.1:${resourcePort}/mcp`;
  const port = await freePort();
  issuer = `http://127.0.0.1:${port}`;
  server = await startNpmStart([], {
    PORT: String(port),
    OAUTH_STORE: redis.url,
    OAUTH_RESOURCES: JSON.stringify([`${issuer}/work`, mcpUrl]),
    OAUTH_REGISTRATION: 'open',
    OAUTH_CLIENT_ID_METADATA_DOCUMENTS: 'true',
    OAUTH_CIMD_ALLOW_LOOPBACK: 'true',
    // The authorization server trusts the document server's certificate (and nothing else changes).
    NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem'),
  });
  password = printedPassword(server);

  // The MCP server: the kit's protect() around a handler, fed the requests of a plain Node server.
  const handler = protect({ issuer, audience: mcpUrl, scopes: ['read'] }, async (_e, _c, who) => ({
    isBase64Encoded: false,
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sub: who.sub, client: who.clientId }),
  }));
  resourceServer = createHttpServer(async (req, res) => {
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
    const out = await handler(
      gatewayEvent(`http://127.0.0.1:${resourcePort}${req.url}`, headers, req.method),
      {},
    );
    res.writeHead(out.statusCode, out.headers).end(out.body);
  });
  await new Promise<void>((r) => resourceServer.listen(resourcePort, '127.0.0.1', r));
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  server?.stop();
  await Promise.all(
    [resourceServer, documentServer].filter(Boolean).map((s) => new Promise((r) => s.close(r))),
  );
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Signs in as the demo user and allows; returns the consent page's text and the code. */
function signInAndConsent(url: URL): Promise<{ consent: string; code: string }> {
  return withPage(browser, async (page) => {
    let landed: URL | undefined;
    await page.route(`${redirectUrl}**`, async (route) => {
      landed = new URL(route.request().url());
      await route.fulfill({ status: 200, contentType: 'text/plain', body: 'done' });
    });
    await page.goto(url.href);
    await page.fill('#username', 'demo');
    await page.fill('#password', password);
    await page.click('button[type=submit]');
    await page.waitForSelector('button[value=allow]');
    const consent = (await page.textContent('main')) ?? '';
    await page.click('button[value=allow]');
    await page.waitForURL(`${redirectUrl}**`);
    expect(landed?.searchParams.get('iss')).toBe(issuer);
    return { consent, code: landed!.searchParams.get('code')! };
  });
}

async function journey(provider: Provider) {
  // 1. The resource answers 401 and names its metadata (RFC 9728 §5.1).
  const first = await fetch(mcpUrl);
  expect(first.status).toBe(401);
  const resourceMetadataUrl = extractResourceMetadataUrl(first);
  expect(resourceMetadataUrl?.href).toBe(
    `http://127.0.0.1:${new URL(mcpUrl).port}/.well-known/oauth-protected-resource/mcp`,
  );
  // 2. Discovery, registration and the authorization request, all by the SDK.
  expect(await auth(provider, { serverUrl: mcpUrl, resourceMetadataUrl: resourceMetadataUrl! })).toBe(
    'REDIRECT',
  );
  const url = provider.authorizationUrl!;
  expect(url.origin).toBe(issuer);
  expect(url.searchParams.get('resource')).toBe(mcpUrl);
  expect(url.searchParams.get('code_challenge_method')).toBe('S256');
  // 3. The person signs in and allows, in the browser.
  const { consent, code } = await signInAndConsent(url);
  // 4. The code exchange, with the resource.
  expect(
    await auth(provider, {
      serverUrl: mcpUrl,
      resourceMetadataUrl: resourceMetadataUrl!,
      authorizationCode: code,
    }),
  ).toBe('AUTHORIZED');
  // 5. A call the resource accepts: the token's audience is the MCP server.
  const call = await fetch(mcpUrl, { headers: { authorization: `Bearer ${provider.saved!.access_token}` } });
  expect(call.status).toBe(200);
  expect(await call.json()).toEqual({ sub: 'user-demo', client: provider.info!.client_id });
  // The same token is good nowhere else.
  const elsewhere = await fetch(`${issuer}/work`, {
    headers: { authorization: `Bearer ${provider.saved!.access_token}` },
  });
  expect(elsewhere.status).toBe(401);
  return consent;
}

describe.skipIf(!available)('an MCP client with @modelcontextprotocol/sdk', { timeout: 120_000 }, () => {
  it('registers through RFC 7591 and completes the journey', async () => {
    const provider = new Provider();
    await journey(provider);
    expect(provider.info!.client_id).toMatch(/^dcr-/);
  });

  it('uses a Client ID Metadata Document and completes the journey; consent names its host', async () => {
    const provider = new Provider(documentUrl);
    const consent = await journey(provider);
    expect(provider.info!.client_id).toBe(documentUrl);
    expect(consent).toContain(`This application is described by ${new URL(documentUrl).host}`);
    expect(consent).toContain(`you will be sent to 127.0.0.1:${callbackPort}`);
  });
});
