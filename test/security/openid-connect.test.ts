// Negative catalogue: hostile OpenID Connect requests through the local gateway — UserInfo with the
// wrong token, ID tokens where access tokens belong, and nonces that do not fit.
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_USER } from '../support/fixtures.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { oidcOverrides, RP_ID, RP_REDIRECT, RP_SECRET, SignInAgent } from '../support/oidc.ts';

let gw: TestGateway;
let tokens: { access_token: string; id_token: string };
const VERIFIER = 'security-oidc-verifier-0123456789-abcdefghijklmn';

beforeAll(async () => {
  gw = await startTestGateway(await oidcOverrides());
  const { computeS256Challenge } = await import('../../shared/pkce.ts');
  const url = `${gw.url}/authorize?${new URLSearchParams({
    response_type: 'code',
    client_id: RP_ID,
    redirect_uri: RP_REDIRECT,
    scope: 'openid profile email',
    code_challenge: computeS256Challenge(VERIFIER),
    code_challenge_method: 'S256',
    nonce: 'n1',
  })}`;
  const back = await new SignInAgent(gw.url, (req) => fetch(req)).authorize(url, TEST_USER);
  const res = await fetch(`${gw.url}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${RP_ID}:${RP_SECRET}`).toString('base64')}`,
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: back.searchParams.get('code')!,
      redirect_uri: RP_REDIRECT,
      code_verifier: VERIFIER,
    }),
  });
  tokens = (await res.json()) as typeof tokens;
});
afterAll(() => gw?.close());

async function userinfo(init: RequestInit = {}, query = '') {
  const res = await fetch(`${gw.url}/userinfo${query}`, init);
  const body = (await res.json()) as Record<string, unknown>;
  return { status: res.status, error: body.error, body, challenge: res.headers.get('www-authenticate') };
}

describe('UserInfo refuses what is not an access token for it', () => {
  it('an ID token presented as the access token (its typ is JWT, not at+jwt)', async () => {
    const r = await userinfo({ headers: { authorization: `Bearer ${tokens.id_token}` } });
    expect({ status: r.status, error: r.error }).toEqual({ status: 401, error: 'invalid_token' });
    expect(r.body.email).toBeUndefined();
  });

  it('the access token in the query string', async () => {
    const r = await userinfo({}, `?access_token=${tokens.access_token}`);
    expect({ status: r.status, error: r.error }).toEqual({ status: 400, error: 'invalid_request' });
  });

  it('an access token with its signature cut off', async () => {
    const [h, p] = tokens.access_token.split('.');
    const r = await userinfo({ headers: { authorization: `Bearer ${h}.${p}.` } });
    expect({ status: r.status, error: r.error }).toEqual({ status: 401, error: 'invalid_token' });
  });

  it('two tokens at once: the header and the form body', async () => {
    const r = await userinfo({
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokens.access_token}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: `access_token=${tokens.access_token}`,
    });
    expect({ status: r.status, error: r.error }).toEqual({ status: 400, error: 'invalid_request' });
  });

  it('a client_credentials token (no person, no openid)', async () => {
    const cc = await fetch(`${gw.url}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('confidential:confidential-client-secret-0123456789').toString('base64')}`,
      },
      body: 'grant_type=client_credentials',
    });
    const { access_token } = (await cc.json()) as { access_token: string };
    const r = await userinfo({ headers: { authorization: `Bearer ${access_token}` } });
    expect({ status: r.status, error: r.error }).toEqual({ status: 403, error: 'insufficient_scope' });
  });
});

describe('ID tokens are not access tokens anywhere', () => {
  it('the business API refuses an ID token', async () => {
    const res = await fetch(`${gw.url}/work`, { headers: { authorization: `Bearer ${tokens.id_token}` } });
    expect(res.status).toBe(401);
  });

  it('the ID token is for the client alone: its audience is the client_id, never the API', () => {
    expect(decodeJwt(tokens.id_token)).toMatchObject({ aud: RP_ID, azp: RP_ID });
  });
});
