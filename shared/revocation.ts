// Revoked access tokens: their `jti` is recorded in the shared store until the token expires, so the
// token function (introspection) and the business function (when configured to ask) refuse them.
import { OAuthError } from './errors.ts';
import { type Store, StoreUnavailableError, storeKey } from './store/store.ts';

/** Denies the access token `jti` until `expiresAt` (Unix seconds). */
export function revokeAccessToken(store: Store, jti: string, expiresAt: number): Promise<void> {
  return store.revoke(storeKey('access', jti), expiresAt);
}

export function isAccessTokenRevoked(store: Store, jti: string): Promise<boolean> {
  return store.isRevoked(storeKey('access', jti));
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
