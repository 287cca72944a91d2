// OpenID Connect standard claims of a user (OIDC Core §5.1) and which scope releases which (§5.4).
// The user records of OAUTH_USERS carry them under their standard names; this module owns the list.

/** OIDC Core §5.4: the claims each scope value asks for. `openid` alone releases only `sub`. */
export const SCOPE_CLAIMS = {
  profile: [
    'name',
    'family_name',
    'given_name',
    'middle_name',
    'nickname',
    'preferred_username',
    'profile',
    'picture',
    'website',
    'gender',
    'birthdate',
    'zoneinfo',
    'locale',
    'updated_at',
  ],
  email: ['email', 'email_verified'],
} as const;

export type ClaimScope = keyof typeof SCOPE_CLAIMS;
export type UserClaimName = (typeof SCOPE_CLAIMS)[ClaimScope][number];
export type UserClaims = Readonly<Partial<Record<UserClaimName, string | number | boolean>>>;

/** Every claim this server can release, for the discovery document's `claims_supported`. */
export const SUPPORTED_CLAIMS: readonly string[] = [
  'sub',
  'iss',
  'aud',
  'exp',
  'iat',
  'auth_time',
  'nonce',
  'at_hash',
  'azp',
  ...SCOPE_CLAIMS.profile,
  ...SCOPE_CLAIMS.email,
];

const URL_CLAIMS = new Set<string>(['profile', 'picture', 'website']);
const MAX_CLAIM_LENGTH = 512;
// OIDC Core §5.1: birthdate is YYYY-MM-DD, or YYYY alone, or 0000-MM-DD when the year is withheld.
const BIRTHDATE = /^(?:\d{4}|\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]))$/;
// RFC 5646 language tags as OIDC Core §5.1 `locale` uses them (`zh-CN`, `en-US`; `_` tolerated by the spec).
const LOCALE = /^[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*$/;
// A practical check: one @, a dot-free or dotted domain, no spaces (RFC 5322 addr-spec is far wider).
const EMAIL = /^[^\s@"<>()[\]\\,;:]{1,64}@[^\s@"<>()[\]\\,;:]{1,255}$/;
const TIMEZONE = /^[A-Za-z_]+(?:\/[A-Za-z0-9_+-]+)*$/;

/**
 * Reads a user record's standard claims: each one checked for its type and format. `problems` gets a
 * message naming `where` and the claim for anything wrong; the value is never echoed.
 */
export function readUserClaims(
  record: Record<string, unknown>,
  where: string,
  problems: string[],
): UserClaims {
  const out: Partial<Record<UserClaimName, string | number | boolean>> = {};
  for (const scope of Object.keys(SCOPE_CLAIMS) as ClaimScope[]) {
    for (const name of SCOPE_CLAIMS[scope]) {
      const value = record[name];
      if (value === undefined) continue;
      const problem = checkClaim(name, value);
      if (problem) problems.push(`${where}.${name} ${problem}`);
      else out[name] = value as string | number | boolean;
    }
  }
  return Object.freeze(out);
}

function checkClaim(name: UserClaimName, value: unknown): string | undefined {
  if (name === 'email_verified') return typeof value === 'boolean' ? undefined : 'must be true or false';
  if (name === 'updated_at') {
    // OIDC Core §5.1: seconds since the epoch.
    return Number.isSafeInteger(value) && (value as number) >= 0
      ? undefined
      : 'must be a whole number of seconds since 1970';
  }
  if (typeof value !== 'string' || value === '' || value.length > MAX_CLAIM_LENGTH) {
    return `must be a string of 1–${MAX_CLAIM_LENGTH} characters`;
  }
  if (/[\x00-\x1f\x7f]/.test(value)) return 'must not contain control characters';
  if (URL_CLAIMS.has(name)) {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) return 'must be an http(s) URL';
  }
  if (name === 'email' && !EMAIL.test(value)) return 'must be an email address (name@domain)';
  if (name === 'birthdate' && !BIRTHDATE.test(value)) return 'must be YYYY-MM-DD or YYYY';
  if (name === 'locale' && !LOCALE.test(value)) return 'must be a language tag such as zh-CN or en-US';
  if (name === 'zoneinfo' && !TIMEZONE.test(value)) return 'must be a time zone name such as Asia/Shanghai';
  return undefined;
}

/** A user's standard claims, `preferred_username` defaulting to the username people sign in with. */
export function userClaimsOf(user: { username: string; claims: UserClaims }): UserClaims {
  return user.claims.preferred_username !== undefined
    ? user.claims
    : { ...user.claims, preferred_username: user.username };
}

/** OIDC Core §5.4: of `claims`, those the granted scopes release (`openid` alone releases none). */
export function claimsForScopes(claims: UserClaims, scopes: readonly string[]): UserClaims {
  const out: Partial<Record<UserClaimName, string | number | boolean>> = {};
  for (const scope of scopes) {
    if (!Object.hasOwn(SCOPE_CLAIMS, scope)) continue;
    for (const name of SCOPE_CLAIMS[scope as ClaimScope]) {
      const value = claims[name];
      if (value !== undefined) out[name] = value;
    }
  }
  return out;
}

/** Reads back claims that were sealed: only known names with values of a claim's type. */
export function readSealedClaims(value: unknown): UserClaims {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  const out: Partial<Record<UserClaimName, string | number | boolean>> = {};
  for (const names of Object.values(SCOPE_CLAIMS)) {
    for (const name of names) {
      const v = (value as Record<string, unknown>)[name];
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[name] = v;
    }
  }
  return out;
}
