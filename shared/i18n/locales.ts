// The page languages and how one is chosen: OIDC Core §3.1.2.1 `ui_locales`, then the browser's
// Accept-Language (RFC 9110 §12.5.4), then OAUTH_DEFAULT_LOCALE. Adding a language is adding a table here.
import { en, type StringKey, type Strings } from './en.ts';
import { zhCN } from './zh-CN.ts';

// A literal list (not Object.keys of the tables): a function that only reads OAUTH_DEFAULT_LOCALE
// (through its config.ts) does not bundle the page strings.
export const SUPPORTED_LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof SUPPORTED_LOCALES)[number];
export const LOCALES: Readonly<Record<Locale, Strings>> = { en, 'zh-CN': zhCN };
export type { StringKey, Strings };

/**
 * The supported locale a language tag asks for, if any: exact (case-insensitive), or by its primary
 * language. Chinese in Traditional script (zh-Hant, zh-TW, zh-HK, zh-MO) is not Simplified Chinese.
 */
export function matchLocale(tag: string): Locale | undefined {
  const lower = tag.trim().toLowerCase().replace(/_/g, '-');
  for (const locale of SUPPORTED_LOCALES) if (locale.toLowerCase() === lower) return locale;
  const [primary, ...rest] = lower.split('-');
  if (primary === 'zh') {
    return rest.some((s) => s === 'hant' || s === 'tw' || s === 'hk' || s === 'mo') ? undefined : 'zh-CN';
  }
  return SUPPORTED_LOCALES.find((l) => l.toLowerCase() === primary);
}

/** RFC 9110 §12.5.4: language ranges by descending weight (stable for equal weights); q=0 means "not this". */
function acceptedLanguages(header: string): string[] {
  const ranges: { tag: string; q: number; i: number }[] = [];
  header
    .split(',')
    .slice(0, 32)
    .forEach((part, i) => {
      const [tag = '', ...params] = part.split(';').map((s) => s.trim());
      const q = params.find((p) => p.toLowerCase().startsWith('q='));
      const weight = q === undefined ? 1 : Number(q.slice(2));
      if (tag && tag !== '*' && Number.isFinite(weight) && weight > 0) ranges.push({ tag, q: weight, i });
    });
  return ranges.sort((a, b) => b.q - a.q || a.i - b.i).map((r) => r.tag);
}

export function negotiateLocale(
  uiLocales: string | undefined,
  acceptLanguage: string | null,
  fallback: Locale,
): Locale {
  // OIDC Core §3.1.2.1: ui_locales is a space-separated list of tags in order of preference.
  for (const tag of (uiLocales ?? '').split(' ').slice(0, 16)) {
    const found = tag ? matchLocale(tag) : undefined;
    if (found) return found;
  }
  for (const tag of acceptedLanguages(acceptLanguage ?? '')) {
    const found = matchLocale(tag);
    if (found) return found;
  }
  return fallback;
}
