// Revocation in the shared store, and the owner of its keys: a revoked access token's `jti` is recorded
// until the token expires, so the token function (introspection) and the business function (when
// configured to ask) refuse it. A token from a grant with refresh tokens also carries the grant
// (`grant_id`, the family id): when the family is revoked (RFC 7009 §2.1 revocation of its refresh
// token, or a replayed code or refresh token), its refresh tokens and its access tokens are refused.
import { OAuthError } from './errors.ts';
import { invalidToken } from './http/bearer.ts';
import type { HttpRequest } from './http/web.ts';
import type { RequestLog } from './log.ts';
import type { Guard } from './resource-server/guard.ts';
import type { Auth } from './resource-server/types.ts';
import { type Store, StoreUnavailableError, storeKey } from './store/store.ts';

const accessTokenKey = (jti: string) => storeKey('access', jti);
const familyKey = (family: string) => storeKey('family', family);

/** Denies the access token `jti` until `expiresAt` (Unix seconds). */
export function revokeAccessToken(store: Store, jti: string, expiresAt: number): Promise<void> {
  return store.revoke(accessTokenKey(jti), expiresAt);
}

/** Revokes a grant: every refresh token of the family and every access token of the grant, until `until`. */
export function revokeFamily(store: Store, family: string, until: number): Promise<void> {
  return store.revoke(familyKey(family), until);
}

export function isFamilyRevoked(store: Store, family: string): Promise<boolean> {
  return store.isRevoked(familyKey(family));
}

/**
 * Whether the family was revoked or `keys` (e.g. its user's disabled record, `disabledKey`) hold a
 * value, asked in one round trip.
 */
export function isFamilyRevokedOrRecorded(
  store: Store,
  family: string,
  keys: readonly string[],
): Promise<boolean> {
  return store.anyRecorded({ revoked: [familyKey(family)], keys });
}

/** Whether the token's `jti`, or the grant it came from, was revoked: one round trip. */
export function isAccessTokenRevoked(
  store: Store,
  claims: { jti: string; grant_id?: string | undefined },
): Promise<boolean> {
  const revoked = [accessTokenKey(claims.jti)];
  if (claims.grant_id) revoked.push(familyKey(claims.grant_id));
  return store.anyRecorded({ revoked });
}

/**
 * Runs a step that needs the store; an unreachable store is a 503 with nothing half done, never a
 * silent "not revoked" (failing open would let a revoked token through).
 */
export async function requireStore<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (!(error instanceof StoreUnavailableError)) throw error;
    throw new OAuthError('temporarily_unavailable', 'the token store is unavailable; try again shortly', {
      cause: error,
      headers: { 'retry-after': '1' },
    });
  }
}

/**
 * The one check of a bearer request to the deployment's own resources (the business API, UserInfo):
 * the kit's guard (token, signature, claims, scope), then, when the store is shared, RFC 7009 §2
 * revocation. The reason of a refusal goes to the log, never to the caller.
 */
export async function authenticateBearer(
  guard: Guard,
  req: HttpRequest,
  log: RequestLog,
  store: Store | undefined,
  formToken?: string,
): Promise<Auth> {
  const auth = await guard.authenticate(req, log, formToken);
  if (store && (await requireStore(() => isAccessTokenRevoked(store, auth.claims)))) {
    log.detail = 'revoked';
    throw invalidToken();
  }
  return auth;
}
