// Rate limits in the store: fixed windows of counted events per key (a username, a caller address).
// Counting is one atomic increment, so every function instance sharing the store shares the limit.
import { createHash } from 'node:crypto';
import type { Limit } from './registry-config.ts';
import { type Store, storeKey } from './store/store.ts';

export type ThrottleKind = 'login-user' | 'login-ip' | 'register-ip';

export interface Throttle {
  /** Whether `id` has used up `limit` in its current window. */
  exhausted(kind: ThrottleKind, id: string, limit: Limit): Promise<boolean>;
  /** Counts one event for `id`; returns the count in the window, this one included. */
  count(kind: ThrottleKind, id: string, limit: Limit): Promise<number>;
}

/** The key of `id`: a digest, so any username or address gives a short key and none is stored as is. */
function throttleKey(kind: ThrottleKind, id: string): string {
  return storeKey('throttle', `${kind}:${createHash('sha256').update(id, 'utf8').digest('base64url')}`);
}

export function createThrottle(store: Store, now: () => number = Date.now): Throttle {
  return {
    async exhausted(kind, id, limit) {
      return Number((await store.get(throttleKey(kind, id))) ?? 0) >= limit.max;
    },
    count(kind, id, limit) {
      return store.increment(throttleKey(kind, id), Math.floor(now() / 1000) + limit.window);
    },
  };
}
