// Negative catalogue: Client ID Metadata Documents. The authorization server fetches a URL the client
// chose, so each way of turning that into a server-side request forgery, or of passing off a document
// that is not the client's, is refused: non-https, private, loopback and link-local targets (after DNS
// resolution), redirects, oversize and slow answers, a mismatched client_id, a secret in the document.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cacheSeconds,
  createMetadataDocuments,
  MetadataDocumentError,
} from '../../shared/client-metadata.ts';
import { addressAllowed } from '../../shared/document-fetch.ts';
import { MemoryStore } from '../../shared/store/memory.ts';
import { makeHarness } from '../support/authorize-flow.ts';

let server: Server;
let base: string;
const slowSockets = new Set<import('node:net').Socket>();

function doc(path: string, extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    client_id: `${base}${path}`,
    redirect_uris: ['http://127.0.0.1:41000/callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'none',
    ...extra,
  });
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const send = (body: string, headers: Record<string, string> = {}) => {
      res.writeHead(200, { 'content-type': 'application/json', ...headers });
      res.end(body);
    };
    switch (req.url) {
      case '/good':
        return send(doc('/good'), { 'cache-control': 'max-age=60' });
      case '/introspector':
        return send(doc('/introspector', { introspection: true }));
      case '/redirect':
        res.writeHead(302, { location: '/good' });
        return res.end();
      case '/big':
        return send(doc('/big', { client_name: 'x'.repeat(6000) }));
      case '/streamed-big':
        res.writeHead(200, { 'content-type': 'application/json' });
        for (let i = 0; i < 8; i++) res.write('x'.repeat(1000));
        return res.end();
      case '/mismatch':
        return send(doc('/other'));
      case '/secret':
        return send(doc('/secret', { client_secret: 'a-secret-in-a-public-document' }));
      case '/confidential':
        return send(doc('/confidential', { token_endpoint_auth_method: 'client_secret_basic' }));
      case '/client-credentials':
        return send(doc('/client-credentials', { grant_types: ['client_credentials'] }));
      case '/not-json':
        return send('<html>hello</html>');
      case '/slow':
        slowSockets.add(req.socket);
        return; // never answers
      default:
        res.writeHead(404);
        return res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of slowSockets) s.destroy();
  await new Promise((r) => server.close(r));
});

const documents = (
  allowLoopback: boolean,
  resolve?: (h: string) => Promise<{ address: string; family: number }[]>,
) =>
  createMetadataDocuments({
    store: new MemoryStore(),
    scopes: ['read', 'write'],
    allowLoopback,
    ...(resolve ? { resolve } : {}),
  });

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(MetadataDocumentError);
    return (error as Error).message;
  }
  throw new Error('the document was accepted');
}

describe('client metadata document URLs and targets', () => {
  it.each([
    ['plain http', 'http://app.example/client.json', /must use https/],
    [
      'http on loopback without OAUTH_CIMD_ALLOW_LOOPBACK',
      'http://127.0.0.1:9/client.json',
      /must use https/,
    ],
    ['no path', 'https://app.example/', /must have a path/],
    ['a fragment', 'https://app.example/c#x', /fragment/],
    ['credentials', 'https://user:pw@app.example/c', /credentials/],
    ['dot segments', 'https://app.example/a/../c', /dot segments|normal form/],
  ])('refuses a client_id URL with %s', async (_, url, message) => {
    expect(await refusal(documents(false).resolve(url))).toMatch(message);
  });

  it.each([
    ['loopback IPv4', 'https://127.0.0.1/c'],
    ['loopback IPv6', 'https://[::1]/c'],
    ['an IPv4-mapped loopback', 'https://[::ffff:7f00:1]/c'],
    ['the link-local metadata service', 'https://169.254.169.254/latest/meta-data'],
    ['a private network', 'https://10.0.0.8/c'],
    ['a unique-local IPv6', 'https://[fd00::1]/c'],
    ['the unspecified address', 'https://0.0.0.0/c'],
  ])('refuses %s as the target, before any connection', async (_, url) => {
    expect(await refusal(documents(false).resolve(url))).toMatch(/private, loopback or link-local/);
  });

  it('refuses a name that resolves to loopback (localhost, through real DNS resolution)', async () => {
    expect(await refusal(documents(false).resolve('https://localhost/client.json'))).toMatch(
      /private, loopback/,
    );
  });

  it('refuses a name with any private address among public ones (DNS rebinding by multiple answers)', async () => {
    const resolve = async () => [
      { address: '93.184.215.14', family: 4 },
      { address: '192.168.1.10', family: 4 },
    ];
    expect(await refusal(documents(false, resolve).resolve('https://mixed.example/c'))).toMatch(/private/);
  });

  it('classifies special-purpose addresses as not public', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.0.1',
      '169.254.1.1',
      '100.64.0.1',
      '::1',
      'fe80::1',
      'fc00::1',
      '::ffff:10.0.0.1',
      '::ffff:7f00:1',
    ]) {
      expect({ a, allowed: addressAllowed(a, false) }).toEqual({ a, allowed: false });
    }
    expect(addressAllowed('93.184.215.14', false)).toBe(true);
    expect(addressAllowed('2606:2800:21f:cb07:6820:80da:af6b:8b2c', false)).toBe(true);
    // The development switch opens loopback only, never the private networks.
    expect(addressAllowed('127.0.0.1', true)).toBe(true);
    expect(addressAllowed('10.0.0.1', true)).toBe(false);
  });
});

