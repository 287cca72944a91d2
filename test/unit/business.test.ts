import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../shared/http/app.ts';
import { importSigningKey } from '../../shared/jwt/keys.ts';
import { signAccessToken } from '../../shared/jwt/sign.ts';
import { businessApp } from '../support/apps.ts';
import { AUDIENCE, ISSUER, runApp, testEnv, testKeys } from '../support/fixtures.ts';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
let app: App;
let withCookie: typeof app;
let token: string;

beforeAll(async () => {
  app = await businessApp(await testEnv(), { now: () => NOW });
  withCookie = await businessApp(await testEnv({ OAUTH_BEARER_COOKIE: 'id_token' }), { now: () => NOW });
  const key = await importSigningKey((await testKeys()).privatePem);
  ({ token } = await signAccessToken(key, {
    issuer: ISSUER,
    audience: AUDIENCE,
    subject: 'alice',
    clientId: 'confidential',
    scope: 'read',
    ttlSeconds: 300,
    now: NOW,
    typ: 'at+jwt',
  }));
});

const work = (headers: Record<string, string> = {}, query = '') =>
  new Request(`${ISSUER}/work${query}`, { headers });

async function call(req: Request, to = app) {
  const { res, log } = await runApp(to, req);
  return { status: res.status, text: await res.text(), challenge: res.headers.get('www-authenticate'), log };
}

describe('GET /work', () => {
  it.each([
    ['Authorization: Bearer <jwt>', () => ({ authorization: `Bearer ${token}` })],
    [
      'the gateway form Authorization: Bearer id_token="<jwt>"',
      () => ({ authorization: `Bearer id_token="${token}"` }),
    ],
    [
      'Cookie: id_token=<jwt>, with OAUTH_BEARER_COOKIE=id_token',
      () => ({ cookie: `theme=dark; id_token=${token}` }),
    ],
    [
      'the same token in header and cookie',
      () => ({ authorization: `Bearer ${token}`, cookie: `id_token=${token}` }),
    ],
  ])('answers hello world to a valid token in %s', async (_name, headers) => {
    const r = await call(work(headers()), withCookie);
    expect({ status: r.status, text: r.text }).toEqual({ status: 200, text: 'hello world' });
    expect(r.log.clientId).toBe('confidential');
  });

  it('answers 401 with a bare Bearer challenge when no token is sent', async () => {
    const r = await call(work());
    expect(r.status).toBe(401);
    expect(r.challenge).toBe('Bearer realm="work"');
  });

  it('answers 401 invalid_token for a garbled token', async () => {
    const r = await call(work({ authorization: 'Bearer not.a.token' }));
    expect(r.status).toBe(401);
    expect(r.challenge).toMatch(/^Bearer realm="work", error="invalid_token"/);
  });

  it('refuses a token in the query string (RFC 9700 §2.2.3)', async () => {
    const r = await call(work({}, `?access_token=${token}`));
    expect(r.status).toBe(400);
    expect(r.challenge).toMatch(/error="invalid_request"/);
  });

  it('refuses a token in the query string even with a valid header', async () => {
    const r = await call(work({ authorization: `Bearer ${token}` }, `?id_token=${token}`));
    expect(r.status).toBe(400);
  });

  it('refuses two different tokens', async () => {
    const r = await call(work({ authorization: `Bearer ${token}`, cookie: 'id_token=a.b.c' }), withCookie);
    expect(r.status).toBe(400);
    expect(r.challenge).toMatch(/error="invalid_request"/);
  });

  it('refuses two id_token cookies', async () => {
    const r = await call(work({ cookie: `id_token=${token}; id_token=${token}` }), withCookie);
    expect(r.status).toBe(400);
  });

  it('ignores cookies unless OAUTH_BEARER_COOKIE names one', async () => {
    expect((await call(work({ cookie: `id_token=${token}` }))).status).toBe(401);
    expect((await call(work({ authorization: `Bearer ${token}`, cookie: 'id_token=a.b.c' }))).status).toBe(
      200,
    );
    const other = await businessApp(await testEnv({ OAUTH_BEARER_COOKIE: 'at' }), { now: () => NOW });
    expect((await call(work({ cookie: `id_token=${token}` }), other)).status).toBe(401);
    expect((await call(work({ cookie: `at=${token}` }), other)).status).toBe(200);
  });

  it('names OAUTH_BEARER_COOKIE when it is not a cookie name', async () => {
    await expect(businessApp(await testEnv({ OAUTH_BEARER_COOKIE: 'id token' }))).rejects.toThrow(
      /OAUTH_BEARER_COOKIE must be a cookie name/,
    );
  });

  it('refuses a scheme other than Bearer', async () => {
    const r = await call(work({ authorization: `Basic ${token}` }));
    expect(r.status).toBe(400);
  });

  it('refuses a token once it is expired', async () => {
    const later = await businessApp(await testEnv(), { now: () => NOW + 400_000 });
    const { res } = await runApp(later, work({ authorization: `Bearer ${token}` }));
    expect(res.status).toBe(401);
  });

  it('answers 405 to POST and 404 elsewhere', async () => {
    expect((await call(new Request(`${ISSUER}/work`, { method: 'POST' }))).status).toBe(405);
    expect((await call(new Request(`${ISSUER}/other`))).status).toBe(404);
  });
});
