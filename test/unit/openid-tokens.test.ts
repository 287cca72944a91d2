// ID tokens, UserInfo and the user claims of OAUTH_USERS, in-process with a fixed clock.
import { createHash } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadAuthorizeConfig } from '../../functions/authorize/config.ts';
import { ConfigError } from '../../shared/errors.ts';
import { FIXED_NOW, type Harness, makeHarness, routeRequest, VERIFIER } from '../support/authorize-flow.ts';
import { basic, ISSUER, TEST_USER, testEnv } from '../support/fixtures.ts';
import {
  ALICE_CLAIMS,
  BOB,
  oidcClients,
  oidcOverrides,
  RP_ID,
  RP_REDIRECT,
  RP_SECRET,
  rpAuthorizeUrl,
  rpTokenRequest,
  SignInAgent,
} from '../support/oidc.ts';

let h: Harness;

const route = (req: Request) => routeRequest(h, req);

beforeAll(async () => {
  h = await makeHarness(await oidcOverrides());
});

const authorizeUrl = (extra: Record<string, string> = {}) =>
  rpAuthorizeUrl({ scope: 'openid profile email offline_access', ...extra });

const tokenCall = (fields: Record<string, string>) => rpTokenRequest(h.token, fields);

async function codeFor(
  extra: Record<string, string> = {},
  user: { username: string; password: string } = TEST_USER,
) {
  const back = await new SignInAgent(ISSUER, route).authorize(authorizeUrl(extra), user);
  return back.searchParams.get('code')!;
}

async function exchange(code: string) {
  return tokenCall({
    grant_type: 'authorization_code',
    code,
    redirect_uri: RP_REDIRECT,
    code_verifier: VERIFIER,
  });
}

