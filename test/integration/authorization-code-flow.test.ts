// The whole authorization code flow through the local gateway, driven by an independent client
// (oauth4webapi) and plain fetch for the login and consent forms — once with the memory store and
// once with OAUTH_STORE=redis://… against a real redis-server.
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setCookiePair } from '../../shared/http/cookies.ts';
import { hiddenFieldsOf } from '../support/authorize-flow.ts';
import { CONFIDENTIAL_SECRET, TEST_USER } from '../support/fixtures.ts';
import { discover, insecure, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { redisForFile } from '../support/redis.ts';

const REDIRECT_URI = 'https://client.example/cb';
const client: oauth.Client = { client_id: 'confidential' };
const clientAuth = oauth.ClientSecretBasic(CONFIDENTIAL_SECRET);

const redis = redisForFile();
const hasRedis = redis.available;

/** Minimal browser: keeps the one session cookie, reads the form's hidden fields. */
class FormClient {
  private cookie: string | undefined;

  async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookie) headers.set('cookie', this.cookie);
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookiePair(setCookie);
    return res;
  }

  async post(url: string | URL, fields: Record<string, string>): Promise<Response> {
    return this.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }
}

function formAction(html: string, base: string): URL {
  return new URL(/<form method="post" action="([^"]+)"/.exec(html)![1]!, base);
}

async function errorOf(promise: Promise<unknown>): Promise<{ error: string; status: number }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof oauth.ResponseBodyError) return { error: error.error, status: error.status };
    throw error;
  }
  throw new Error('expected the request to fail');
}

const stores = [
  { name: 'memory store', redis: false },
  { name: 'Redis store', redis: true },
];

for (const kind of stores) {
  describe.skipIf(kind.redis && !hasRedis)(
    `the authorization code flow through the local gateway (${kind.name})`,
    () => {
      let gateway: TestGateway;
      let as: oauth.AuthorizationServer;

      beforeAll(async () => {
        gateway = await startTestGateway(kind.redis ? { OAUTH_STORE: redis.url() } : {});
        as = await discover(gateway.url);
      });
      afterAll(async () => {
        await gateway?.close();
      });

      /** Authorization request with PKCE → login form → consent form → the callback URL. */
      /** The code exchange, as oauth4webapi makes and checks it. */
      async function exchangeCode(params: URLSearchParams, verifier: string) {
        return oauth.processAuthorizationCodeResponse(
          as,
          client,
          await oauth.authorizationCodeGrantRequest(
            as,
            client,
            clientAuth,
            params,
            REDIRECT_URI,
            verifier,
            insecure,
          ),
        );
      }

      async function authorize(state: string, verifier: string): Promise<URL> {
        const url = new URL(as.authorization_endpoint!);
        url.search = new URLSearchParams({
          response_type: 'code',
          client_id: client.client_id,
          redirect_uri: REDIRECT_URI,
          scope: 'read write',
          state,
          code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
        }).toString();
        const browser = new FormClient();
        const loginPage = await browser.fetch(url);
        expect(loginPage.status).toBe(200);
        const loginHtml = await loginPage.text();
        expect(loginHtml).toContain('name="csrf_token"');
        const login = await browser.post(formAction(loginHtml, gateway.url), {
          ...hiddenFieldsOf(loginHtml),
          username: TEST_USER.username,
          password: TEST_USER.password,
        });
        expect(login.status).toBe(303);
        const consentPage = await browser.fetch(new URL(login.headers.get('location')!, gateway.url));
        const consentHtml = await consentPage.text();
        expect(consentHtml).toContain('name="decision" value="allow"');
        const decided = await browser.post(formAction(consentHtml, gateway.url), {
          ...hiddenFieldsOf(consentHtml),
          decision: 'allow',
        });
        expect(decided.status).toBe(303);
        return new URL(decided.headers.get('location')!);
      }

      it('discovery advertises the authorization endpoint, code, S256 and iss', () => {
        expect(as).toMatchObject({
          authorization_endpoint: `${gateway.url}/authorize`,
          response_types_supported: ['code'],
          code_challenge_methods_supported: ['S256'],
          authorization_response_iss_parameter_supported: true,
        });
        expect(as.grant_types_supported).toEqual(
          expect.arrayContaining(['authorization_code', 'refresh_token']),
        );
      });

      it('authorizes with PKCE, exchanges the code, calls /work, refreshes twice, and a reused refresh token revokes the family', async () => {
        const verifier = oauth.generateRandomCodeVerifier();
        const state = oauth.generateRandomState();
        const callback = await authorize(state, verifier);
        expect(callback.searchParams.get('iss')).toBe(gateway.url);
        // oauth4webapi checks state and iss (RFC 9207) of the response.
        const params = oauth.validateAuthResponse(as, client, callback, state);

        const tokens = await exchangeCode(params, verifier);
        expect(tokens.token_type).toBe('bearer');
        expect(tokens.scope).toBe('read write');
        expect(tokens.refresh_token).toBeTruthy();

        const work = await fetch(`${gateway.url}/work`, {
          headers: { authorization: `Bearer ${tokens.access_token}` },
        });
        expect(work.status).toBe(200);
        expect(await work.text()).toBe('hello world');

        const refresh = async (token: string) =>
          oauth.processRefreshTokenResponse(
            as,
            client,
            await oauth.refreshTokenGrantRequest(as, client, clientAuth, token, insecure),
          );
        const second = await refresh(tokens.refresh_token!);
        const third = await refresh(second.refresh_token!);
        expect(third.access_token).toBeTruthy();
        const again = await fetch(`${gateway.url}/work`, {
          headers: { authorization: `Bearer ${third.access_token}` },
        });
        expect(await again.text()).toBe('hello world');

        // The first refresh token was rotated away: its reuse revokes the family, the latest one too.
        expect(await errorOf(refresh(tokens.refresh_token!))).toEqual({
          error: 'invalid_grant',
          status: 400,
        });
        expect(await errorOf(refresh(third.refresh_token!))).toEqual({ error: 'invalid_grant', status: 400 });
      });

      it('a second redemption of the code is refused', async () => {
        const verifier = oauth.generateRandomCodeVerifier();
        const state = oauth.generateRandomState();
        const params = oauth.validateAuthResponse(as, client, await authorize(state, verifier), state);
        const redeem = () => exchangeCode(params, verifier);
        const first = await redeem();
        expect(first.access_token).toBeTruthy();
        expect(await errorOf(redeem())).toEqual({ error: 'invalid_grant', status: 400 });
      });

      it('an unknown client gets an error page from the gateway, not a redirect', async () => {
        const res = await fetch(
          `${gateway.url}/authorize?client_id=nobody&response_type=code&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`,
          {
            redirect: 'manual',
          },
        );
        expect(res.status).toBe(400);
        expect(res.headers.get('location')).toBeNull();
        expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      });
    },
  );
}
