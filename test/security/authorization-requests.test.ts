// Negative catalogue: hostile authorization requests, forms, codes and refresh tokens — redirect
// manipulation, PKCE tricks, replay, CSRF and session fixation. The requirement lines themselves are
// pinned one by one in test/unit/authorization-endpoint.test.ts and authorization-codes.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import type { HttpResponse } from '../../shared/http/web.ts';
import {
  authorizeUrl,
  CONFIDENTIAL_REDIRECT,
  cookieOf,
  type Harness,
  hiddenFieldsOf,
  makeHarness,
  postForm,
  redeem,
  runAuthorization,
  standardParams,
  VERIFIER,
} from '../support/authorize-flow.ts';
import { basic, CONFIDENTIAL_SECRET, ISSUER, TEST_USER } from '../support/fixtures.ts';

let h: Harness;
beforeAll(async () => {
  h = await makeHarness();
});

const get = (params: Record<string, string>) => h.authorize(new Request(authorizeUrl(params)));

async function expectErrorPage(res: HttpResponse) {
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
  expect(res.headers.get('location')).toBeNull();
  expect(res.headers.get('content-type')).toMatch(/^text\/html/);
}

function redirectError(res: HttpResponse): string | null {
  expect([302, 303]).toContain(res.status);
  const url = new URL(res.headers.get('location')!);
  expect(`${url.origin}${url.pathname}`).toBe(CONFIDENTIAL_REDIRECT);
  expect(url.searchParams.get('code')).toBeNull();
  return url.searchParams.get('error');
}

/** Signs in with a fresh session: the signed-in session cookie and the consent page. */
async function signInToConsent(): Promise<{ session: string; consent: HttpResponse }> {
  const first = await get(standardParams());
  const loggedIn = await h.authorize(
    postForm(
      `${ISSUER}/authorize`,
      { ...hiddenFieldsOf(await first.text()), username: TEST_USER.username, password: TEST_USER.password },
      cookieOf(first),
    ),
  );
  const session = cookieOf(loggedIn)!;
  const consent = await h.authorize(
    new Request(new URL(loggedIn.headers.get('location')!, ISSUER), { headers: { cookie: session } }),
  );
  return { session, consent };
}

async function codeFor(params = standardParams()): Promise<string> {
  const location = await runAuthorization(h, params);
  return location.searchParams.get('code')!;
}

async function tokensFor(): Promise<{ access_token: string; refresh_token: string }> {
  const code = await codeFor();
  const res = await redeem(h, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: CONFIDENTIAL_REDIRECT,
    code_verifier: VERIFIER,
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { access_token: string; refresh_token: string };
}

async function grantError(res: HttpResponse): Promise<{ status: number; error: string }> {
  const body = (await res.json()) as { error: string; access_token?: string };
  expect(body.access_token).toBeUndefined();
  return { status: res.status, error: body.error };
}

describe('redirect_uri manipulation at /authorize', () => {
  it.each([
    ['a path-traversal suffix', `${CONFIDENTIAL_REDIRECT}/../../evil`],
    ['an encoded path traversal', `${CONFIDENTIAL_REDIRECT}/%2e%2e/evil`],
    ['an extra path segment', `${CONFIDENTIAL_REDIRECT}/extra`],
    ['a prefix of the registered URI', 'https://client.example/c'],
    ['a lookalike host', 'https://client.example.evil.example/cb'],
    ['userinfo before an attacker host', 'https://client.example@evil.example/cb'],
    ['a trailing dot on the host', 'https://client.example./cb'],
    ['an explicit default port', 'https://client.example:443/cb'],
    ['a path with percent-encoded characters', 'https://client.example/%63b'],
    ['a fragment', `${CONFIDENTIAL_REDIRECT}#frag`],
    ['a javascript: URI', 'javascript:alert(document.domain)//https://client.example/cb'],
    ['a data: URI', 'data:text/html,<script>alert(1)</script>'],
    ['a protocol-relative URI', '//evil.example/cb'],
    ['an upper-case path', 'https://client.example/CB'],
    ['whitespace around the URI', ` ${CONFIDENTIAL_REDIRECT} `],
  ])('%s gets an error page, never a redirect', async (_name, uri) => {
    await expectErrorPage(await get(standardParams({ redirect_uri: uri })));
  });

  it('a registered URI of another client gets an error page', async () => {
    await expectErrorPage(await get(standardParams({ redirect_uri: 'https://code.example/cb' })));
  });
});

describe('PKCE tricks', () => {
  it.each([
    ['a challenge of 42 characters', 'a'.repeat(42)],
    ['a challenge of 129 characters', 'a'.repeat(129)],
    ['a challenge with characters outside base64url', `${'a'.repeat(42)}+`],
  ])('%s is refused at /authorize', async (_name, challenge) => {
    expect(redirectError(await get(standardParams({ code_challenge: challenge })))).toBe('invalid_request');
  });

  it('an unknown challenge method is refused at /authorize', async () => {
    expect(redirectError(await get(standardParams({ code_challenge_method: 'S512' })))).toBe(
      'invalid_request',
    );
  });

  it.each([
    ['a verifier shorter than 43 characters', VERIFIER.slice(0, 42)],
    ['a verifier longer than 128 characters', `${VERIFIER}${'a'.repeat(90)}`],
    ['a verifier with characters outside the unreserved set', `${VERIFIER.slice(0, 42)}+`],
    ['the challenge itself sent as the verifier (plain downgrade)', standardParams().code_challenge!],
  ])('%s is refused at /token', async (_name, verifier) => {
    const code = await codeFor();
    const res = await redeem(h, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: CONFIDENTIAL_REDIRECT,
      code_verifier: verifier,
    });
    expect([400]).toContain(res.status);
    expect(['invalid_grant', 'invalid_request']).toContain((await grantError(res)).error);
  });
});

