// oauth-requirements.md, "Authorization endpoint": one test per line, named after it.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTokenConfig } from '../../functions/token/config.ts';
import { buildMetadata } from '../../functions/token/metadata.ts';
import type { HttpResponse } from '../../shared/http/web.ts';
import {
  authorizeUrl,
  CHALLENGE,
  CONFIDENTIAL_REDIRECT,
  cookieOf,
  csrfOf,
  type Harness,
  hiddenFieldsOf,
  makeHarness,
  PUBLIC_REDIRECT,
  postForm,
  runAuthorization,
  standardParams,
} from '../support/authorize-flow.ts';
import { ISSUER, TEST_USER, testClients } from '../support/fixtures.ts';

let h: Harness;
beforeAll(async () => {
  h = await makeHarness();
});

const get = (params: Record<string, string>) => h.authorize(new Request(authorizeUrl(params)));
const getRaw = (query: string) => h.authorize(new Request(`${ISSUER}/authorize?${query}`));

/** The error a redirect carries, with its state and iss. */
function redirected(res: HttpResponse) {
  expect([302, 303]).toContain(res.status);
  const url = new URL(res.headers.get('location')!);
  return {
    base: `${url.origin}${url.pathname}`,
    error: url.searchParams.get('error'),
    description: url.searchParams.get('error_description'),
    state: url.searchParams.get('state'),
    iss: url.searchParams.get('iss'),
    code: url.searchParams.get('code'),
  };
}

async function expectErrorPage(res: HttpResponse, status = 400) {
  expect(res.status).toBe(status);
  expect(res.headers.get('location')).toBeNull();
  expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  expect(await res.text()).toContain('This request cannot continue');
}

