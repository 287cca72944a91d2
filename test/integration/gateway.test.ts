import { request } from 'node:http';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importSigningKey } from '../../shared/jwt/keys.ts';
import { signAccessToken } from '../../shared/jwt/sign.ts';
import { CONFIDENTIAL_SECRET, foreignKeyPair, POST_SECRET, testKeys } from '../support/fixtures.ts';
import { rawRs256, standardClaims } from '../support/forge.ts';
import { discover, insecure, startTestGateway, type TestGateway } from '../support/gateway.ts';

let gw: TestGateway;
let as: oauth.AuthorizationServer;

beforeAll(async () => {
  gw = await startTestGateway();
  as = await discover(gw.url);
});
afterAll(async () => {
  await gw?.close();
});

async function clientCredentials(clientId: string, auth: oauth.ClientAuth, scope?: string) {
  const client: oauth.Client = { client_id: clientId };
  const params = new URLSearchParams(scope ? { scope } : {});
  const response = await oauth.clientCredentialsGrantRequest(as, client, auth, params, insecure);
  return oauth.processClientCredentialsResponse(as, client, response);
}

const work = (headers: Record<string, string>) => fetch(`${gw.url}/work`, { headers });
const businessCalls = () => gw.invocations.get('oauth-business') ?? 0;

describe('the seed walk-through through the local gateway, with oauth4webapi', () => {
  it('discovers the metadata', () => {
    expect(as.issuer).toBe(gw.url);
    expect(as.token_endpoint).toBe(`${gw.url}/token`);
  });

  it('gets a token with client_secret_basic and calls /work in every accepted form', async () => {
    const result = await clientCredentials(
      'confidential',
      oauth.ClientSecretBasic(CONFIDENTIAL_SECRET),
      'read',
    );
    expect(result.token_type).toBe('bearer');
    expect(result.scope).toBe('read');
    const token = result.access_token;
    for (const headers of [
      { authorization: `Bearer id_token="${token}"` },
      { authorization: `Bearer ${token}` },
    ]) {
      const res = await work(headers);
      expect({ status: res.status, body: await res.text() }).toEqual({ status: 200, body: 'hello world' });
    }
  });

  it('gets a token with client_secret_post', async () => {
    const result = await clientCredentials('poster', oauth.ClientSecretPost(POST_SECRET));
    expect(result.scope).toBe('read');
  });

  it('refuses a wrong secret with invalid_client', async () => {
    // RFC 6749 §5.2: 401 with a Basic challenge, which oauth4webapi surfaces as a challenge error.
    const error = await clientCredentials(
      'confidential',
      oauth.ClientSecretBasic('wrong-secret-wrong'),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
    const challenge = error as oauth.WWWAuthenticateChallengeError;
    expect(challenge.status).toBe(401);
    expect(challenge.cause[0]?.scheme).toBe('basic');
    expect(await challenge.response.json()).toMatchObject({ error: 'invalid_client' });
  });
});

describe('the gateway refuses before the backend is invoked', () => {
  it.each([
    ['no Authorization header', {}, 'Oauth found no authorization header'],
    ['a non-Bearer header', { authorization: 'Basic abc' }, 'Oauth authorization header format error'],
    ['a Bearer header without a token', { authorization: 'Bearer id_token=""' }, 'Oauth found no id_token'],
    ['a garbled token', { authorization: 'Bearer id_token="abc.def.ghi"' }, 'Oauth id_token verify error'],
  ])('%s', async (_name, headers, message) => {
    const before = businessCalls();
    const res = await work(headers as Record<string, string>);
    expect({ status: res.status, body: await res.json() }).toEqual({ status: 401, body: { message } });
    expect(businessCalls()).toBe(before);
  });

  it('an expired token', async () => {
    const key = await importSigningKey((await testKeys()).privatePem);
    const { token } = await signAccessToken(key, {
      issuer: gw.env.OAUTH_ISSUER!,
      audience: gw.env.OAUTH_AUDIENCE!,
      subject: 'x',
      clientId: 'confidential',
      scope: 'read',
      ttlSeconds: 60,
      now: Date.now() - 3_600_000,
      typ: 'at+jwt',
    });
    const before = businessCalls();
    const res = await work({ authorization: `Bearer id_token="${token}"` });
    expect({ status: res.status, body: await res.json() }).toEqual({
      status: 401,
      body: { message: 'Oauth id_token verify error' },
    });
    expect(businessCalls()).toBe(before);
  });

  it('a token signed by another key', async () => {
    const foreign = foreignKeyPair();
    const token = rawRs256(
      { alg: 'RS256', kid: 'x' },
      standardClaims(gw.env.OAUTH_ISSUER!, gw.env.OAUTH_AUDIENCE!),
      foreign.privateKey,
    );
    const before = businessCalls();
    const res = await work({ authorization: `Bearer id_token="${token}"` });
    expect(res.status).toBe(401);
    expect(businessCalls()).toBe(before);
  });

  it('the backend still refuses what the gateway lets through: a token for another audience', async () => {
    const key = await importSigningKey((await testKeys()).privatePem);
    const token = rawRs256(
      { alg: 'RS256', kid: key.kid },
      standardClaims(gw.env.OAUTH_ISSUER!, 'https://another-api.example'),
      key.privateKey,
    );
    const before = businessCalls();
    const res = await work({ authorization: `Bearer id_token="${token}"` });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    expect(businessCalls()).toBe(before + 1);
  });

  it('answers 404 for a route serverless.yml does not declare', async () => {
    const res = await fetch(`${gw.url}/nowhere`);
    expect(res.status).toBe(404);
  });

  it('answers 404, not a server error, for request targets that are no route or no URL', async () => {
    // fetch normalizes targets; node:http sends them as written.
    const statusOf = (path: string) =>
      new Promise<number>((resolve, reject) => {
        request(`${gw.url}/`, { path }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on('error', reject)
          .end();
      });
    expect(await statusOf('//')).toBe(404);
    expect(await statusOf('//work')).toBe(404);
    expect(await statusOf('/a/../work')).toBe(401);
  });
});

describe('each function gets only its own environment', () => {
  it('the business function never sees the private key', () => {
    const business = gw.project.functions.find((f) => f.functionName === 'oauth-business')!;
    expect(Object.keys(business.environment).sort()).toEqual([
      'OAUTH_ACCESS_TOKEN_TYP',
      'OAUTH_AUDIENCE',
      'OAUTH_BEARER_COOKIE',
      'OAUTH_CHECK_REVOCATION',
      'OAUTH_CLOCK_TOLERANCE',
      'OAUTH_ISSUER',
      'OAUTH_PUBLIC_KEYS',
      'OAUTH_STORE',
    ]);
  });

  it('the functions log one JSON line per request without tokens or secrets', () => {
    const lines = gw.output.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(line).toHaveProperty('request_id');
    const text = gw.output.join('\n');
    expect(text).not.toContain(CONFIDENTIAL_SECRET);
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
  });
});
