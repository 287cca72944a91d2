// The OpenID Foundation Basic OP test plan, module by module, for a code-flow OP: each `describe` is one
// module of the conformance suite (oidcc-*), run against the authorize and token functions in-process
// with a clock the test moves. The same flows through the gateway with openid-client are in
// openid-connect.test.ts.
import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../shared/password.ts';
import { Registry } from '../../shared/registry.ts';
import { authorizeApp } from '../support/apps.ts';
import { type Harness, makeHarness, routeRequest, VERIFIER, wrap } from '../support/authorize-flow.ts';
import { ISSUER, TEST_USER } from '../support/fixtures.ts';
import {
  ALICE_CLAIMS,
  BOB,
  hiddenFields,
  oidcOverrides,
  RP_ID,
  RP_LOGOUT_REDIRECT,
  RP_REDIRECT,
  rpAuthorizeUrl,
  rpTokenRequest,
  SignInAgent,
} from '../support/oidc.ts';

let h: Harness;

beforeAll(async () => {
  h = await makeHarness(await oidcOverrides({ OAUTH_SESSION_TTL: '3600' }));
});

const route = (req: Request) => routeRequest(h, req);

const browser = (headers: Record<string, string> = {}) => new SignInAgent(ISSUER, route, headers);

const authorizeUrl = (extra: Record<string, string> = {}) => rpAuthorizeUrl({ nonce: 'nn', ...extra });

const tokenCall = (fields: Record<string, string>) => rpTokenRequest(h.token, fields);

const exchange = (code: string, verifier = VERIFIER) =>
  tokenCall({ grant_type: 'authorization_code', code, redirect_uri: RP_REDIRECT, code_verifier: verifier });

async function signedInBrowser(extra: Record<string, string> = {}) {
  const agent = browser();
  const back = await agent.authorize(authorizeUrl(extra), TEST_USER);
  const tokens = await exchange(back.searchParams.get('code')!);
  return { agent, tokens: tokens.body, idToken: decodeJwt(tokens.body.id_token!) };
}

