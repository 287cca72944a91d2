// The one reader of a Cookie request header (RFC 6265 §5.4: `name=value` pairs joined by "; ").
// Names compare exactly; the first pair with the name wins, as user agents send the most specific
// cookie first (§5.4 step 2).

/** The value of the first cookie named `name` in a Cookie header, or undefined. */
export function readCookie(header: string | null | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
