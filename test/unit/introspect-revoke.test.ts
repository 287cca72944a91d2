import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../shared/http/scf.ts';
import { importSigningKey } from '../../shared/jwt/keys.ts';
import { MemoryStore } from '../../shared/store/memory.ts';
import { type Store, StoreUnavailableError } from '../../shared/store/store.ts';
import { businessApp, tokenApp } from '../support/apps.ts';
import {
  AUDIENCE,
  basic,
  CONFIDENTIAL_SECRET,
  foreignKeyPair,
  form,
  ISSUER,
  POST_SECRET,
  runApp,
  testEnv,
  testKeys,
} from '../support/fixtures.ts';
import { rawRs256, standardClaims } from '../support/forge.ts';

const START = Date.UTC(2026, 0, 1, 12, 0, 0);
const clock = { now: START };
const now = () => clock.now;
let store: MemoryStore;
let app: App;
let business: App;

beforeAll(async () => {
  store = new MemoryStore({ now });
  const env = await testEnv({ OAUTH_STORE: 'redis://127.0.0.1:1' });
  app = await tokenApp(env, { now, store });
  // The business function asks the same store, as it does when both point at one Redis.
  business = await businessApp(env, { now, store });
});

const confidential = { authorization: basic('confidential', CONFIDENTIAL_SECRET) };
const poster = { client_id: 'poster', client_secret: POST_SECRET };

async function call(target: App, req: Request) {
  const { res } = await runApp(target, req);
  const text = await res.text();
  const json = res.headers.get('content-type')?.startsWith('application/json');
  return { status: res.status, headers: res.headers, body: text && json ? JSON.parse(text) : text };
}

async function issue(headers: Record<string, string> = confidential, body: Record<string, string> = {}) {
  const r = await call(app, form({ grant_type: 'client_credentials', ...body }, headers));
  expect(r.status).toBe(200);
  return r.body.access_token as string;
}

const introspect = (body: Record<string, string>, headers: Record<string, string> = confidential) =>
  call(app, form(body, headers, `${ISSUER}/introspect`));
const revoke = (body: Record<string, string>, headers: Record<string, string> = confidential) =>
  call(app, form(body, headers, `${ISSUER}/revoke`));
const work = (token: string) =>
  call(business, new Request(`${ISSUER}/work`, { headers: { authorization: `Bearer ${token}` } }));

describe('POST /introspect (RFC 7662)', () => {
  it('describes a live access token with the RFC 7662 fields', async () => {
    clock.now = START;
    const token = await issue(confidential, { scope: 'read' });
    const r = await introspect({ token });
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    const iat = Math.floor(START / 1000);
    expect(r.body).toEqual({
      active: true,
      scope: 'read',
      client_id: 'confidential',
      sub: 'confidential',
      exp: iat + 300,
      iat,
      nbf: iat,
      aud: AUDIENCE,
      iss: ISSUER,
      jti: expect.any(String),
      token_type: 'Bearer',
    });
  });

  it('lets a client registered with introspection: true introspect any access token (a resource server)', async () => {
    const token = await issue();
    const r = await introspect({ token, ...poster }, {});
    expect(r.body.active).toBe(true);
  });

  it('ignores token_type_hint, even a wrong one', async () => {
    const token = await issue();
    expect((await introspect({ token, token_type_hint: 'refresh_token' })).body.active).toBe(true);
  });

  it('answers {"active": false} for an expired token', async () => {
    clock.now = START;
    const token = await issue();
    clock.now = START + 301_000;
    const r = await introspect({ token });
    clock.now = START;
    expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: { active: false } });
  });

  it.each([
    ['garbage', () => 'not-a-token'],
    ['a JWT-looking string', () => 'a.b.c'],
    [
      'a token signed by a foreign key',
      () =>
        rawRs256(
          { alg: 'RS256', typ: 'at+jwt', kid: 'x' },
          standardClaims(ISSUER, AUDIENCE, START),
          foreignKeyPair().privateKey,
        ),
    ],
    ['a five-part value that is no refresh token of ours', () => 'a.b.c.d.e'],
  ])('answers {"active": false} for %s', async (_name, make) => {
    const r = await introspect({ token: make() });
    expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: { active: false } });
  });

  it('answers {"active": false} for our key with another audience', async () => {
    const key = await importSigningKey((await testKeys()).privatePem);
    const token = rawRs256(
      { alg: 'RS256', typ: 'at+jwt', kid: key.kid },
      standardClaims(ISSUER, 'https://elsewhere.example', START),
      key.privateKey,
    );
    expect((await introspect({ token })).body).toEqual({ active: false });
  });

  it('refuses a public client: 401 invalid_client', async () => {
    const r = await introspect({ token: 'x', client_id: 'public-app' }, {});
    expect({ status: r.status, error: r.body.error }).toEqual({ status: 401, error: 'invalid_client' });
  });

  it('refuses a caller without credentials or with a wrong secret', async () => {
    expect((await introspect({ token: 'x' }, {})).status).toBe(401);
    const wrong = await introspect(
      { token: 'x' },
      { authorization: basic('confidential', 'wrong-secret-123456') },
    );
    expect({ status: wrong.status, error: wrong.body.error }).toEqual({
      status: 401,
      error: 'invalid_client',
    });
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic/);
  });

  it('needs the token parameter: 400 invalid_request', async () => {
    const r = await introspect({});
    expect({ status: r.status, error: r.body.error }).toEqual({ status: 400, error: 'invalid_request' });
  });

  it('answers 405 to GET', async () => {
    const { res } = await runApp(app, new Request(`${ISSUER}/introspect`));
    expect(res.status).toBe(405);
  });
});