async function userinfo(init: RequestInit) {
  const res = await h.token(new Request(`${ISSUER}/userinfo`, init));
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('oidcc-server: the code flow with an ID token', () => {
  it('returns code, state and iss, and an ID token whose nonce, aud and at_hash check', async () => {
    const { tokens, idToken } = await signedInBrowser();
    expect(idToken).toMatchObject({ iss: ISSUER, aud: RP_ID, sub: TEST_USER.sub, nonce: 'nn' });
    expect(tokens.token_type).toBe('Bearer');
  });
});

describe('oidcc-scope-profile / oidcc-scope-email', () => {
  it('profile releases the profile claims, email the email claims, each alone', async () => {
    const profile = await signedInBrowser({ scope: 'openid profile' });
    const p = await userinfo({ headers: { authorization: `Bearer ${profile.tokens.access_token}` } });
    expect(p.body).toEqual({
      sub: TEST_USER.sub,
      name: ALICE_CLAIMS.name,
      given_name: ALICE_CLAIMS.given_name,
      family_name: ALICE_CLAIMS.family_name,
      preferred_username: TEST_USER.username,
      locale: ALICE_CLAIMS.locale,
      zoneinfo: ALICE_CLAIMS.zoneinfo,
      updated_at: ALICE_CLAIMS.updated_at,
    });
    const email = await signedInBrowser({ scope: 'openid email' });
    const e = await userinfo({ headers: { authorization: `Bearer ${email.tokens.access_token}` } });
    expect(e.body).toEqual({ sub: TEST_USER.sub, email: ALICE_CLAIMS.email, email_verified: true });
  });
});

describe('oidcc-userinfo-get / -post-header / -post-body', () => {
  let token: string;
  beforeAll(async () => {
    token = (await signedInBrowser({ scope: 'openid email' })).tokens.access_token!;
  });
  const expected = { sub: TEST_USER.sub, email: ALICE_CLAIMS.email, email_verified: true };

  it('GET with the Authorization header', async () => {
    expect(await userinfo({ headers: { authorization: `Bearer ${token}` } })).toEqual({
      status: 200,
      body: expected,
    });
  });
  it('POST with the Authorization header', async () => {
    expect(await userinfo({ method: 'POST', headers: { authorization: `Bearer ${token}` } })).toEqual({
      status: 200,
      body: expected,
    });
  });
  it('POST with access_token in the form body', async () => {
    expect(
      await userinfo({
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `access_token=${token}`,
      }),
    ).toEqual({ status: 200, body: expected });
  });
});

describe('single sign-on: the session and remembered consent', () => {
  it('a second request from the same browser asks for neither password nor consent', async () => {
    const { agent } = await signedInBrowser({ scope: 'openid profile' });
    agent.seen.length = 0;
    const back = await agent.authorize(authorizeUrl({ scope: 'openid profile', state: 'again' }), TEST_USER);
    expect(agent.seen).toEqual([]);
    expect(back.searchParams.get('state')).toBe('again');
    expect((await exchange(back.searchParams.get('code')!)).status).toBe(200);
  });

  it('more scopes than consented to ask for consent again, not for the password', async () => {
    const { agent } = await signedInBrowser({ scope: 'openid' });
    agent.seen.length = 0;
    await agent.authorize(authorizeUrl({ scope: 'openid email' }), TEST_USER);
    expect(agent.seen).toEqual(['consent']);
  });

  it('prompt=consent asks again even when remembered', async () => {
    const { agent } = await signedInBrowser();
    agent.seen.length = 0;
    await agent.authorize(authorizeUrl({ prompt: 'consent' }), TEST_USER);
    expect(agent.seen).toEqual(['consent']);
  });

  it('the session ends with its lifetime: afterwards the password is asked again', async () => {
    const { agent } = await signedInBrowser();
    h.clock.now += 3601_000;
    agent.seen.length = 0;
    await agent.authorize(authorizeUrl(), TEST_USER);
    expect(agent.seen).toEqual(['login', 'consent']);
  });
});

describe('oidcc-prompt-none-logged-in / oidcc-prompt-none-not-logged-in', () => {
  it('signed in and consented: the code comes back with no page at all', async () => {
    const { agent, idToken } = await signedInBrowser();
    const stop = await agent.request(authorizeUrl({ prompt: 'none', state: 'silent' }));
    expect(stop.status).toBe(302);
    expect(stop.location!.searchParams.get('state')).toBe('silent');
    const again = await exchange(stop.location!.searchParams.get('code')!);
    expect(decodeJwt(again.body.id_token!)).toMatchObject({
      sub: TEST_USER.sub,
      auth_time: idToken.auth_time,
    });
  });

  it('not signed in: error=login_required at the redirect URI, with state', async () => {
    const stop = await browser().request(authorizeUrl({ prompt: 'none', state: 'silent' }));
    expect(stop.location!.origin + stop.location!.pathname).toBe(RP_REDIRECT);
    expect(Object.fromEntries(stop.location!.searchParams)).toEqual({
      error: 'login_required',
      error_description: 'the user is not signed in',
      state: 'silent',
      iss: ISSUER,
    });
  });

  it('signed in without consent to these scopes: consent_required', async () => {
    const { agent } = await signedInBrowser({ scope: 'openid' });
    const stop = await agent.request(authorizeUrl({ prompt: 'none', scope: 'openid email' }));
    expect(stop.location!.searchParams.get('error')).toBe('consent_required');
  });

  it('signed in as someone else than login_hint names: interaction_required', async () => {
    const { agent } = await signedInBrowser();
    const stop = await agent.request(authorizeUrl({ prompt: 'none', login_hint: BOB.username }));
    expect(stop.location!.searchParams.get('error')).toBe('interaction_required');
  });

  it('a store user disabled after signing in: the session no longer signs anyone in (login_required)', async () => {
    const registry = new Registry(h.store, () => h.clock.now);
    const carol = { username: 'carol', password: 'carol-test-password-42', sub: 'user-carol' };
    const record = {
      username: carol.username,
      password_hash: await hashPassword(carol.password),
      sub: carol.sub,
    };
    await registry.putUser(record);
    // The authorize function reading the same store as the registry written to here.
    const authorize = wrap(await authorizeApp(h.env, { now: () => h.clock.now, store: h.store }));
    const agent = new SignInAgent(ISSUER, (req: Request) => routeRequest({ ...h, authorize }, req));
    const back = await agent.authorize(authorizeUrl(), carol);
    expect(back.searchParams.get('code')).toBeTruthy();
    const before = await agent.request(authorizeUrl({ prompt: 'none' }));
    expect(before.location!.searchParams.get('code')).toBeTruthy();
    await registry.disableUser(record);
    const after = await agent.request(authorizeUrl({ prompt: 'none' }));
    expect(after.location!.searchParams.get('error')).toBe('login_required');
    expect(after.location!.searchParams.get('code')).toBeNull();
  });

  it('prompt=none with another value is invalid_request', async () => {
    const stop = await browser().request(authorizeUrl({ prompt: 'none login' }));
    expect(stop.location!.searchParams.get('error')).toBe('invalid_request');
  });
});

describe('oidcc-prompt-login', () => {
  it('asks for the password although signed in, and the new ID token has a later auth_time', async () => {
    const { agent, idToken } = await signedInBrowser();
    h.clock.now += 5_000;
    agent.seen.length = 0;
    const back = await agent.authorize(authorizeUrl({ prompt: 'login' }), TEST_USER);
    expect(agent.seen).toEqual(['login']);
    const again = decodeJwt((await exchange(back.searchParams.get('code')!)).body.id_token!);
    expect(again.auth_time).toBe((idToken.auth_time as number) + 5);
  });
});

describe('oidcc-max-age-1 / oidcc-max-age-10000', () => {
  it('a sign-in older than max_age is asked again; auth_time tells when', async () => {
    const { agent, idToken } = await signedInBrowser();
    h.clock.now += 2_000;
    agent.seen.length = 0;
    const back = await agent.authorize(authorizeUrl({ max_age: '1' }), TEST_USER);
    expect(agent.seen).toEqual(['login']);
    const again = decodeJwt((await exchange(back.searchParams.get('code')!)).body.id_token!);
    expect(again.auth_time).toBe((idToken.auth_time as number) + 2);
  });

  it('a sign-in younger than max_age is not', async () => {
    const { agent, idToken } = await signedInBrowser();
    h.clock.now += 2_000;
    agent.seen.length = 0;
    const back = await agent.authorize(authorizeUrl({ max_age: '10000' }), TEST_USER);
    expect(agent.seen).toEqual([]);
    const again = decodeJwt((await exchange(back.searchParams.get('code')!)).body.id_token!);
    expect(again.auth_time).toBe(idToken.auth_time);
  });

  it.each(['-1', 'abc', '1.5'])('max_age=%s is invalid_request', async (maxAge) => {
    const stop = await browser().request(authorizeUrl({ max_age: maxAge }));
    expect(stop.location!.searchParams.get('error')).toBe('invalid_request');
  });
});

describe('oidcc-id-token-hint', () => {
  it('prompt=none with the ID token of the person signed in: a code', async () => {
    const { agent, tokens } = await signedInBrowser();
    const stop = await agent.request(authorizeUrl({ prompt: 'none', id_token_hint: tokens.id_token! }));
    expect(stop.location!.searchParams.get('code')).toBeTruthy();
  });

  it('an expired ID token is still a hint', async () => {
    const { agent, tokens } = await signedInBrowser();
    h.clock.now += 600_000;
    const stop = await agent.request(authorizeUrl({ prompt: 'none', id_token_hint: tokens.id_token! }));
    expect(stop.location!.searchParams.get('code')).toBeTruthy();
  });

  it('the ID token of another person: login_required with prompt=none; the sign-in page otherwise', async () => {
    const bob = browser();
    const bobBack = await bob.authorize(authorizeUrl(), BOB);
    const bobIdToken = (await exchange(bobBack.searchParams.get('code')!)).body.id_token!;
    const { agent } = await signedInBrowser();
    const silent = await agent.request(authorizeUrl({ prompt: 'none', id_token_hint: bobIdToken }));
    expect(silent.location!.searchParams.get('error')).toBe('login_required');
    const page = await agent.request(authorizeUrl({ id_token_hint: bobIdToken }));
    expect(page.html).toContain(`value="${BOB.username}"`);
    // Signing in as anyone but the hinted person does not satisfy the request.
    const wrong = await agent.post('/authorize', {
      ...hiddenFields(page.html!),
      username: TEST_USER.username,
      password: TEST_USER.password,
    });
    expect(wrong.status).toBe(401);
  });

  it.each([
    ['not a JWT', 'abc'],
    ['an access token', 'ACCESS'],
  ])('%s as id_token_hint is invalid_request', async (_name, value) => {
    const { agent, tokens } = await signedInBrowser();
    const hint = value === 'ACCESS' ? tokens.access_token! : value;
    const stop = await agent.request(authorizeUrl({ id_token_hint: hint }));
    expect(stop.location!.searchParams.get('error')).toBe('invalid_request');
  });
});

describe('oidcc-login-hint', () => {
  it('the sign-in page offers the username the client hinted', async () => {
    const stop = await browser().request(authorizeUrl({ login_hint: BOB.username }));
    expect(stop.html).toContain(
      `name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${BOB.username}"`,
    );
  });
});

describe('oidcc-ui-locales', () => {
  it('ui_locales=zh-CN gives the sign-in page in Chinese; an unsupported one falls back', async () => {
    const zh = await browser().request(authorizeUrl({ ui_locales: 'fr-CA zh-CN' }));
    expect(zh.html).toContain('<html lang="zh-CN">');
    const fallback = await browser().request(authorizeUrl({ ui_locales: 'fr-CA' }));
    expect(fallback.html).toContain('<html lang="en">');
  });
});

describe('oidcc-codereuse / oidcc-codereuse-30seconds', () => {
  it('a code used twice is refused, and what the first use gave is revoked', async () => {
    const back = await browser().authorize(authorizeUrl(), TEST_USER);
    const code = back.searchParams.get('code')!;
    const first = await exchange(code);
    expect(first.status).toBe(200);
    const second = await exchange(code);
    expect(second).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    const info = await userinfo({ headers: { authorization: `Bearer ${first.body.access_token}` } });
    expect(info.status).toBe(401);
  });

  it('30 seconds later, the same', async () => {
    const back = await browser().authorize(authorizeUrl(), TEST_USER);
    const code = back.searchParams.get('code')!;
    const first = await exchange(code);
    h.clock.now += 30_000;
    expect(await exchange(code)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await userinfo({ headers: { authorization: `Bearer ${first.body.access_token}` } })).status).toBe(
      401,
    );
  });
});