describe('client metadata documents served on loopback (OAUTH_CIMD_ALLOW_LOOPBACK)', {
  timeout: 20_000,
}, () => {
  it('refuses a redirect rather than follow it', async () => {
    expect(await refusal(documents(true).resolve(`${base}/redirect`))).toMatch(/redirects/);
  });

  it('refuses a document over 5 KB, declared or streamed', async () => {
    expect(await refusal(documents(true).resolve(`${base}/big`))).toMatch(/over 5 KB/);
    expect(await refusal(documents(true).resolve(`${base}/streamed-big`))).toMatch(/over 5 KB/);
  });

  it('refuses a document whose client_id is not exactly its URL', async () => {
    expect(await refusal(documents(true).resolve(`${base}/mismatch`))).toMatch(
      /client_id in the metadata document is not its URL/,
    );
  });

  it.each([
    ['a client secret', '/secret', /must not carry a client secret/],
    ['a secret-based auth method', '/confidential', /none or private_key_jwt/],
    ['client_credentials', '/client-credentials', /grant_types/],
    ['a body that is not JSON', '/not-json', /not JSON/],
    ['a 404', '/missing', /answered 404/],
  ])('refuses a document with %s', async (_, path, message) => {
    expect(await refusal(documents(true).resolve(`${base}${path}`))).toMatch(message);
  });

  it('gives up on a server that does not answer within 5 s', async () => {
    const started = Date.now();
    expect(await refusal(documents(true).resolve(`${base}/slow`))).toMatch(/over 5 s/);
    expect(Date.now() - started).toBeLessThan(7000);
  });

  it('accepts a good document as a public client and caches it within 5 minutes to 24 hours', async () => {
    const store = new MemoryStore();
    const docs = createMetadataDocuments({ store, scopes: ['read'], allowLoopback: true });
    const client = await docs.resolve(`${base}/good`);
    expect(client).toMatchObject({ clientId: `${base}/good`, isPublic: true, authMethod: 'none' });
    expect(await store.get(`cimd:${base}/good`)).toBeDefined();
    expect([
      cacheSeconds('max-age=60'),
      cacheSeconds('max-age=999999'),
      cacheSeconds(undefined),
      cacheSeconds('no-store'),
    ]).toEqual([300, 86_400, 300, 300]);
  });

  it("ignores introspection: true in a metadata document: such a client never introspects others' tokens", async () => {
    const store = new MemoryStore();
    const docs = createMetadataDocuments({ store, scopes: ['read'], allowLoopback: true });
    const client = await docs.resolve(`${base}/introspector`);
    expect(client.mayIntrospect).toBe(false);
    expect(await store.get(`cimd:${base}/introspector`)).not.toContain('introspection');
  });

  it('refuses OAUTH_CIMD_ALLOW_LOOPBACK at start-up unless the issuer is on loopback', async () => {
    await expect(
      makeHarness({ OAUTH_CLIENT_ID_METADATA_DOCUMENTS: 'true', OAUTH_CIMD_ALLOW_LOOPBACK: 'true' }),
    ).rejects.toThrow(/OAUTH_CIMD_ALLOW_LOOPBACK is for local development only/);
  });
});