describe('ID tokens at the code exchange', () => {
  it('carries iss, sub, aud, azp, exp, iat, auth_time, nonce and at_hash, signed with the token key', async () => {
    const { status, body } = await exchange(await codeFor({ nonce: 'n-0S6_WzA2Mj' }));
    expect(status).toBe(200);
    const claims = decodeJwt(body.id_token!);
    const now = Math.floor(FIXED_NOW / 1000);
    expect(claims).toEqual({
      iss: ISSUER,
      sub: TEST_USER.sub,
      aud: RP_ID,
      azp: RP_ID,
      exp: now + 300,
      iat: now,
      auth_time: now,
      nonce: 'n-0S6_WzA2Mj',
      at_hash: createHash('sha256').update(body.access_token!).digest().subarray(0, 16).toString('base64url'),
    });
    const header = decodeProtectedHeader(body.id_token!);
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(header.kid).toBe(decodeProtectedHeader(body.access_token!).kid);
  });

  it('omits nonce when the request had none, and issues no ID token without openid', async () => {
    const withOpenId = await exchange(await codeFor());
    expect(decodeJwt(withOpenId.body.id_token!).nonce).toBeUndefined();
    const without = await exchange(await codeFor({ scope: 'read' }));
    expect(without.status).toBe(200);
    expect(without.body.id_token).toBeUndefined();
  });

  it('keeps sub and auth_time on refresh, with a new iat and at_hash', async () => {
    const first = await exchange(await codeFor({ nonce: 'abc' }));
    const signedInAt = decodeJwt(first.body.id_token!).auth_time;
    h.clock.now += 120_000;
    const refreshed = await tokenCall({
      grant_type: 'refresh_token',
      refresh_token: first.body.refresh_token!,
    });
    expect(refreshed.status).toBe(200);
    const claims = decodeJwt(refreshed.body.id_token!);
    expect(claims).toMatchObject({ sub: TEST_USER.sub, aud: RP_ID, azp: RP_ID, auth_time: signedInAt });
    expect(claims.iat).toBe(Math.floor(h.clock.now / 1000));
    expect(claims.nonce).toBeUndefined();
    // A refresh that narrows the scope to leave out openid gets no ID token.
    const narrowed = await tokenCall({
      grant_type: 'refresh_token',
      refresh_token: refreshed.body.refresh_token!,
      scope: 'profile',
    });
    expect(narrowed.body.id_token).toBeUndefined();
  });

  it('never on client_credentials, even for a client registered with openid', async () => {
    const env = await oidcOverrides({
      OAUTH_CLIENTS: JSON.stringify([
        ...oidcClients,
        {
          client_id: 'service',
          client_secret: RP_SECRET,
          grant_types: ['client_credentials'],
          scope: 'openid read',
        },
      ]),
    });
    const service = await makeHarness(env);
    const res = await service.token(
      new Request(`${ISSUER}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basic('service', RP_SECRET),
        },
        body: 'grant_type=client_credentials&scope=openid',
      }),
    );
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status).toBe(200);
    expect(body.id_token).toBeUndefined();
  });

  it('refuses a nonce longer than 512 characters at the authorization endpoint', async () => {
    const res = await h.authorize(new Request(authorizeUrl({ nonce: 'n'.repeat(513) })));
    const location = new URL(res.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_request');
  });
});

describe('UserInfo', () => {
  let accessToken: string;
  beforeAll(async () => {
    accessToken = (await exchange(await codeFor())).body.access_token!;
  });

  const userinfo = (init: RequestInit = {}, query = '') =>
    h.token(new Request(`${ISSUER}/userinfo${query}`, init));

  it('answers GET with the Authorization header: the claims of profile and email', async () => {
    const res = await userinfo({ headers: { authorization: `Bearer ${accessToken}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ sub: TEST_USER.sub, preferred_username: 'alice', ...ALICE_CLAIMS });
  });

  it('answers POST with the token in the header or in the form body (RFC 6750 §2.2)', async () => {
    const header = await userinfo({ method: 'POST', headers: { authorization: `Bearer ${accessToken}` } });
    expect(header.status).toBe(200);
    const body = await userinfo({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `access_token=${accessToken}`,
    });
    expect(body.status).toBe(200);
    expect(((await body.json()) as Record<string, unknown>).email).toBe(ALICE_CLAIMS.email);
  });

  it('releases only the claims a user has: no email for a user without one', async () => {
    const bobToken = (await exchange(await codeFor({}, BOB))).body.access_token!;
    const res = await userinfo({ headers: { authorization: `Bearer ${bobToken}` } });
    expect(await res.json()).toEqual({ sub: BOB.sub, preferred_username: BOB.username });
  });

  it.each([
    ['no token: a challenge without an error code', {}, '', 401, undefined, 'Bearer realm="work"'],
    [
      'a forged token',
      { headers: { authorization: 'Bearer a.b.c' } },
      '',
      401,
      'invalid_token',
      'error="invalid_token"',
    ],
    ['a token in the query string', {}, '?access_token=x', 400, 'invalid_request', 'error="invalid_request"'],
    [
      'the Basic scheme',
      { headers: { authorization: 'Basic eDp5' } },
      '',
      400,
      'invalid_request',
      'error="invalid_request"',
    ],
  ] as const)('refuses %s (RFC 6750 §3.1)', async (_name, init, query, status, error, challenge) => {
    const res = await userinfo(init as RequestInit, query);
    expect(res.status).toBe(status);
    expect(res.headers.get('www-authenticate')).toContain(challenge);
    expect(((await res.json()) as { error?: string }).error).toBe(error ?? 'invalid_token');
  });

  it('refuses a token sent both in the header and in the body', async () => {
    const res = await userinfo({
      method: 'POST',
      headers: {
        authorization: `Bearer ${accessToken}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: `access_token=${accessToken}`,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('answers 403 insufficient_scope to a token without openid', async () => {
    const plain = (await exchange(await codeFor({ scope: 'read' }))).body.access_token!;
    const res = await userinfo({ headers: { authorization: `Bearer ${plain}` } });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="work", scope="openid", error="insufficient_scope"/,
    );
  });

  it('refuses a revoked token', async () => {
    const { access_token: token } = (await exchange(await codeFor())).body;
    await h.token(
      new Request(`${ISSUER}/revoke`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basic(RP_ID, RP_SECRET),
        },
        body: `token=${token}`,
      }),
    );
    const res = await userinfo({ headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
  });

  it('keeps the claims sealed in the access token: no resource server reads them', async () => {
    const payload = decodeJwt(accessToken);
    expect(JSON.stringify(payload)).not.toContain(ALICE_CLAIMS.email);
    expect(typeof payload.uic).toBe('string');
    expect(String(payload.uic).split('.')).toHaveLength(5);
  });

  it('releases by the scope of the token: a refresh narrowed to openid gets only sub', async () => {
    const first = await exchange(await codeFor());
    const narrowed = await tokenCall({
      grant_type: 'refresh_token',
      refresh_token: first.body.refresh_token!,
      scope: 'openid email',
    });
    const res = await userinfo({ headers: { authorization: `Bearer ${narrowed.body.access_token}` } });
    expect(await res.json()).toEqual({
      sub: TEST_USER.sub,
      email: ALICE_CLAIMS.email,
      email_verified: true,
    });
  });

  it('refuses other methods with 405', async () => {
    const res = await userinfo({ method: 'PUT' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST');
  });
});

describe('user claims in OAUTH_USERS', () => {
  async function problems(users: unknown[]): Promise<string[]> {
    const env = await testEnv({ OAUTH_USERS: JSON.stringify(users) });
    try {
      await loadAuthorizeConfig(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return [...(error as ConfigError).problems];
    }
    return [];
  }
  const hash = async () =>
    (JSON.parse((await testEnv()).OAUTH_USERS!) as { password_hash: string }[])[0]!.password_hash;

  it('accepts the standard claims with their formats', async () => {
    expect(
      await problems([
        {
          username: 'a',
          password_hash: await hash(),
          ...ALICE_CLAIMS,
          birthdate: '1990-12-31',
          website: 'https://a.example',
        },
      ]),
    ).toEqual([]);
  });

  it.each([
    ['email', 'not-an-email', 'OAUTH_USERS[0].email must be an email address (name@domain)'],
    ['email_verified', 'yes', 'OAUTH_USERS[0].email_verified must be true or false'],
    ['updated_at', -1, 'OAUTH_USERS[0].updated_at must be a whole number of seconds since 1970'],
    ['picture', 'javascript:alert(1)', 'OAUTH_USERS[0].picture must be an http(s) URL'],
    ['birthdate', '31/12/1990', 'OAUTH_USERS[0].birthdate must be YYYY-MM-DD or YYYY'],
    ['locale', 'zh CN', 'OAUTH_USERS[0].locale must be a language tag such as zh-CN or en-US'],
    ['name', '', 'OAUTH_USERS[0].name must be a string of 1–512 characters'],
    ['name', 'a\u0000b', 'OAUTH_USERS[0].name must not contain control characters'],
    ['zoneinfo', '../etc', 'OAUTH_USERS[0].zoneinfo must be a time zone name such as Asia/Shanghai'],
  ])('names a bad %s, without its value', async (claim, value, message) => {
    expect(await problems([{ username: 'a', password_hash: await hash(), [claim]: value }])).toEqual([
      message,
    ]);
  });
});

describe('post_logout_redirect_uris in OAUTH_CLIENTS', () => {
  it.each([
    [
      ['http://rp.example/out'],
      'OAUTH_CLIENTS[0].post_logout_redirect_uris[0] may use http only on a loopback address',
    ],
    [['https://rp.example/out#x'], 'OAUTH_CLIENTS[0].post_logout_redirect_uris[0] must not have a fragment'],
    ['https://rp.example/out', 'OAUTH_CLIENTS[0].post_logout_redirect_uris must be an array of strings'],
  ])('refuses %o like a redirect URI', async (uris, message) => {
    const client = { ...oidcClients[4]!, post_logout_redirect_uris: uris };
    const env = await testEnv({ OAUTH_CLIENTS: JSON.stringify([client]) });
    await expect(loadAuthorizeConfig(env)).rejects.toThrow(message);
  });
});
