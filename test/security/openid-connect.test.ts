// Negative catalogue: hostile OpenID Connect requests through the local gateway — UserInfo with the
// wrong token, ID tokens where access tokens belong, and nonces that do not fit.
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeS256Challenge } from '../../shared/pkce.ts';
import { basic, CONFIDENTIAL_SECRET, foreignKeyPair, TEST_USER } from '../support/fixtures.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import {
  oidcOverrides,
  RP_ID,
  RP_LOGOUT_REDIRECT,
  RP_REDIRECT,
  RP_SECRET,
  SignInAgent,
} from '../support/oidc.ts';

let gw: TestGateway;
let tokens: { access_token: string; id_token: string };
const VERIFIER = 'security-oidc-verifier-0123456789-abcdefghijklmn';

beforeAll(async () => {
  gw = await startTestGateway(await oidcOverrides());
  const back = await new SignInAgent(gw.url, (req) => fetch(req)).authorize(authorizeUrl(), TEST_USER);
  const res = await fetch(`${gw.url}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basic(RP_ID, RP_SECRET),
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

function authorizeUrl(extra: Record<string, string> = {}): string {
  return `${gw.url}/authorize?${new URLSearchParams({
    response_type: 'code',
    client_id: RP_ID,
    redirect_uri: RP_REDIRECT,
    scope: 'openid profile email',
    code_challenge: computeS256Challenge(VERIFIER),
    code_challenge_method: 'S256',
    nonce: 'n1',
    ...extra,
  })}`;
}

/** An ID token for the test user, with our kid and issuer, signed by a key that is not ours. */
function forgeIdToken(): Promise<string> {
  return new SignJWT({ sub: TEST_USER.sub, aud: RP_ID, auth_time: 1 })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: decodeProtectedHeader(tokens.id_token).kid! })
    .setIssuer(gw.url)
    .setIssuedAt()
    .sign(foreignKeyPair().privateKey);
}

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
        authorization: basic('confidential', CONFIDENTIAL_SECRET),
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

describe('the end-session endpoint never redirects where it should not', () => {
  const logout = (params: Record<string, string>) =>
    fetch(`${gw.url}/logout?${new URLSearchParams(params)}`, { redirect: 'manual' });

  it('an unregistered post_logout_redirect_uri is an error page, not a redirect', async () => {
    const res = await logout({ client_id: RP_ID, post_logout_redirect_uri: 'https://evil.example/' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });

  it('a redirect URI of the client (not a post-logout one) is refused just the same', async () => {
    const res = await logout({ client_id: RP_ID, post_logout_redirect_uri: RP_REDIRECT });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });

  it('post_logout_redirect_uri with no client named is refused', async () => {
    const res = await logout({ post_logout_redirect_uri: RP_LOGOUT_REDIRECT });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });

  it('an id_token_hint signed with another key is refused', async () => {
    const forged = await forgeIdToken();
    const res = await logout({ id_token_hint: forged, post_logout_redirect_uri: RP_LOGOUT_REDIRECT });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });

  it('an id_token_hint issued to another client than client_id is refused', async () => {
    const res = await logout({ id_token_hint: tokens.id_token, client_id: 'oidc-public' });
    expect(res.status).toBe(400);
  });

  it('a cross-site POST without the CSRF token signs nobody out', async () => {
    const agent = new SignInAgent(gw.url, (req) => fetch(req));
    await agent.authorize(authorizeUrl(), TEST_USER);
    const forged = await agent.post('/logout', { decision: 'logout' });
    expect(forged.status).toBe(403);
    const silent = await agent.request(authorizeUrl({ prompt: 'none' }));
    expect(silent.location?.searchParams.get('code')).toBeTruthy();
  });
});

describe('id_token_hint at the authorization endpoint', () => {
  it('a forged hint (another key) is invalid_request, never a silent code', async () => {
    const forged = await forgeIdToken();
    const agent = new SignInAgent(gw.url, (req) => fetch(req));
    await agent.authorize(authorizeUrl(), TEST_USER);
    const stop = await agent.request(authorizeUrl({ prompt: 'none', id_token_hint: forged }));
    expect(stop.location?.searchParams.get('error')).toBe('invalid_request');
    expect(stop.location?.searchParams.get('code')).toBeNull();
  });

  it('prompt=none from a browser with no session never issues a code', async () => {
    const stop = await new SignInAgent(gw.url, (req) => fetch(req)).request(authorizeUrl({ prompt: 'none' }));
    expect(stop.location?.searchParams.get('error')).toBe('login_required');
  });
});
