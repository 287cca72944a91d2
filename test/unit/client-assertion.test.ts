import { beforeAll, describe, expect, it } from 'vitest';
import { loadTokenConfig } from '../../functions/token/config.ts';
import { ConfigError } from '../../shared/errors.ts';
import type { App } from '../../shared/http/scf.ts';
import { MemoryStore } from '../../shared/store/memory.ts';
import { tokenApp } from '../support/apps.ts';
import {
  basic,
  CONFIDENTIAL_SECRET,
  form,
  ISSUER,
  runApp,
  testClients,
  testEnv,
} from '../support/fixtures.ts';
import { assertionParams, type JwtClient, makeJwtClient } from '../support/jwt-client.ts';

let es: JwtClient;
let rs: JwtClient;
let ps: JwtClient;
let app: App;
const TOKEN = `${ISSUER}/token`;

beforeAll(async () => {
  es = makeJwtClient('jwt-es');
  rs = makeJwtClient('jwt-rs', 'RS256');
  ps = makeJwtClient('jwt-ps', 'PS256');
  const clients = JSON.stringify([...testClients, es.entry, rs.entry, ps.entry]);
  app = await tokenApp(await testEnv({ OAUTH_CLIENTS: clients }), { store: new MemoryStore() });
});

async function token(params: Record<string, string>, headers: Record<string, string> = {}, url = TOKEN) {
  const { res, log } = await runApp(app, form({ grant_type: 'client_credentials', ...params }, headers, url));
  const body = await res.text();
  return { status: res.status, body: body ? JSON.parse(body) : undefined, log };
}

const outcome = (r: { status: number; body?: { error?: string } }) => ({
  status: r.status,
  error: r.body?.error,
});

describe('private_key_jwt (RFC 7523)', () => {
  it.each([
    ['ES256', () => es],
    ['RS256', () => rs],
    ['PS256', () => ps],
  ])('issues a token to a client that signs with %s', async (_alg, client) => {
    const r = await token(assertionParams(await client().assertion(ISSUER)));
    expect(r.status).toBe(200);
    expect(r.log.clientId).toBe(client().clientId);
  });

  it('accepts client_id alongside the assertion', async () => {
    const r = await token({ ...assertionParams(await es.assertion(ISSUER)), client_id: es.clientId });
    expect(r.status).toBe(200);
  });

  it('accepts aud as an array of the issuer alone, and typ client-authentication+jwt', async () => {
    const r = await token(assertionParams(await es.assertion(ISSUER, { aud: [ISSUER] })));
    expect(r.status).toBe(200);
    for (const typ of ['client-authentication+jwt', 'application/client-authentication+jwt']) {
      const typed = await token(assertionParams(await es.assertion(ISSUER, {}, { typ })));
      expect(typed.status).toBe(200);
    }
  });

  it('refuses a replayed assertion (jti single use)', async () => {
    const assertion = await es.assertion(ISSUER);
    expect((await token(assertionParams(assertion))).status).toBe(200);
    const again = await token(assertionParams(assertion));
    expect(outcome(again)).toEqual({ status: 401, error: 'invalid_client' });
    expect(again.log.detail).toMatch(/already used/);
  });

  it.each([
    ['another audience', { aud: 'https://other.example' }, /aud/],
    ['iss different from sub', { iss: 'someone-else' }, /iss and sub/],
    [
      'an expired assertion',
      { exp: Math.floor(Date.now() / 1000) - 120, iat: Math.floor(Date.now() / 1000) - 180 },
      /exp/,
    ],
    ['exp too far ahead', { exp: Math.floor(Date.now() / 1000) + 3600 }, /ahead/],
    ['iat in the future', { iat: Math.floor(Date.now() / 1000) + 600 }, /iat/],
    ['nbf in the future', { nbf: Math.floor(Date.now() / 1000) + 600 }, /nbf/],
    ['no jti', { jti: undefined }, /jti/],
    ['no exp', { exp: undefined }, /exp/],
  ])('refuses %s: 401 invalid_client', async (_name, claims, detail) => {
    const r = await token(assertionParams(await es.assertion(ISSUER, claims)));
    expect(outcome(r)).toEqual({ status: 401, error: 'invalid_client' });
    expect(r.log.detail).toMatch(detail);
  });

  it('refuses an assertion signed by a key the client did not register', async () => {
    const impostor = makeJwtClient(es.clientId);
    const r = await token(assertionParams(await impostor.assertion(ISSUER)));
    expect(outcome(r)).toEqual({ status: 401, error: 'invalid_client' });
  });

  it('refuses an assertion for a client registered with a secret', async () => {
    const impostor = makeJwtClient('confidential');
    const r = await token(assertionParams(await impostor.assertion(ISSUER)));
    expect(outcome(r)).toEqual({ status: 401, error: 'invalid_client' });
  });

  it('refuses an embedded jwk header', async () => {
    const r = await token(assertionParams(await es.assertion(ISSUER, {}, { jwk: es.publicJwk })));
    expect(outcome(r)).toEqual({ status: 401, error: 'invalid_client' });
  });

  it('refuses HS256 keyed with the public key', async () => {
    const { SignJWT } = await import('jose');
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({
      iss: es.clientId,
      sub: es.clientId,
      aud: ISSUER,
      exp: now + 60,
      jti: 'h',
    })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(JSON.stringify(es.publicJwk)));
    expect(outcome(await token(assertionParams(forged)))).toEqual({ status: 401, error: 'invalid_client' });
  });

  it.each([
    [
      'a client_id naming another client',
      async () => ({ ...assertionParams(await es.assertion(ISSUER)), client_id: 'x' }),
    ],
    ['a missing client_assertion_type', async () => ({ client_assertion: await es.assertion(ISSUER) })],
    [
      'another assertion type',
      async () => ({ client_assertion: await es.assertion(ISSUER), client_assertion_type: 'urn:x' }),
    ],
  ])('answers 400 invalid_request to %s', async (_name, params) => {
    expect(outcome(await token(await params()))).toEqual({ status: 400, error: 'invalid_request' });
  });

  it('refuses an assertion together with Basic credentials (one method per request)', async () => {
    const r = await token(assertionParams(await es.assertion(ISSUER)), {
      authorization: basic('confidential', CONFIDENTIAL_SECRET),
    });
    expect(outcome(r)).toEqual({ status: 400, error: 'invalid_request' });
  });

  it('refuses a private_key_jwt client that sends no assertion', async () => {
    expect(outcome(await token({ client_id: es.clientId }))).toEqual({
      status: 401,
      error: 'invalid_client',
    });
  });

  it('authenticates at /introspect and /revoke, with the issuer as aud', async () => {
    const issued = await token(assertionParams(await es.assertion(ISSUER)));
    for (const path of ['/introspect', '/revoke']) {
      const url = `${ISSUER}${path}`;
      const { res } = await runApp(
        app,
        form({ token: issued.body.access_token, ...assertionParams(await es.assertion(ISSUER)) }, {}, url),
      );
      expect(res.status).toBe(200);
    }
  });
});

