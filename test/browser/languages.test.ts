// The sign-in and consent pages in a real browser, in the browser's language: a Chinese browser
// (Accept-Language zh-CN) reads Chinese pages; ui_locales=en gives the same browser English ones.
import { describe, expect, it } from 'vitest';
import { computeS256Challenge } from '../../shared/pkce.ts';
import { chromiumAvailable, useBrowserStage } from '../support/browser.ts';
import { TEST_USER } from '../support/fixtures.ts';
import { oidcClients, oidcOverrides, RP_SECRET } from '../support/oidc.ts';

const VERIFIER = 'browser-language-verifier-0123456789-abcdefghijk';
const hasChromium = chromiumAvailable();

describe.skipIf(!hasChromium)('the pages in the browser’s language', () => {
  const stage = useBrowserStage((redirectUri) =>
    oidcOverrides({
      OAUTH_CLIENTS: JSON.stringify([
        ...oidcClients,
        {
          client_id: 'browser-rp',
          client_secret: RP_SECRET,
          redirect_uris: [redirectUri],
          grant_types: ['authorization_code'],
          scope: 'openid profile email',
        },
      ]),
    }),
  );

  function authorizeUrl(extra: Record<string, string> = {}): string {
    const params = new URLSearchParams({
      response_type: 'code',
      client_id: 'browser-rp',
      redirect_uri: stage.redirectUri,
      scope: 'openid profile email',
      state: 'lang',
      code_challenge: computeS256Challenge(VERIFIER),
      code_challenge_method: 'S256',
      ...extra,
    });
    return `${stage.gateway.url}/authorize?${params.toString()}`;
  }

  function signIn(
    url: string,
    labels: { username: string; password: string; signIn: string; consent: string; allow: string },
  ): Promise<{ lang: string[]; scopes: string[] }> {
    // The browser's language: Chromium sends Accept-Language: zh-CN.
    return stage.page(
      async (page) => {
        const lang: string[] = [];
        await page.goto(url);
        lang.push((await page.locator('html').getAttribute('lang')) ?? '');
        await page.getByLabel(labels.username).fill(TEST_USER.username);
        await page.getByLabel(labels.password).fill(TEST_USER.password);
        await page.getByRole('button', { name: labels.signIn }).click();
        await page.getByRole('heading', { name: labels.consent }).waitFor();
        lang.push((await page.locator('html').getAttribute('lang')) ?? '');
        const scopes = await page.locator('.scope').allTextContents();
        await Promise.all([
          page.waitForURL((u) => u.href.startsWith(stage.redirectUri)),
          page.getByRole('button', { name: labels.allow }).click(),
        ]);
        expect(new URL(page.url()).searchParams.get('code')).toBeTruthy();
        return { lang, scopes };
      },
      { locale: 'zh-CN' },
    );
  }

  it('a Chinese browser signs in on Chinese pages, scopes described in Chinese', async () => {
    const seen = await signIn(authorizeUrl(), {
      username: '用户名',
      password: '密码',
      signIn: '登录',
      consent: '是否允许访问？',
      allow: '允许',
    });
    expect(seen.lang).toEqual(['zh-CN', 'zh-CN']);
    expect(seen.scopes).toEqual([
      '确认你的身份（你的用户标识）',
      '你的个人资料：姓名、用户名、头像、语言',
      '你的电子邮件地址及其是否已验证',
    ]);
  });

  it('the same browser with ui_locales=en signs in on English pages', async () => {
    const seen = await signIn(authorizeUrl({ ui_locales: 'en' }), {
      username: 'Username',
      password: 'Password',
      signIn: 'Sign in',
      consent: 'Allow access?',
      allow: 'Allow',
    });
    expect(seen.lang).toEqual(['en', 'en']);
    expect(seen.scopes[0]).toBe('Confirm who you are (your user identifier)');
  });
});
