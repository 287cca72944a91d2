// Configuration of each function, parsed once from the environment into a frozen typed object.
// Each function reads only the variables it needs (least privilege; SCF allows 4 KB per function).
import { type ClientRegistry, readClients } from './clients.ts';
import { type Env, EnvReader, readIssuer } from './env.ts';
import { HTTP_TOKEN } from './http/web.ts';
import { type Locale, SUPPORTED_LOCALES } from './i18n/locales.ts';
import { readScopeDescriptions, type ScopeDescriptions } from './i18n/scopes.ts';
import { decodeCanonicalBase64url } from './jwt/compact.ts';
import {
  importPublicKeys,
  importSigningKey,
  KeyFormatError,
  type SigningKey,
  type VerificationKey,
} from './jwt/keys.ts';
import { type AccessTokenTyp, MAX_ACCESS_TOKEN_TTL } from './jwt/sign.ts';
import { type RegistryConfig, readRegistryConfig } from './registry-config.ts';
import { checkClientResources, readResources } from './resources.ts';
import { readRotation } from './rotation.ts';
import {
  AUTHORIZE_PURPOSES,
  deriveSealKeys,
  type KeyedPurpose,
  SEAL_KEY_VARIABLES,
  type SealKeys,
  type SealPurpose,
  TOKEN_PURPOSES,
} from './seal.ts';
import { readUsers, type UserDirectory } from './users.ts';

export interface TokenConfig {
  issuer: string;
  audience: string;
  /** RFC 8707: the resources tokens may be issued for (OAUTH_RESOURCES; default the audience). */
  resources: readonly string[];
  signingKey: SigningKey;
  /** Public keys of retired signing keys, still published until their tokens expire. */
  retiredKeys: readonly VerificationKey[];
  /** Public keys of the next signing key(s): published ahead of the switch, never trusted here. */
  nextKeys: readonly VerificationKey[];
  /** Unix seconds: no token signed by the current key may expire later (the planned key switch). */
  signingKeyNotAfter?: number;
  /** Opens authorization codes, seals and opens refresh tokens (TOKEN_PURPOSES). */
  sealKeys: SealKeys;
  clients: ClientRegistry;
  store: string;
  accessTokenTtl: number;
  accessTokenTyp: AccessTokenTyp;
  clockTolerance: number;
  /** Absolute life of a refresh-token family (rotation keeps the first expiry). */
  refreshTokenTtl: number;
  registry: RegistryConfig;
}

export interface AuthorizeConfig {
  issuer: string;
  /** Seals authorization codes, session cookies and CSRF tokens (AUTHORIZE_PURPOSES); never refresh tokens. */
  sealKeys: SealKeys;
  /** RFC 8707: the resources a `resource` parameter may name (OAUTH_RESOURCES, or OAUTH_AUDIENCE). */
  resources: readonly string[];
  clients: ClientRegistry;
  users: UserDirectory;
  /** RFC 9700 §4.5 / OAuth 2.1 §4.1.2: authorization codes live briefly (default 60 s, never over 600). */
  codeTtl: number;
  /** Life of the login session cookie. */
  sessionTtl: number;
  /** Require PKCE of confidential clients too (public clients always need it). */
  requirePkce: boolean;
  /** OAUTH_DEFAULT_LOCALE: the page language when neither ui_locales nor Accept-Language decide. */
  defaultLocale: Locale;
  /** OAUTH_SCOPE_DESCRIPTIONS: what the deployment's own scopes mean, per language, for the consent page. */
  scopeDescriptions: ScopeDescriptions;
  /**
   * OAUTH_PUBLIC_KEYS (optional here): the public keys of ID tokens, to read an `id_token_hint`. Public
   * keys only: the authorize function never holds the private key.
   */
  publicKeys: readonly VerificationKey[];
  /** The registry's clients and users, and sign-in throttling, live here (shared/registry.ts). */
  store: string;
  registry: RegistryConfig;
}

export interface BusinessConfig {
  issuer: string;
  audience: string;
  publicKeys: readonly VerificationKey[];
  clockTolerance: number;
  accessTokenTyp: AccessTokenTyp;
  /** The shared store (a redis URL) the business function asks whether a token was revoked. */
  store: string;
  checkRevocation: boolean;
  /** OAUTH_BEARER_COOKIE: the cookie a token may also come in; none unless configured. */
  bearerCookie?: string;
}