describe('oidcc-ensure-registered-redirect-uri', () => {
  it('an unregistered redirect_uri gets an error page, never a redirect', async () => {
    const stop = await browser().request(authorizeUrl({ redirect_uri: 'https://rp.example/other' }));
    expect(stop.status).toBe(400);
    expect(stop.location).toBeUndefined();
    expect(stop.html).toContain('The redirect URI is not registered for this application.');
  });
});

describe('oidcc-refresh-token', () => {
  it('a refresh returns a new ID token with the same sub, aud and auth_time', async () => {
    const { tokens, idToken } = await signedInBrowser({ scope: 'openid offline_access' });
    h.clock.now += 10_000;
    const refreshed = await tokenCall({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token! });
    expect(refreshed.status).toBe(200);
    const claims = decodeJwt(refreshed.body.id_token!);
    expect(claims).toMatchObject({ sub: idToken.sub, aud: RP_ID, auth_time: idToken.auth_time });
    expect(claims.iat).toBe((idToken.iat as number) + 10);
  });
});

describe('oidcc-ensure-pkce (PKCE S256)', () => {
  it('a code is refused with the wrong verifier and without one', async () => {
    const code = (await browser().authorize(authorizeUrl(), TEST_USER)).searchParams.get('code')!;
    expect(await exchange(code, `${VERIFIER.slice(0, -1)}x`)).toMatchObject({
      body: { error: 'invalid_grant' },
    });
    const withoutVerifier = await tokenCall({
      grant_type: 'authorization_code',
      code,
      redirect_uri: RP_REDIRECT,
    });
    expect(withoutVerifier.body.error).toBe('invalid_grant');
  });

  it('plain is refused at the authorization endpoint', async () => {
    const stop = await browser().request(authorizeUrl({ code_challenge_method: 'plain' }));
    expect(stop.location!.searchParams.get('error')).toBe('invalid_request');
  });
});