describe('Authorization endpoint', () => {
  describe('Unknown client_id or unregistered redirect_uri: an error page, never a redirect; later errors go back to the redirect URI with error, error_description, state, iss', () => {
    it('an unknown client_id gets an error page, not a redirect', async () => {
      await expectErrorPage(await get(standardParams({ client_id: 'nobody' })));
    });

    it('a missing client_id gets an error page', async () => {
      const { client_id: _omit, ...rest } = standardParams();
      await expectErrorPage(await get(rest));
    });

    it('an unregistered redirect_uri gets an error page, not a redirect', async () => {
      await expectErrorPage(await get(standardParams({ redirect_uri: 'https://attacker.example/cb' })));
    });

    it('an error after the client and redirect URI are known goes back with error, error_description, state and iss', async () => {
      const r = redirected(await get(standardParams({ scope: 'admin' })));
      expect(r).toMatchObject({
        base: CONFIDENTIAL_REDIRECT,
        error: 'invalid_scope',
        state: 'xyz-state',
        iss: ISSUER,
      });
      expect(r.description).toBeTruthy();
    });
  });

  describe('redirect_uri is compared by exact string match; only the port of a loopback redirect of a native client may vary; no http other than loopback', () => {
    it.each([
      ['a trailing slash', `${CONFIDENTIAL_REDIRECT}/`],
      ['a different case', 'https://CLIENT.example/cb'],
      ['an added query', `${CONFIDENTIAL_REDIRECT}?x=1`],
      ['a different path', 'https://client.example/cb2'],
      ['a different port', 'https://client.example:8443/cb'],
      ['http instead of https', 'http://client.example/cb'],
    ])('refuses %s', async (_label, uri) => {
      await expectErrorPage(await get(standardParams({ redirect_uri: uri })));
    });

    it('lets the port of a public client’s loopback redirect vary', async () => {
      const uri = 'http://127.0.0.1:53123/cb';
      const r = redirected(
        await get(
          standardParams({
            client_id: 'public-app',
            redirect_uri: uri,
            scope: 'read',
            response_type: 'token',
          }),
        ),
      );
      expect(r.base).toBe(uri);
      expect(r.error).toBe('unsupported_response_type');
    });

    it('does not let the path of a loopback redirect vary, nor the port of a confidential client', async () => {
      await expectErrorPage(
        await get(standardParams({ client_id: 'public-app', redirect_uri: 'http://127.0.0.1:53123/other' })),
      );
      await expectErrorPage(
        await get(standardParams({ client_id: 'public-app', redirect_uri: 'http://localhost:53123/cb' })),
      );
      await expectErrorPage(await get(standardParams({ redirect_uri: 'https://client.example:444/cb' })));
    });

    it('refuses to register an http redirect URI that is not loopback', async () => {
      const bad = [{ ...testClients[0], redirect_uris: ['http://client.example/cb'] }];
      await expect(loadTokenConfig({ ...h.env, OAUTH_CLIENTS: JSON.stringify(bad) })).rejects.toThrow(
        /redirect_uris\[0\] may use http only on a loopback address/,
      );
    });
  });

  describe('If a client has exactly one registered redirect URI, redirect_uri may be omitted', () => {
    it('uses the one registered redirect URI when redirect_uri is omitted', async () => {
      const { redirect_uri: _omit, ...params } = standardParams();
      const location = await runAuthorization(h, params);
      expect(`${location.origin}${location.pathname}`).toBe(CONFIDENTIAL_REDIRECT);
      expect(location.searchParams.get('code')).toBeTruthy();
    });

    it('shows an error page when a client with several redirect URIs omits it', async () => {
      const clients = [
        { ...testClients[0], redirect_uris: [CONFIDENTIAL_REDIRECT, 'https://client.example/other'] },
      ];
      const h2 = await makeHarness({ OAUTH_CLIENTS: JSON.stringify(clients) });
      const { redirect_uri: _omit, ...params } = standardParams();
      await expectErrorPage(await h2.authorize(new Request(authorizeUrl(params))));
    });
  });

  describe('response_type=code only; token (implicit) is rejected (unsupported_response_type)', () => {
    it.each(['token', 'id_token', 'code token'])('rejects response_type=%s', async (type) => {
      expect(redirected(await get(standardParams({ response_type: type }))).error).toBe(
        'unsupported_response_type',
      );
    });

    it('rejects a missing response_type as invalid_request', async () => {
      const { response_type: _omit, ...rest } = standardParams();
      expect(redirected(await get(rest)).error).toBe('invalid_request');
    });
  });

  describe('PKCE: S256 only; plain is rejected; public clients must send a challenge; required for every client by default', () => {
    it('rejects code_challenge_method=plain', async () => {
      const r = redirected(await get(standardParams({ code_challenge_method: 'plain' })));
      expect(r.error).toBe('invalid_request');
    });

    it('rejects a challenge without a method (RFC 7636 would default it to plain)', async () => {
      const { code_challenge_method: _omit, ...rest } = standardParams();
      expect(redirected(await get(rest)).error).toBe('invalid_request');
    });

    it('rejects a challenge that is not 43 base64url characters', async () => {
      expect(redirected(await get(standardParams({ code_challenge: 'short' }))).error).toBe(
        'invalid_request',
      );
    });

    it('requires a challenge of a public client even when PKCE is optional for others', async () => {
      const h2 = await makeHarness({ OAUTH_REQUIRE_PKCE: 'false' });
      const {
        code_challenge: _a,
        code_challenge_method: _b,
        ...rest
      } = standardParams({
        client_id: 'public-app',
        redirect_uri: PUBLIC_REDIRECT,
      });
      const res = await h2.authorize(new Request(authorizeUrl(rest)));
      expect(redirected(res).error).toBe('invalid_request');
    });

    it('requires a challenge of a confidential client by default', async () => {
      const { code_challenge: _a, code_challenge_method: _b, ...rest } = standardParams();
      const r = redirected(await get(rest));
      expect(r.error).toBe('invalid_request');
      expect(r.description).toMatch(/code_challenge/);
    });

    it('lets a confidential client go without PKCE when OAUTH_REQUIRE_PKCE=false', async () => {
      const h2 = await makeHarness({ OAUTH_REQUIRE_PKCE: 'false' });
      const { code_challenge: _a, code_challenge_method: _b, ...rest } = standardParams();
      const location = await runAuthorization(h2, rest);
      expect(location.searchParams.get('code')).toBeTruthy();
    });
  });

  describe('Parameters must not repeat (invalid_request); unknown parameters are ignored', () => {
    it('a repeated scope goes back as invalid_request', async () => {
      const query = `${new URLSearchParams(standardParams()).toString()}&scope=write`;
      const r = redirected(await getRaw(query));
      expect(r.error).toBe('invalid_request');
      expect(r.description).toMatch(/scope/);
    });

    it('a repeated client_id or redirect_uri gets an error page (neither can be trusted)', async () => {
      await expectErrorPage(
        await getRaw(`${new URLSearchParams(standardParams()).toString()}&client_id=public-app`),
      );
      await expectErrorPage(
        await getRaw(
          `${new URLSearchParams(standardParams()).toString()}&redirect_uri=${encodeURIComponent(CONFIDENTIAL_REDIRECT)}`,
        ),
      );
    });

    it('a repeated state goes back as invalid_request without a state', async () => {
      const r = redirected(await getRaw(`${new URLSearchParams(standardParams()).toString()}&state=other`));
      expect(r).toMatchObject({ error: 'invalid_request', state: null });
    });

    it('unknown parameters are ignored', async () => {
      const res = await get(standardParams({ foo: 'bar', prompt: 'consent' }));
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('name="username"');
    });
  });

  describe('Every authorization response carries iss (RFC 9207); metadata advertises authorization_response_iss_parameter_supported', () => {
    it('the success response carries code, state and iss', async () => {
      const location = await runAuthorization(h, standardParams());
      expect(location.searchParams.get('iss')).toBe(ISSUER);
      expect(location.searchParams.get('state')).toBe('xyz-state');
      expect(location.searchParams.get('code')).toBeTruthy();
    });

    it('the access_denied response carries iss', async () => {
      const location = await runAuthorization(h, standardParams(), 'deny');
      expect(location.searchParams.get('error')).toBe('access_denied');
      expect(location.searchParams.get('iss')).toBe(ISSUER);
      expect(location.searchParams.get('state')).toBe('xyz-state');
      expect(location.searchParams.get('code')).toBeNull();
    });

    it('metadata advertises the parameter, the endpoint, code and S256', async () => {
      const metadata = buildMetadata(await loadTokenConfig(h.env));
      expect(metadata).toMatchObject({
        authorization_endpoint: `${ISSUER}/authorize`,
        authorization_response_iss_parameter_supported: true,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
        grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      });
    });
  });

  describe('Redirects that follow a POST use 303, never 307; no CORS on this endpoint', () => {
    it('the login POST and the consent POST answer 303', async () => {
      const first = await get(standardParams());
      const html = await first.text();
      const login = await h.authorize(
        postForm(
          `${ISSUER}/authorize`,
          { ...hiddenFieldsOf(html), username: TEST_USER.username, password: TEST_USER.password },
          cookieOf(first),
        ),
      );
      expect(login.status).toBe(303);
      const session = cookieOf(login)!;
      const consent = await h.authorize(
        new Request(new URL(login.headers.get('location')!, ISSUER), { headers: { cookie: session } }),
      );
      const decided = await h.authorize(
        postForm(
          `${ISSUER}/authorize`,
          { ...hiddenFieldsOf(await consent.text()), decision: 'allow' },
          session,
        ),
      );
      expect(decided.status).toBe(303);
    });

    it('an error redirect after a POST is 303 too', async () => {
      const res = await h.authorize(
        postForm(`${ISSUER}/authorize`, standardParams({ response_type: 'token' })),
      );
      expect(res.status).toBe(303);
    });

    it('sends no CORS headers, even to a request with an Origin', async () => {
      const res = await h.authorize(
        new Request(authorizeUrl(standardParams()), { headers: { origin: 'https://evil.example' } }),
      );
      expect([...res.headers.keys()].filter((k) => k.startsWith('access-control-'))).toEqual([]);
      const preflight = await h.authorize(
        new Request(authorizeUrl(standardParams()), {
          method: 'OPTIONS',
          headers: { origin: 'https://evil.example' },
        }),
      );
      expect(preflight.status).toBe(405);
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  describe('The login/consent form is protected against CSRF and framing (CSP frame-ancestors none)', () => {
    it('the pages forbid framing', async () => {
      const res = await get(standardParams());
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    });

    it('a login POST without the session cookie is refused and signs nobody in', async () => {
      const html = await (await get(standardParams())).text();
      const res = await h.authorize(
        postForm(`${ISSUER}/authorize`, {
          ...hiddenFieldsOf(html),
          username: TEST_USER.username,
          password: TEST_USER.password,
        }),
      );
      expect(res.status).toBe(403);
      expect(res.headers.get('location')).toBeNull();
    });

    it('a consent POST with a CSRF token of another session issues no code', async () => {
      const location = await runAuthorization(h, standardParams());
      expect(location.searchParams.get('code')).toBeTruthy();
      // A victim's session cookie with the attacker's own form token.
      const victim = await get(standardParams());
      const attackerHtml = await (await get(standardParams())).text();
      const res = await h.authorize(
        postForm(
          `${ISSUER}/authorize`,
          { ...hiddenFieldsOf(attackerHtml), decision: 'allow' },
          cookieOf(victim),
        ),
      );
      expect(res.status).toBe(403);
      expect(res.headers.get('location')).toBeNull();
    });

    it('every form carries a CSRF token and the cookie is HttpOnly and SameSite=Lax', async () => {
      const res = await get(standardParams());
      expect(csrfOf(await res.text())).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const cookie = res.headers.get('set-cookie')!;
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Lax/);
      expect(cookie).toMatch(/Max-Age=\d+/);
    });

    it('the session cookie is Secure and __Host- prefixed on https', async () => {
      const res = await get(standardParams());
      expect(res.headers.get('set-cookie')).toMatch(/^__Host-oauth_session=[^;]+; Path=\/;.*; Secure$/);
    });
  });
});

describe('Login and consent pages', () => {
  it('a wrong password shows the login page again with an error and no session', async () => {
    const first = await get(standardParams());
    const res = await h.authorize(
      postForm(
        `${ISSUER}/authorize`,
        { ...hiddenFieldsOf(await first.text()), username: TEST_USER.username, password: 'wrong' },
        cookieOf(first),
      ),
    );
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('The username or password is not correct.');
  });

  it('an unknown user gets the same answer as a wrong password', async () => {
    const first = await get(standardParams());
    const res = await h.authorize(
      postForm(
        `${ISSUER}/authorize`,
        { ...hiddenFieldsOf(await first.text()), username: 'mallory', password: 'x' },
        cookieOf(first),
      ),
    );
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('The username or password is not correct.');
  });

  it('a returning user with a session sees only the consent page, listing the scopes', async () => {
    const first = await get(standardParams({ scope: 'read write' }));
    const login = await h.authorize(
      postForm(
        `${ISSUER}/authorize`,
        { ...hiddenFieldsOf(await first.text()), username: TEST_USER.username, password: TEST_USER.password },
        cookieOf(first),
      ),
    );
    const res = await h.authorize(
      new Request(authorizeUrl(standardParams({ scope: 'read write' })), {
        headers: { cookie: cookieOf(login)! },
      }),
    );
    const html = await res.text();
    expect(html).toContain('name="decision" value="allow"');
    expect(html).toContain('name="decision" value="deny"');
    expect(html).toContain('<code>read</code>');
    expect(html).toContain('<code>write</code>');
    expect(html).not.toContain('name="password"');
  });

  it('pages are accessible HTML with no external assets and escape what they echo', async () => {
    const res = await get(standardParams({ state: '"><script>alert(1)</script>' }));
    const html = await res.text();
    expect(html).toMatch(/<html lang="en">/);
    expect(html).toContain('<meta name="viewport"');
    expect(html).toContain('<label for="username">');
    expect(html).toContain('<label for="password">');
    expect(html).not.toMatch(/<script|src=|href=/);
    expect(html).toContain('&quot;&gt;&lt;script&gt;');
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'; style-src 'sha256-/);
  });

  it('computes the S256 challenge of RFC 7636 Appendix B', () => {
    expect(CHALLENGE).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });
});
