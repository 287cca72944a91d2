// A real browser through the login and consent pages: it lands on the client's redirect URI (a tiny
// callback page served by the test on loopback) with code, state and iss, and the code is exchanged.
import { describe, expect, it } from 'vitest';
import { computeS256Challenge } from '../../shared/pkce.ts';
import { chromiumAvailable, useBrowserStage } from '../support/browser.ts';
import { basic, CONFIDENTIAL_SECRET, TEST_USER, testClients } from '../support/fixtures.ts';

const VERIFIER = 'browser-test-verifier-0123456789-abcdefghijklmnop';
const hasChromium = chromiumAvailable();

describe.skipIf(!hasChromium)('the login and consent pages in a real browser', () => {
  const stage = useBrowserStage((redirectUri) => ({
    OAUTH_CLIENTS: JSON.stringify([
      ...testClients,
      {
        client_id: 'browser-app',
        client_secret: CONFIDENTIAL_SECRET,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        scope: 'read write',
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ]),
  }));

  function authorizeUrl(state: string): string {
    const params = new URLSearchParams({
      response_type: 'code',
      client_id: 'browser-app',
      redirect_uri: stage.redirectUri,
      scope: 'read',
      state,
      code_challenge: computeS256Challenge(VERIFIER),
      code_challenge_method: 'S256',
    });
    return `${stage.gateway.url}/authorize?${params.toString()}`;
  }

  function signInAndDecide(decision: 'Allow' | 'Deny', state: string): Promise<URL> {
    return stage.page(async (page) => {
      const cspViolations: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
      });
      await page.goto(authorizeUrl(state));
      await page.getByLabel('Username').fill(TEST_USER.username);
      await page.getByLabel('Password').fill(TEST_USER.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
      expect(await page.getByRole('listitem').allTextContents()).toEqual(['read']);
      await Promise.all([
        page.waitForURL((url) => url.href.startsWith(stage.redirectUri)),
        page.getByRole('button', { name: decision }).click(),
      ]);
      expect(await page.textContent('p')).toBe('Back at the client.');
      expect(cspViolations).toEqual([]);
      return new URL(page.url());
    });
  }

  it('logs in, consents, lands on the redirect URI with code, state and iss, and the code is exchanged', async () => {
    const landed = await signInAndDecide('Allow', 'browser-state-1');
    expect(landed.searchParams.get('state')).toBe('browser-state-1');
    expect(landed.searchParams.get('iss')).toBe(stage.gateway.url);
    const code = landed.searchParams.get('code');
    expect(code).toBeTruthy();

    const res = await fetch(`${stage.gateway.url}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basic('browser-app', CONFIDENTIAL_SECRET),
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: code!,
        redirect_uri: stage.redirectUri,
        code_verifier: VERIFIER,
      }),
    });
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', scope: 'read' });
    expect(body.refresh_token).toBeTruthy();
  });

  it('pressing deny lands on the redirect URI with error=access_denied', async () => {
    const landed = await signInAndDecide('Deny', 'browser-state-2');
    expect(landed.searchParams.get('error')).toBe('access_denied');
    expect(landed.searchParams.get('state')).toBe('browser-state-2');
    expect(landed.searchParams.get('iss')).toBe(stage.gateway.url);
    expect(landed.searchParams.get('code')).toBeNull();
  });
});