describe('RP-Initiated Logout 1.0 (end_session_endpoint)', () => {
  function logoutUrl(params: Record<string, string>): string {
    return `${ISSUER}/logout?${new URLSearchParams(params)}`;
  }

  it('asks to confirm, ends the session, and returns to the registered URI with state', async () => {
    const { agent, tokens } = await signedInBrowser();
    const confirm = await agent.request(
      logoutUrl({
        id_token_hint: tokens.id_token!,
        post_logout_redirect_uri: RP_LOGOUT_REDIRECT,
        state: 'bye',
      }),
    );
    expect(confirm.status).toBe(200);
    expect(confirm.html).toContain('name="decision" value="logout"');
    const done = await agent.post('/logout', { ...hiddenFields(confirm.html!), decision: 'logout' });
    expect(done.status).toBe(303);
    expect(done.location!.href).toBe(`${RP_LOGOUT_REDIRECT}?state=bye`);
    // The session is gone: prompt=none now says login_required, and the consent is forgotten too.
    const silent = await agent.request(authorizeUrl({ prompt: 'none' }));
    expect(silent.location!.searchParams.get('error')).toBe('login_required');
    agent.seen.length = 0;
    await agent.authorize(authorizeUrl(), TEST_USER);
    expect(agent.seen).toEqual(['login', 'consent']);
  });

  it('with client_id instead of id_token_hint, too', async () => {
    const { agent } = await signedInBrowser();
    const confirm = await agent.request(
      logoutUrl({ client_id: RP_ID, post_logout_redirect_uri: RP_LOGOUT_REDIRECT }),
    );
    const done = await agent.post('/logout', { ...hiddenFields(confirm.html!), decision: 'logout' });
    expect(done.location!.href).toBe(RP_LOGOUT_REDIRECT);
  });

  it('without a return address, the person sees that they are signed out', async () => {
    const { agent } = await signedInBrowser();
    const confirm = await agent.request(logoutUrl({}));
    const done = await agent.post('/logout', { ...hiddenFields(confirm.html!), decision: 'logout' });
    expect(done.status).toBe(200);
    expect(done.html).toContain('You are signed out.');
  });

  it('choosing to stay keeps the session', async () => {
    const { agent } = await signedInBrowser();
    const confirm = await agent.request(
      logoutUrl({ client_id: RP_ID, post_logout_redirect_uri: RP_LOGOUT_REDIRECT }),
    );
    const stay = await agent.post('/logout', { ...hiddenFields(confirm.html!), decision: 'stay' });
    expect(stay.html).toContain('You are still signed in.');
    const silent = await agent.request(authorizeUrl({ prompt: 'none' }));
    expect(silent.location!.searchParams.get('code')).toBeTruthy();
  });

  it('nobody signed in: straight back to the registered URI', async () => {
    const stop = await browser().request(
      logoutUrl({ client_id: RP_ID, post_logout_redirect_uri: RP_LOGOUT_REDIRECT, state: 's' }),
    );
    expect(stop.status).toBe(302);
    expect(stop.location!.href).toBe(`${RP_LOGOUT_REDIRECT}?state=s`);
  });

  it('the confirmation page is in the person’s language', async () => {
    const { agent } = await signedInBrowser();
    const confirm = await agent.request(logoutUrl({ ui_locales: 'zh-CN' }));
    expect(confirm.html).toContain('<html lang="zh-CN">');
    expect(confirm.html).toContain('退出登录');
  });
});
