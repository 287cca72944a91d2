// The shared state of the grants that must hold across function instances: single use, rotation and
// revocation. One small interface; `memory` serves one process, Redis serves a deployment.

/**
 * Every method is atomic on its own: two instances calling `consumeOnce` with the same key at the
 * same moment get exactly one `true`. Expiry times are Unix seconds; a record is kept until then and
 * may be forgotten after, so callers pass the expiry of the thing the record is about.
 *
 * Keys are namespaced by the caller (see `storeKey`): authorization codes, refresh tokens, refresh
 * token families, access-token `jti`s (revocation) and client-assertion `jti`s share one keyspace.
 */
export interface Store {
  /** Records `key` as used; `true` the first time only, `false` for every later call until expiry. */
  consumeOnce(key: string, expiresAt: number): Promise<boolean>;
  /** Stores `value` under `key` until `expiresAt` (replacing any earlier value). */
  put(key: string, value: string, expiresAt: number): Promise<void>;
  /** The value `put` stored, or undefined once it expired. */
  get(key: string): Promise<string | undefined>;
  /** Marks `id` (a token family, or a token `jti`) revoked until `expiresAt`. */
  revoke(id: string, expiresAt: number): Promise<void>;
  isRevoked(id: string): Promise<boolean>;
  /**
   * Unix seconds since which the store's records are complete. A single-use artefact (code, refresh
   * token) issued before then may have been used already in records the store has lost (a Redis
   * restart), so the grants refuse it rather than risk a second redemption.
   */
  epoch(): Promise<number>;
  close(): Promise<void>;
}

/** The store could not be reached or did not answer in time; grants needing it answer 503. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

export type StoreNamespace = 'code' | 'refresh' | 'family' | 'access' | 'assertion';

/** `<namespace>:<id>`: one keyspace, no collisions between purposes. */
export function storeKey(namespace: StoreNamespace, id: string): string {
  return `${namespace}:${id}`;
}
