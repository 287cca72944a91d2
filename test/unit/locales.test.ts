// Page languages: one table per language with the same keys, the choice by ui_locales, then
// Accept-Language, then OAUTH_DEFAULT_LOCALE, and scope descriptions from the tables and configuration.
import { describe, expect, it } from 'vitest';
import { loadAuthorizeConfig } from '../../functions/authorize/config.ts';
import { ConfigError } from '../../shared/errors.ts';
import { en } from '../../shared/i18n/en.ts';
import { LOCALES, matchLocale, negotiateLocale } from '../../shared/i18n/locales.ts';
import { authorizeApp } from '../support/apps.ts';
import { wrap } from '../support/authorize-flow.ts';
import { ISSUER, TEST_USER, testEnv } from '../support/fixtures.ts';
import { oidcOverrides, RP_ID, RP_REDIRECT, SignInAgent } from '../support/oidc.ts';

describe('the string tables', () => {
  it('every language has every key, each a non-empty string, with the same {placeholders}', () => {
    const placeholders = (s: string) => [...s.matchAll(/\{[a-z]+\}/g)].map((m) => m[0]).sort();
    for (const [locale, table] of Object.entries(LOCALES)) {
      expect(Object.keys(table).sort(), locale).toEqual(Object.keys(en).sort());
      for (const [key, value] of Object.entries(table)) {
        expect(value.length, `${locale}.${key}`).toBeGreaterThan(0);
        expect(placeholders(value), `${locale}.${key}`).toEqual(placeholders(en[key as keyof typeof en]));
      }
    }
  });
});

describe('choosing the language', () => {
  it.each([
    ['zh', 'zh-CN'],
    ['zh-Hans', 'zh-CN'],
    ['zh-Hans-CN', 'zh-CN'],
    ['ZH-cn', 'zh-CN'],
    ['zh_CN', 'zh-CN'],
    ['zh-TW', undefined],
    ['zh-Hant-HK', undefined],
    ['en-GB', 'en'],
    ['en', 'en'],
    ['fr', undefined],
  ])('matches %s to %s', (tag, locale) => {
    expect(matchLocale(tag)).toBe(locale);
  });

  it.each([
    // ui_locales first, in its order of preference; unknown tags are skipped.
    ['fr zh-CN en', 'en-US', 'en', 'zh-CN'],
    ['en', 'zh-CN,zh;q=0.9', 'zh-CN', 'en'],
    // Accept-Language by weight, not by position; q=0 is "not this".
    [undefined, 'en;q=0.5, zh-CN;q=0.9', 'en', 'zh-CN'],
    [undefined, 'zh-CN;q=0, en;q=0.1', 'zh-CN', 'en'],
    [undefined, 'de, fr;q=0.8, *;q=0.5', 'zh-CN', 'zh-CN'],
    [undefined, null, 'zh-CN', 'zh-CN'],
    ['de', 'garbage;;;q=abc', 'en', 'en'],
  ] as const)('ui_locales %s, Accept-Language %s, default %s → %s', (ui, accept, fallback, expected) => {
    expect(negotiateLocale(ui, accept, fallback)).toBe(expected);
  });
});

async function page(
  overrides: Record<string, string>,
  query: Record<string, string>,
  headers: Record<string, string> = {},
) {
  const app = wrap(await authorizeApp(await testEnv(await oidcOverrides(overrides))));
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: RP_ID,
    redirect_uri: RP_REDIRECT,
    scope: 'openid profile read',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
    ...query,
  });
  const res = await app(new Request(`${ISSUER}/authorize?${params}`, { headers }));
  return { res, html: await res.text(), app };
}