export function readSecret(reader: EnvReader, name = 'OAUTH_SECRET'): Uint8Array {
  const raw = reader.required(name);
  if (raw === undefined) return new Uint8Array();
  if (!/^[A-Za-z0-9_-]+$/.test(raw)) {
    reader.report(`${name} must be base64url (A–Z, a–z, 0–9, "-", "_"; no padding)`);
    return new Uint8Array();
  }
  const bytes = Buffer.from(raw, 'base64url');
  if (bytes.byteLength < 32)
    reader.report(`${name} must encode at least 32 random bytes, got ${bytes.byteLength}`);
  return new Uint8Array(bytes);
}

/**
 * The derived keys of `purposes`: from OAUTH_SECRET (one secret, for development and simple setups),
 * or each from its own variable (SEAL_KEY_VARIABLES, printed by `npm run keys`), so that a function
 * holds only what it needs. Both at once is ambiguous and refused.
 */
export function readSealKeys(reader: EnvReader, purposes: readonly KeyedPurpose[]): SealKeys {
  const names = purposes.map((p) => SEAL_KEY_VARIABLES[p]);
  const given = names.filter((name) => reader.optional(name) !== undefined);
  if (reader.optional('OAUTH_SECRET') !== undefined) {
    if (given.length > 0) {
      reader.report(
        `OAUTH_SECRET and ${given.join(', ')} are both set: give either the one secret or this function's own keys`,
      );
    }
    const secret = readSecret(reader);
    return secret.byteLength >= 32 ? deriveSealKeys(secret, purposes) : {};
  }
  if (given.length === 0) {
    reader.report(`OAUTH_SECRET is missing (or give this function's own keys: ${names.join(', ')})`);
    return {};
  }
  const keys: Partial<Record<SealPurpose, Uint8Array>> = {};
  for (const purpose of purposes) {
    const name = SEAL_KEY_VARIABLES[purpose];
    const raw = reader.required(name);
    if (raw === undefined) continue;
    const bytes = /^[A-Za-z0-9_-]{43}$/.test(raw) ? decodeCanonicalBase64url(raw) : undefined;
    if (!bytes)
      reader.report(`${name} must be 32 bytes in base64url (43 characters), as npm run keys prints it`);
    else keys[purpose] = new Uint8Array(bytes);
  }
  return Object.freeze(keys);
}

export function readStore(reader: EnvReader, name = 'OAUTH_STORE'): string {
  const raw = reader.optional(name) ?? 'memory';
  if (raw === 'memory') return raw;
  if (/^rediss?:\/\//.test(raw)) {
    try {
      new URL(raw);
      return raw;
    } catch {
      // falls through to the report below
    }
  }
  reader.report(`${name} must be "memory" or a redis:// or rediss:// URL`);
  return 'memory';
}

function readTolerance(reader: EnvReader): number {
  return reader.integer('OAUTH_CLOCK_TOLERANCE', 30, 0, 300);
}

async function readKey<T>(
  reader: EnvReader,
  name: string,
  required: boolean,
  load: (v: string) => Promise<T>,
) {
  const raw = required ? reader.required(name) : reader.optional(name);
  if (raw === undefined) return undefined;
  try {
    return await load(raw);
  } catch (error) {
    if (!(error instanceof KeyFormatError)) throw error;
    reader.report(`${name} ${error.message}`);
    return undefined;
  }
}

export async function loadTokenConfig(env: Env): Promise<Readonly<TokenConfig>> {
  const reader = new EnvReader(env);
  const issuer = readIssuer(reader);
  const audience = reader.required('OAUTH_AUDIENCE') ?? '';
  const signingKey = await readKey(reader, 'OAUTH_PRIVATE_KEY', true, importSigningKey);
  const retired = await readKey(reader, 'OAUTH_RETIRED_PUBLIC_KEYS', false, importPublicKeys);
  const sealKeys = readSealKeys(reader, TOKEN_PURPOSES);
  const clients = readClients(reader);
  const resources = readResources(reader, audience);
  checkClientResources(reader, clients.values(), resources);
  const store = readStore(reader);
  const accessTokenTtl = reader.integer('OAUTH_ACCESS_TOKEN_TTL', 300, 60, MAX_ACCESS_TOKEN_TTL);
  const accessTokenTyp = reader.oneOf<AccessTokenTyp>('OAUTH_ACCESS_TOKEN_TYP', 'at+jwt', ['at+jwt', 'JWT']);
  const clockTolerance = readTolerance(reader);
  const refreshTokenTtl = readRefreshTokenTtl(reader);
  const rotation = await readRotation(reader, signingKey);
  const registry = readRegistryConfig(reader, issuer, store, clients);
  return reader.finish({
    issuer,
    audience,
    resources,
    signingKey: signingKey as SigningKey,
    retiredKeys: (retired ?? []).filter((k) => k.kid !== signingKey?.kid),
    ...rotation,
    sealKeys,
    clients,
    store,
    accessTokenTtl,
    accessTokenTyp,
    clockTolerance,
    refreshTokenTtl,
    registry,
  });
}

