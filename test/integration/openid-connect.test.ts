// OpenID Connect through the local gateway with clients we did not write: openid-client runs the code
// flow with a nonce, validates the ID token and fetches UserInfo; oauth4webapi's OpenID processing
// accepts the same responses; the discovery document lists only what answers.
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_USER } from '../support/fixtures.ts';
import {
  expectListedEndpointsAnswer,
  insecure,
  startTestGateway,
  type TestGateway,
} from '../support/gateway.ts';
import {
  ALICE_CLAIMS,
  hiddenFields,
  oidcOverrides,
  RP_ID,
  RP_LOGOUT_REDIRECT,
  RP_REDIRECT,
  RP_SECRET,
  SignInAgent,
} from '../support/oidc.ts';

let gw: TestGateway;
let config: client.Configuration;

beforeAll(async () => {
  gw = await startTestGateway(await oidcOverrides());
  config = await client.discovery(new URL(gw.url), RP_ID, undefined, client.ClientSecretBasic(RP_SECRET), {
    execute: [client.allowInsecureRequests],
  });
  // The ID tokens' signatures are checked too, against the keys of jwks_uri.
  client.enableNonRepudiationChecks(config);
});
afterAll(async () => {
  await gw?.close();
});

/** Signs alice in through the pages (a fresh browser) and returns the redirect to the client. */
function signIn(url: URL): Promise<URL> {
  return new SignInAgent(gw.url, (req) => fetch(req)).authorize(url.href, TEST_USER);
}

describe('openid-client', () => {
  it('runs the code flow with a nonce, validates the ID token, fetches UserInfo and refreshes', async () => {
    const verifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: RP_REDIRECT,
      scope: 'openid profile email offline_access',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      nonce,
      state,
    });
    const before = Math.floor(Date.now() / 1000);
    const callback = await signIn(url);
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedNonce: nonce,
      expectedState: state,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ iss: gw.url, sub: TEST_USER.sub, aud: RP_ID, azp: RP_ID, nonce });
    expect(claims.auth_time).toBeGreaterThanOrEqual(before - 1);
    expect(typeof claims.at_hash).toBe('string');

    const info = await client.fetchUserInfo(config, tokens.access_token, TEST_USER.sub);
    expect(info).toEqual({ sub: TEST_USER.sub, preferred_username: TEST_USER.username, ...ALICE_CLAIMS });

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.claims()).toMatchObject({ sub: TEST_USER.sub, auth_time: claims.auth_time, aud: RP_ID });
    expect(refreshed.claims()!.nonce).toBeUndefined();
  });

  it('gets only sub from UserInfo with the openid scope alone', async () => {
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: RP_REDIRECT,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const tokens = await client.authorizationCodeGrant(config, await signIn(url), {
      pkceCodeVerifier: verifier,
      idTokenExpected: true,
    });
    expect(await client.fetchUserInfo(config, tokens.access_token, TEST_USER.sub)).toEqual({
      sub: TEST_USER.sub,
    });
  });
});

describe('openid-client RP-Initiated Logout', () => {
  it('signs out at the end_session_endpoint and comes back with state', async () => {
    const verifier = client.randomPKCECodeVerifier();
    const agent = new SignInAgent(gw.url, (req) => fetch(req));
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: RP_REDIRECT,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const tokens = await client.authorizationCodeGrant(config, await agent.authorize(url.href, TEST_USER), {
      pkceCodeVerifier: verifier,
      idTokenExpected: true,
    });
    const endSession = client.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: RP_LOGOUT_REDIRECT,
      state: 'after-logout',
    });
    expect(endSession.href.startsWith(`${gw.url}/logout?`)).toBe(true);
    const confirm = await agent.request(endSession.href);
    const done = await agent.post('/logout', { ...hiddenFields(confirm.html!), decision: 'logout' });
    expect(done.location?.href).toBe(`${RP_LOGOUT_REDIRECT}?state=after-logout`);
    const silent = await agent.request(
      client.buildAuthorizationUrl(config, {
        redirect_uri: RP_REDIRECT,
        scope: 'openid',
        prompt: 'none',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      }).href,
    );
    expect(silent.location?.searchParams.get('error')).toBe('login_required');
  });
});

describe('oauth4webapi OpenID processing', () => {
  it('accepts the discovery document, the code response with its ID token, and UserInfo', async () => {
    const issuer = new URL(gw.url);
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }),
    );
    const rp: oauth.Client = { client_id: RP_ID };
    const verifier = oauth.generateRandomCodeVerifier();
    const nonce = oauth.generateRandomNonce();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: RP_ID,
      redirect_uri: RP_REDIRECT,
      scope: 'openid email',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      nonce,
    }).toString();
    const params = oauth.validateAuthResponse(as, rp, await signIn(url));
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      rp,
      oauth.ClientSecretBasic(RP_SECRET),
      params,
      RP_REDIRECT,
      verifier,
      insecure,
    );
    const result = await oauth.processAuthorizationCodeResponse(as, rp, response, {
      expectedNonce: nonce,
      requireIdToken: true,
    });
    const claims = oauth.getValidatedIdTokenClaims(result)!;
    expect(claims).toMatchObject({ sub: TEST_USER.sub, nonce });
    const info = await oauth.processUserInfoResponse(
      as,
      rp,
      TEST_USER.sub,
      await oauth.userInfoRequest(as, rp, result.access_token, insecure),
    );
    expect(info).toEqual({ sub: TEST_USER.sub, email: ALICE_CLAIMS.email, email_verified: true });
  });
});

describe('OpenID Connect Discovery', () => {
  it('advertises the OpenID Provider truthfully', async () => {
    const doc = (await (await fetch(`${gw.url}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(doc).toMatchObject({
      issuer: gw.url,
      authorization_endpoint: `${gw.url}/authorize`,
      token_endpoint: `${gw.url}/token`,
      userinfo_endpoint: `${gw.url}/userinfo`,
      jwks_uri: `${gw.url}/.well-known/jwks.json`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      code_challenge_methods_supported: ['S256'],
      request_uri_parameter_supported: false,
      ui_locales_supported: ['en', 'zh-CN'],
    });
    expect(doc.scopes_supported).toEqual(
      expect.arrayContaining(['openid', 'profile', 'email', 'offline_access']),
    );
    expect(doc.claims_supported).toEqual(
      expect.arrayContaining(['sub', 'auth_time', 'nonce', 'name', 'email', 'email_verified']),
    );
  });

  it('every endpoint and URI it lists answers through the gateway', async () => {
    const doc = (await (await fetch(`${gw.url}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    const listed = Object.entries(doc).filter(
      ([name]) => name.endsWith('_endpoint') || name.endsWith('_uri'),
    );
    expect(listed.map(([name]) => name).sort()).toEqual(ENDPOINTS);
    const get = new Set(['authorization_endpoint', 'jwks_uri', 'userinfo_endpoint', 'end_session_endpoint']);
    await expectListedEndpointsAnswer(gw.url, listed, get);
  });
});

const ENDPOINTS = [
  'authorization_endpoint',
  'end_session_endpoint',
  'introspection_endpoint',
  'jwks_uri',
  'revocation_endpoint',
  'token_endpoint',
  'userinfo_endpoint',
];