describe('the pages in each language', () => {
  it('a Chinese browser gets the sign-in page in Chinese, with lang and Content-Language set', async () => {
    const { res, html } = await page({}, {}, { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' });
    expect(html).toContain('<html lang="zh-CN">');
    expect(res.headers.get('content-language')).toBe('zh-CN');
    expect(html).toContain('<title>登录</title>');
    expect(html).toContain('<label for="username">用户名</label>');
    expect(html).toContain('登录以继续使用 <strong>oidc-rp</strong>。');
  });

  it('ui_locales=en wins over a Chinese browser, and is carried to the next page', async () => {
    const { html } = await page({}, { ui_locales: 'en' }, { 'accept-language': 'zh-CN' });
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<label for="username">Username</label>');
    expect(html).toContain('<input type="hidden" name="ui_locales" value="en">');
  });

  it('OAUTH_DEFAULT_LOCALE decides when nothing else does', async () => {
    const { html } = await page({ OAUTH_DEFAULT_LOCALE: 'zh-CN' }, {});
    expect(html).toContain('<html lang="zh-CN">');
    const english = await page({}, {});
    expect(english.html).toContain('<html lang="en">');
  });

  it('error pages too: an unknown client in Chinese', async () => {
    const { res, html } = await page({}, { client_id: 'nobody' }, { 'accept-language': 'zh' });
    expect(res.status).toBe(400);
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('无法继续此请求');
    expect(html).toContain(LOCALES['zh-CN'].unknownClient);
  });

  it('the consent page describes each scope: the standard ones from the table, the own ones from configuration', async () => {
    const descriptions = JSON.stringify({ read: { en: 'Read your documents', 'zh-CN': '读取你的文档' } });
    const env = await testEnv(await oidcOverrides({ OAUTH_SCOPE_DESCRIPTIONS: descriptions }));
    const app = wrap(await authorizeApp(env));
    const agent = new SignInAgent(ISSUER, app, { 'accept-language': 'zh-CN' });
    const params = new URLSearchParams({
      response_type: 'code',
      client_id: RP_ID,
      redirect_uri: RP_REDIRECT,
      scope: 'openid profile email offline_access read',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
    const login = await agent.request(`${ISSUER}/authorize?${params}`);
    const { hiddenFields } = await import('../support/oidc.ts');
    const consent = await agent.follow(
      await agent.post('/authorize', {
        ...hiddenFields(login.html!),
        username: TEST_USER.username,
        password: TEST_USER.password,
      }),
    );
    const html = consent.html!;
    expect(html).toContain('<h1>是否允许访问？</h1>');
    for (const scope of ['openid', 'profile', 'email', 'offline_access'] as const) {
      expect(html).toContain(
        `<code>${scope}</code><span class="scope">${LOCALES['zh-CN'][`scope_${scope}`]}</span>`,
      );
    }
    expect(html).toContain('<code>read</code><span class="scope">读取你的文档</span>');
    expect(html).toContain('<button type="submit" name="decision" value="allow">允许</button>');
  });
});

describe('OAUTH_DEFAULT_LOCALE and OAUTH_SCOPE_DESCRIPTIONS', () => {
  async function problems(overrides: Record<string, string>): Promise<string[]> {
    try {
      await loadAuthorizeConfig(await testEnv(overrides));
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return [...(error as ConfigError).problems];
    }
    return [];
  }

  it.each([
    [{ OAUTH_DEFAULT_LOCALE: 'fr' }, 'OAUTH_DEFAULT_LOCALE must be one of en, zh-CN, got "fr"'],
    [
      { OAUTH_SCOPE_DESCRIPTIONS: '{' },
      'OAUTH_SCOPE_DESCRIPTIONS must be a JSON object (it does not parse as JSON)',
    ],
    [
      { OAUTH_SCOPE_DESCRIPTIONS: '[]' },
      'OAUTH_SCOPE_DESCRIPTIONS must be a JSON object of scope → {"en": "…", "zh-CN": "…"}',
    ],
    [
      { OAUTH_SCOPE_DESCRIPTIONS: '{"read":"x"}' },
      'OAUTH_SCOPE_DESCRIPTIONS.read must be an object of language → description',
    ],
    [
      { OAUTH_SCOPE_DESCRIPTIONS: '{"read":{"fr":"x"}}' },
      'OAUTH_SCOPE_DESCRIPTIONS.read has language "fr"; use en, zh-CN',
    ],
    [
      { OAUTH_SCOPE_DESCRIPTIONS: '{"read":{"en":""}}' },
      'OAUTH_SCOPE_DESCRIPTIONS.read.en must be a description of 1–200 characters',
    ],
    [
      { OAUTH_SCOPE_DESCRIPTIONS: '{"a b":{"en":"x"}}' },
      'OAUTH_SCOPE_DESCRIPTIONS has a key that is not a scope (RFC 6749 §3.3)',
    ],
  ])('refuses %o', async (overrides, message) => {
    expect(await problems(overrides)).toEqual([message]);
  });
});
