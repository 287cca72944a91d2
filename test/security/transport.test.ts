// Negative catalogue: what a request's claimed scheme (X-Forwarded-Proto) can and cannot change, and
// Strict-Transport-Security on the pages and the token endpoint of an https issuer.
import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../shared/http/scf.ts';
import { eventToRequest } from '../../shared/http/scf.ts';
import { MemoryStore } from '../../shared/store/memory.ts';
import { authorizeApp, tokenApp } from '../support/apps.ts';
import { authorizeUrl, standardParams } from '../support/authorize-flow.ts';
import { basic, CONFIDENTIAL_SECRET, form, ISSUER, runApp, testEnv } from '../support/fixtures.ts';

let authorize: App;
let token: App;

beforeAll(async () => {
  const env = await testEnv();
  authorize = await authorizeApp(env);
  token = await tokenApp(env, { store: new MemoryStore() });
});

/** GET /authorize as API Gateway hands it over, with the scheme the request claims. */
function authorizeEvent(proto: string) {
  return eventToRequest({
    httpMethod: 'GET',
    path: '/authorize',
    headers: { host: new URL(ISSUER).host, 'x-forwarded-proto': proto },
    queryString: standardParams(),
  });
}

describe('the scheme a request claims', () => {
  it('X-Forwarded-Proto: http does not take Secure or __Host- off the session cookie of an https issuer', async () => {
    const req = authorizeEvent('http');
    expect(new URL(req.url).protocol).toBe('http:');
    const res = await authorize(req, { requestId: 'test', route: 'GET /authorize', log: {} });
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^__Host-oauth_session=/);
    expect(cookie.split('; ')).toContain('Secure');
  });
});

describe('Strict-Transport-Security with an https issuer', () => {
  it.each([
    ['the sign-in page', () => runApp(authorize, new Request(authorizeUrl(standardParams())))],
    ['an error page', () => runApp(authorize, new Request(`${ISSUER}/authorize?client_id=nobody`))],
    [
      'a token response',
      () =>
        runApp(
          token,
          form(
            { grant_type: 'client_credentials' },
            { authorization: basic('confidential', CONFIDENTIAL_SECRET) },
          ),
        ),
    ],
    ['a token error', () => runApp(token, form({ grant_type: 'password' }))],
    ['the sign-out page', () => runApp(authorize, new Request(`${ISSUER}/logout`))],
    ['a UserInfo refusal', () => runApp(token, new Request(`${ISSUER}/userinfo`))],
    [
      'the OpenID Connect discovery document',
      () => runApp(token, new Request(`${ISSUER}/.well-known/openid-configuration`)),
    ],
  ])('%s carries it', async (_what, call) => {
    const { res } = await call();
    expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000');
  });

  it('control: a loopback http issuer sends none (browsers ignore it over http)', async () => {
    const env = await testEnv({ OAUTH_ISSUER: 'http://127.0.0.1:8080' });
    const local = await tokenApp(env, { store: new MemoryStore() });
    const { res } = await runApp(local, form({ grant_type: 'password' }, {}, 'http://127.0.0.1:8080/token'));
    expect(res.headers.get('strict-transport-security')).toBeNull();
  });
});
