// The one reader of cookies (RFC 6265): the Cookie request header (§5.4: `name=value` pairs joined by
// "; ") and the pair a Set-Cookie header sets. Names compare exactly. One scan serves every reader: the
// first pair with the name wins, as user agents send the most specific cookie first (§5.4 step 2), and
// a reader that must not guess between two cookies of one name is told there are two.

/** How a value is taken. */
export interface CookieReadOptions {
  /** Without the double quotes around it, when it has them (RFC 6265 §4.1.1: a cookie-value may be quoted). */
  unquote?: boolean;
}

/** The values of the cookies named `name` in a Cookie header, in the header's order. */
function* valuesOf(
  header: string | null | undefined,
  name: string,
  options: CookieReadOptions,
): Generator<string> {
  if (!header) return;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    yield options.unquote ? value.replace(/^"(.*)"$/, '$1') : value;
  }
}

/** The value of the first cookie named `name` in a Cookie header, or undefined. */
export function readCookie(
  header: string | null | undefined,
  name: string,
  options: CookieReadOptions = {},
): string | undefined {
  for (const value of valuesOf(header, name, options)) return value;
  return undefined;
}

/** A cookie that may come only once: its value, or that the header names it more than once. */
export type SoleCookie = { doubled: false; value: string | undefined } | { doubled: true };

/**
 * The value of the one cookie named `name` in a Cookie header, or `doubled` when the name comes twice or
 * more: a credential must not be chosen between a cookie of this host and one tossed in by a sibling
 * domain (RFC 6265 §8.6, RFC 6750 §5.3).
 */
export function readSoleCookie(
  header: string | null | undefined,
  name: string,
  options: CookieReadOptions = {},
): SoleCookie {
  let found: string | undefined;
  for (const value of valuesOf(header, name, options)) {
    if (found !== undefined) return { doubled: true };
    found = value;
  }
  return { doubled: false, value: found };
}

/**
 * The `name=value` pair a Set-Cookie header value sets (RFC 6265 §5.2: all before the first ";"), as a
 * user agent sends it back in a Cookie header.
 */
export function setCookiePair(setCookie: string): string {
  return setCookie.split(';', 1)[0]!;
}
