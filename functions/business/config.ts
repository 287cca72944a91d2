// The business function's configuration, read once from its environment at cold start.
import { readAccessTokenTyp, readAudience, readKey, readStore, readTolerance } from '../../shared/config.ts';
import { type Env, EnvReader, readIssuer } from '../../shared/env.ts';
import { HTTP_TOKEN } from '../../shared/http/web.ts';
import { importPublicKeys, type VerificationKey } from '../../shared/jwt/keys.ts';
import type { AccessTokenTyp } from '../../shared/jwt/sign.ts';

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

export async function loadBusinessConfig(env: Env): Promise<Readonly<BusinessConfig>> {
  const reader = new EnvReader(env);
  const issuer = readIssuer(reader);
  const audience = readAudience(reader);
  const publicKeys = await readKey(reader, 'OAUTH_PUBLIC_KEYS', true, importPublicKeys);
  const clockTolerance = readTolerance(reader);
  const accessTokenTyp = readAccessTokenTyp(reader);
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
