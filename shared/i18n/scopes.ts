// What a scope means, in the person's language, for the consent page: the standard scopes from the
// string tables, a deployment's own scopes from OAUTH_SCOPE_DESCRIPTIONS.
import { type EnvReader, parseJsonSafely } from '../env.ts';
import { LOCALES, type Locale, type StringKey, SUPPORTED_LOCALES } from './locales.ts';

/** scope → language → description. */
export type ScopeDescriptions = ReadonlyMap<string, Readonly<Partial<Record<Locale, string>>>>;

const MAX_DESCRIPTION = 200;
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/; // RFC 6749 §3.3 scope-token

/**
 * OAUTH_SCOPE_DESCRIPTIONS: `{"read": {"en": "Read your files", "zh-CN": "读取你的文件"}}`. Optional;
 * every problem is named with the scope and language at fault.
 */
export function readScopeDescriptions(
  reader: EnvReader,
  name = 'OAUTH_SCOPE_DESCRIPTIONS',
): ScopeDescriptions {
  const out = new Map<string, Partial<Record<Locale, string>>>();
  const raw = reader.optional(name);
  if (raw === undefined) return out;
  let parsed: unknown;
  try {
    parsed = parseJsonSafely(raw);
  } catch {
    reader.report(`${name} must be a JSON object (it does not parse as JSON)`);
    return out;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    reader.report(`${name} must be a JSON object of scope → {"en": "…", "zh-CN": "…"}`);
    return out;
  }
  for (const [scope, byLocale] of Object.entries(parsed)) {
    if (!SCOPE_TOKEN.test(scope)) {
      reader.report(`${name} has a key that is not a scope (RFC 6749 §3.3)`);
      continue;
    }
    if (!byLocale || typeof byLocale !== 'object' || Array.isArray(byLocale)) {
      reader.report(`${name}.${scope} must be an object of language → description`);
      continue;
    }
    const entry: Partial<Record<Locale, string>> = {};
    for (const [locale, text] of Object.entries(byLocale)) {
      if (!(SUPPORTED_LOCALES as readonly string[]).includes(locale)) {
        reader.report(
          `${name}.${scope} has language "${locale.slice(0, 20)}"; use ${SUPPORTED_LOCALES.join(', ')}`,
        );
      } else if (typeof text !== 'string' || text.trim() === '' || text.length > MAX_DESCRIPTION) {
        reader.report(`${name}.${scope}.${locale} must be a description of 1–${MAX_DESCRIPTION} characters`);
      } else {
        entry[locale as Locale] = text.trim();
      }
    }
    out.set(scope, Object.freeze(entry));
  }
  return out;
}

/**
 * The description of `scope` in `locale`: the deployment's own first, then the table's for the standard
 * scopes, then the deployment's in another language; undefined when there is none.
 */
export function describeScope(scope: string, locale: Locale, own: ScopeDescriptions): string | undefined {
  const configured = own.get(scope);
  if (configured?.[locale]) return configured[locale];
  const key = `scope_${scope}`;
  if (Object.hasOwn(LOCALES[locale], key)) return LOCALES[locale][key as StringKey];
  return configured?.en ?? Object.values(configured ?? {})[0];
}