describe('POST /revoke (RFC 7009)', () => {
  it('revokes an access token: introspection reports it inactive and /work refuses it', async () => {
    clock.now = START;
    const token = await issue();
    expect((await work(token)).status).toBe(200);
    const r = await revoke({ token, token_type_hint: 'access_token' });
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect((await introspect({ token })).body).toEqual({ active: false });
    const refused = await work(token);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
  });

  it('keeps the denial until the token has expired, clock tolerance included', async () => {
    clock.now = START;
    const token = await issue();
    await revoke({ token });
    // Still inside the business function's 30 s tolerance after exp: still refused.
    clock.now = START + 320_000;
    expect((await work(token)).status).toBe(401);
    clock.now = START;
  });

  it('answers 200 for an unknown, garbled or expired token (RFC 7009 §2.2)', async () => {
    for (const token of ['unknown', 'a.b.c', 'a.b.c.d.e']) expect((await revoke({ token })).status).toBe(200);
    clock.now = START;
    const token = await issue();
    clock.now = START + 400_000;
    expect((await revoke({ token })).status).toBe(200);
    clock.now = START;
  });

  it('does not revoke another client’s token, answers 200 as for an invalid one, and leaves it live', async () => {
    const token = await issue();
    const r = await revoke({ token, ...poster }, {});
    expect(r.status).toBe(200);
    expect((await introspect({ token })).body.active).toBe(true);
  });

  it('authenticates a public client by client_id alone', async () => {
    expect((await revoke({ token: 'unknown', client_id: 'public-app' }, {})).status).toBe(200);
  });

  it('refuses a wrong secret and a missing token', async () => {
    const wrong = await revoke(
      { token: 'x', client_id: 'poster', client_secret: 'wrong-secret-0123456' },
      {},
    );
    expect({ status: wrong.status, error: wrong.body.error }).toEqual({
      status: 401,
      error: 'invalid_client',
    });
    const missing = await revoke({});
    expect({ status: missing.status, error: missing.body.error }).toEqual({
      status: 400,
      error: 'invalid_request',
    });
  });
});

describe('an unreachable store', () => {
  const down: Store = {
    consumeOnce: () => Promise.reject(new StoreUnavailableError('down')),
    put: () => Promise.reject(new StoreUnavailableError('down')),
    get: () => Promise.reject(new StoreUnavailableError('down')),
    revoke: () => Promise.reject(new StoreUnavailableError('down')),
    isRevoked: () => Promise.reject(new StoreUnavailableError('down')),
    anyRecorded: () => Promise.reject(new StoreUnavailableError('down')),
    increment: () => Promise.reject(new StoreUnavailableError('down')),
    delete: () => Promise.reject(new StoreUnavailableError('down')),
    keys: () => Promise.reject(new StoreUnavailableError('down')),
    epoch: () => Promise.reject(new StoreUnavailableError('down')),
    close: async () => undefined,
  };

  it('makes introspection, revocation and the business check answer 503, never "not revoked"', async () => {
    const env = await testEnv({ OAUTH_STORE: 'redis://127.0.0.1:1' });
    const token = await issue();
    const downApp = await tokenApp(env, { now, store: down });
    const downBusiness = await businessApp(env, { now, store: down });
    for (const req of [
      form({ token }, confidential, `${ISSUER}/introspect`),
      form({ token }, confidential, `${ISSUER}/revoke`),
    ]) {
      const r = await call(downApp, req);
      expect({ status: r.status, error: r.body.error }).toEqual({
        status: 503,
        error: 'temporarily_unavailable',
      });
    }
    const r = await call(
      downBusiness,
      new Request(`${ISSUER}/work`, { headers: { authorization: `Bearer ${token}` } }),
    );
    expect({ status: r.status, error: r.body.error }).toEqual({
      status: 503,
      error: 'temporarily_unavailable',
    });
  });
});
