// The shared state of the grants that must hold across function instances: single use, rotation and
// revocation. One small interface; `memory` serves one process, Redis serves a deployment.

/**
 * Every method is atomic on its own: two instances calling `consumeOnce` with the same key at the
 * same moment get exactly one `true`. Expiry times are Unix seconds; a record is kept until then and
 * may be forgotten after, so callers pass the expiry of the thing the record is about.
 *
 * Keys are namespaced (see `storeKey`), and each kind of key is built by one function, in the module
 * that owns its records (listed at `StoreNamespace`).
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
   * Whether any of `revoked` is revoked or any of `keys` holds a value, asked in one round trip: the
   * checks a request makes together (a token's jti and its grant; a grant and its user) cost one.
   */
  anyRecorded(check: RecordCheck): Promise<boolean>;
  /**
   * Adds one to the counter at `key` and returns the new count. The first increment creates it with
   * expiry `expiresAt`; later ones keep that expiry (a fixed window, for rate limits).
   */
  increment(key: string, expiresAt: number): Promise<number>;
  /** Forgets `key` (a registry entry removed). */
  delete(key: string): Promise<void>;
  /** The keys (without any store-wide prefix) that start with `prefix`, in no particular order. */
  keys(prefix: string): Promise<string[]>;
  /**
   * Unix seconds since which the store's records are complete. A single-use artefact (code, refresh
   * token) issued before then may have been used already in records the store has lost (a Redis
   * restart), so the grants refuse it rather than risk a second redemption.
   */
  epoch(): Promise<number>;
  close(): Promise<void>;
}

/** What `Store.anyRecorded` asks about: revoked ids (as `revoke` takes them) and keys (as `put` does). */
export interface RecordCheck {
  revoked?: readonly string[];
  keys?: readonly string[];
}

/** The store could not be reached or did not answer in time; grants needing it answer 503. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

/** Every kind of record in the store, by the module that owns its keys. */
export type StoreNamespace =
  // Single use: redeemed authorization codes (functions/token/grant-authorization-code.ts), spent
  // refresh tokens (functions/token/refresh-family.ts), used client assertions
  // (functions/token/client-assertion.ts).
  | 'code'
  | 'refresh'
  | 'assertion'
  // Revocation (shared/revocation.ts): revoked access tokens and refresh-token families (grants).
  | 'access'
  | 'family'
  // The registry (shared/registry.ts): clients, users, the subject index, and disabled subjects.
  | 'client'
  | 'user'
  | 'subject'
  | 'disabled'
  // Rate limits (shared/throttle.ts) and fetched client metadata documents (shared/client-metadata.ts).
  | 'throttle'
  | 'cimd';

/** Where both stores keep the revocation of `id` (itself a namespaced key, e.g. `family:…`). */
export function revokedKey(id: string): string {
  return `revoked:${id}`;
}

/** Expiry of records that live until they are removed (year 9999). */
export const NEVER_EXPIRES = 253_402_300_799;

/** `<namespace>:<id>`: one keyspace, no collisions between purposes. */
export function storeKey(namespace: StoreNamespace, id: string): string {
  return `${namespace}:${id}`;
}