describe('code and refresh-token misuse at /token', () => {
  it('a code with one character changed is refused', async () => {
    const code = await codeFor();
    const forged = `${code.slice(0, 20)}${code[20] === 'A' ? 'B' : 'A'}${code.slice(21)}`;
    const res = await redeem(h, {
      grant_type: 'authorization_code',
      code: forged,
      redirect_uri: CONFIDENTIAL_REDIRECT,
      code_verifier: VERIFIER,
    });
    expect(await grantError(res)).toEqual({ status: 400, error: 'invalid_grant' });
  });

  it('a refresh token presented as a code is refused', async () => {
    const { refresh_token } = await tokensFor();
    const res = await redeem(h, {
      grant_type: 'authorization_code',
      code: refresh_token,
      redirect_uri: CONFIDENTIAL_REDIRECT,
      code_verifier: VERIFIER,
    });
    expect(await grantError(res)).toEqual({ status: 400, error: 'invalid_grant' });
  });

  it('a code presented as a refresh token is refused', async () => {
    const code = await codeFor();
    const res = await redeem(h, { grant_type: 'refresh_token', refresh_token: code });
    expect(await grantError(res)).toEqual({ status: 400, error: 'invalid_grant' });
  });

  it('an access token presented as a refresh token is refused', async () => {
    const { access_token } = await tokensFor();
    const res = await redeem(h, { grant_type: 'refresh_token', refresh_token: access_token });
    expect(await grantError(res)).toEqual({ status: 400, error: 'invalid_grant' });
  });

  it('a refresh token with one character changed is refused', async () => {
    const { refresh_token } = await tokensFor();
    const forged = `${refresh_token.slice(0, 30)}${refresh_token[30] === 'A' ? 'B' : 'A'}${refresh_token.slice(31)}`;
    const res = await redeem(h, { grant_type: 'refresh_token', refresh_token: forged });
    expect(await grantError(res)).toEqual({ status: 400, error: 'invalid_grant' });
  });

  it('a refresh asking for a scope beyond the grant is refused', async () => {
    const { refresh_token } = await tokensFor();
    const res = await redeem(h, { grant_type: 'refresh_token', refresh_token, scope: 'read write' });
    expect((await grantError(res)).error).toBe('invalid_scope');
  });

  it('a code redeemed at the token endpoint with a repeated code parameter is refused', async () => {
    const code = await codeFor();
    const res = await h.token(
      new Request(`${ISSUER}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basic('confidential', CONFIDENTIAL_SECRET),
        },
        body: `grant_type=authorization_code&code=${code}&code=${code}&redirect_uri=${encodeURIComponent(CONFIDENTIAL_REDIRECT)}&code_verifier=${VERIFIER}`,
      }),
    );
    expect(await grantError(res)).toEqual({ status: 400, error: 'invalid_request' });
  });
});

describe('forms: CSRF and session fixation', () => {
  it('a login POST with the cookie but no CSRF token is refused', async () => {
    const first = await get(standardParams());
    const fields = hiddenFieldsOf(await first.text());
    delete fields.csrf_token;
    const res = await h.authorize(
      postForm(
        `${ISSUER}/authorize`,
        { ...fields, username: TEST_USER.username, password: TEST_USER.password },
        cookieOf(first),
      ),
    );
    expect(res.status).toBe(403);
    expect(res.headers.get('location')).toBeNull();
  });

  it('a consent POST with the session but no CSRF token issues no code', async () => {
    const { session, consent } = await signInToConsent();
    const fields = hiddenFieldsOf(await consent.text());
    delete fields.csrf_token;
    const res = await h.authorize(postForm(`${ISSUER}/authorize`, { ...fields, decision: 'allow' }, session));
    expect(res.status).toBe(403);
    expect(res.headers.get('location')).toBeNull();
  });

  it('session fixation: the pre-login cookie an attacker planted cannot consent after the victim logs in', async () => {
    const planted = await get(standardParams());
    const plantedCookie = cookieOf(planted)!;
    const loginFields = hiddenFieldsOf(await planted.text());
    const loggedIn = await h.authorize(
      postForm(
        `${ISSUER}/authorize`,
        { ...loginFields, username: TEST_USER.username, password: TEST_USER.password },
        plantedCookie,
      ),
    );
    expect(loggedIn.status).toBe(303);
    const session = cookieOf(loggedIn)!;
    expect(session).not.toBe(plantedCookie);
    const consent = await h.authorize(
      new Request(new URL(loggedIn.headers.get('location')!, ISSUER), { headers: { cookie: session } }),
    );
    const consentFields = hiddenFieldsOf(await consent.text());
    // The attacker still holds only the planted (pre-login) cookie.
    const res = await h.authorize(
      postForm(`${ISSUER}/authorize`, { ...consentFields, decision: 'allow' }, plantedCookie),
    );
    expect(res.headers.get('location') ?? '').not.toMatch(/[?&]code=/);
    expect(res.status).toBeGreaterThanOrEqual(400);
  });

  it('a tampered session cookie counts as no session', async () => {
    const location = await runAuthorization(h, standardParams());
    expect(location.searchParams.get('code')).toBeTruthy();
    const first = await get(standardParams());
    const cookie = cookieOf(first)!;
    const [name, value] = cookie.split('=');
    const tampered = `${name}=${value!.slice(0, -2)}${value!.endsWith('AA') ? 'BB' : 'AA'}`;
    const res = await h.authorize(
      new Request(authorizeUrl(standardParams()), { headers: { cookie: tampered } }),
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('name="password"');
  });

  it('a consent POST with a decision other than allow or deny issues no code', async () => {
    const { session, consent } = await signInToConsent();
    const res = await h.authorize(
      postForm(
        `${ISSUER}/authorize`,
        { ...hiddenFieldsOf(await consent.text()), decision: 'yes-please' },
        session,
      ),
    );
    expect(res.headers.get('location') ?? '').not.toMatch(/[?&]code=/);
  });

  it('a login POST with a JSON body is refused', async () => {
    const first = await get(standardParams());
    const res = await h.authorize(
      new Request(`${ISSUER}/authorize`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: cookieOf(first)! },
        body: JSON.stringify({
          ...hiddenFieldsOf(await first.text()),
          username: TEST_USER.username,
          password: TEST_USER.password,
        }),
      }),
    );
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.headers.get('location')).toBeNull();
  });

  it('a state carrying markup is escaped in the page and returned unchanged to the client', async () => {
    const state = '"><script>alert(1)</script>';
    const page = await get(standardParams({ state }));
    expect(await page.text()).not.toContain('<script>alert(1)</script>');
    const location = await runAuthorization(h, standardParams({ state }));
    expect(location.searchParams.get('state')).toBe(state);
  });

  it('invalid UTF-8 in the authorization request gets an error page', async () => {
    const res = await h.authorize(new Request(`${ISSUER}/authorize?client_id=confidential&state=%C3%28`));
    await expectErrorPage(res);
  });
});