describe('private_key_jwt client registration', () => {
  async function problems(client: Record<string, unknown>): Promise<readonly string[]> {
    try {
      await loadTokenConfig(await testEnv({ OAUTH_CLIENTS: JSON.stringify([client]) }));
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
  }
  const base = {
    client_id: 'c',
    token_endpoint_auth_method: 'private_key_jwt',
    grant_types: ['client_credentials'],
  };

  it.each([
    ['no jwks', {}, 'OAUTH_CLIENTS[0].jwks must be a JWK Set: {"keys": [ …public keys… ]}'],
    [
      'a private key',
      { jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b', d: 'c' }] } },
      'OAUTH_CLIENTS[0].jwks.keys[0] holds private or secret key material',
    ],
    [
      'a symmetric key',
      { jwks: { keys: [{ kty: 'oct', k: 'abc' }] } },
      'OAUTH_CLIENTS[0].jwks.keys[0] holds private or secret key material',
    ],
    [
      'another curve',
      { jwks: { keys: [{ kty: 'EC', crv: 'P-384', x: 'a', y: 'b' }] } },
      'OAUTH_CLIENTS[0].jwks.keys[0] must use the P-256 curve (ES256)',
    ],
    [
      'an alg outside the allow-list',
      { jwks: { keys: [{ kty: 'RSA', n: 'a', e: 'AQAB', alg: 'RS512' }] } },
      'OAUTH_CLIENTS[0].jwks.keys[0].alg must be one of RS256, PS256, ES256 and fit its kty',
    ],
    [
      'a jwks_uri',
      { jwks_uri: 'https://c.example/jwks' },
      'OAUTH_CLIENTS[0].jwks_uri is not supported: give the keys inline as jwks',
    ],
    [
      'a secret as well',
      { client_secret: 'a-long-enough-secret-123' },
      'OAUTH_CLIENTS[0] uses private_key_jwt and must not have a secret',
    ],
  ])('reports %s', async (_name, extra, problem) => {
    expect(await problems({ ...base, ...extra })).toContain(problem);
  });

  it('reports jwks on a client that does not use private_key_jwt', async () => {
    const c = {
      ...base,
      token_endpoint_auth_method: 'client_secret_basic',
      client_secret: 'a-long-enough-secret-123',
      jwks: { keys: [] },
    };
    expect(await problems(c)).toEqual([
      'OAUTH_CLIENTS[0].jwks is used only with token_endpoint_auth_method private_key_jwt',
    ]);
  });

  it('accepts a well-formed registration', async () => {
    expect(await problems(makeJwtClient('ok').entry)).toEqual([]);
  });
});