export function readRefreshTokenTtl(reader: EnvReader): number {
  return reader.integer('OAUTH_REFRESH_TOKEN_TTL', 14 * 86_400, 300, 365 * 86_400);
}

/**
 * The authorize function: no private key (its session is a sealed cookie, codes are sealed); the store
 * holds the registry's clients and users and the sign-in limits.
 */
export async function loadAuthorizeConfig(env: Env): Promise<Readonly<AuthorizeConfig>> {
  const reader = new EnvReader(env);
  const issuer = readIssuer(reader);
  const sealKeys = readSealKeys(reader, AUTHORIZE_PURPOSES);
  const clients = readClients(reader);
  const users = readUsers(reader);
  const resources = readResources(reader, reader.optional('OAUTH_AUDIENCE'));
  checkClientResources(reader, clients.values(), resources);
  const codeTtl = reader.integer('OAUTH_CODE_TTL', 60, 10, 600);
  const sessionTtl = reader.integer('OAUTH_SESSION_TTL', 1800, 60, 86_400);
  const requirePkce = reader.boolean('OAUTH_REQUIRE_PKCE', true);
  const store = readStore(reader);
  const registry = readRegistryConfig(reader, issuer, store, clients);
  refuseSubjectClash(reader, clients, users);
  const defaultLocale = reader.oneOf<Locale>('OAUTH_DEFAULT_LOCALE', 'en', SUPPORTED_LOCALES);
  const scopeDescriptions = readScopeDescriptions(reader);
  const publicKeys = await readKey(reader, 'OAUTH_PUBLIC_KEYS', false, importPublicKeys);
  return reader.finish({
    issuer,
    resources,
    sealKeys,
    clients,
    users,
    codeTtl,
    sessionTtl,
    requirePkce,
    defaultLocale,
    scopeDescriptions,
    publicKeys: publicKeys ?? [],
    store,
    registry,
  });
}

/**
 * RFC 9068 §5: a client_credentials token's `sub` is the client_id, so a user whose `sub` is also a
 * client_id would get tokens a resource server cannot tell from that client's own.
 */
function refuseSubjectClash(reader: EnvReader, clients: ClientRegistry, users: UserDirectory): void {
  const clientIds = [...clients.keys()];
  [...users.values()].forEach((user, i) => {
    const clash = clientIds.indexOf(user.sub);
    if (clash >= 0) {
      reader.report(
        `OAUTH_USERS[${i}].sub (the username when sub is not set) equals the client_id of OAUTH_CLIENTS[${clash}]: give the user another sub (RFC 9068 §5)`,
      );
    }
  });
}

export async function loadBusinessConfig(env: Env): Promise<Readonly<BusinessConfig>> {
  const reader = new EnvReader(env);
  const issuer = readIssuer(reader);
  const audience = reader.required('OAUTH_AUDIENCE') ?? '';
  const publicKeys = await readKey(reader, 'OAUTH_PUBLIC_KEYS', true, importPublicKeys);
  const clockTolerance = readTolerance(reader);
  const accessTokenTyp = reader.oneOf<AccessTokenTyp>('OAUTH_ACCESS_TOKEN_TYP', 'at+jwt', ['at+jwt', 'JWT']);
  const store = readStore(reader);
  const checkRevocation = readRevocationCheck(reader, store);
  const bearerCookie = reader.optional('OAUTH_BEARER_COOKIE');
  // RFC 6265 §4.1.1: a cookie name is a token.
  if (bearerCookie !== undefined && !(HTTP_TOKEN.test(bearerCookie) && bearerCookie.length <= 64)) {
    reader.report('OAUTH_BEARER_COOKIE must be a cookie name (1–64 token characters), e.g. id_token');
  }
  return reader.finish({
    issuer,
    audience,
    publicKeys: publicKeys ?? [],
    clockTolerance,
    accessTokenTyp,
    store,
    checkRevocation,
    ...(bearerCookie !== undefined ? { bearerCookie } : {}),
  });
}

/**
 * OAUTH_CHECK_REVOCATION: on by default when the store is Redis. A `memory` store is private to the
 * business function's instance and never learns of a revocation, so asking it would be a false promise.
 */
function readRevocationCheck(reader: EnvReader, store: string): boolean {
  const check = reader.boolean('OAUTH_CHECK_REVOCATION', store !== 'memory');
  if (check && store === 'memory') {
    reader.report(
      'OAUTH_CHECK_REVOCATION needs OAUTH_STORE to be the redis:// URL the token function uses (memory is per instance)',
    );
  }
  return check;
}
