// Negative catalogue: what a request's claimed scheme (X-Forwarded-Proto) can and cannot change, and
// Strict-Transport-Security on the pages and the token endpoint of an https issuer.
import { beforeAll, describe, expect, it } from 'vitest';
import { createAuthorizeApp } from '../../functions/authorize/app.ts';
import { loadAuthorizeConfig } from '../../shared/config.ts';
import type { App } from '../../shared/http/scf.ts';
import { eventToRequest } from '../../shared/http/scf.ts';
import { standardParams } from '../support/authorize-flow.ts';
import { ISSUER, testEnv } from '../support/fixtures.ts';

let authorize: App;

beforeAll(async () => {
  const env = await testEnv();
  authorize = createAuthorizeApp(await loadAuthorizeConfig(env));
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
