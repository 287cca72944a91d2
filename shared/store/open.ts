// Chooses the store from OAUTH_STORE: `memory`, or a redis:// / rediss:// URL.
import { MemoryStore } from './memory.ts';
import type { Store } from './store.ts';

export function openStore(location: string): Store {
  if (location === 'memory') return new MemoryStore();
  if (/^rediss?:\/\//.test(location)) {
    // The Redis client is three quarters of the token function's code: it is loaded only by a
    // deployment that uses it (the bundler emits it as a file of its own), starting now, at init.
    return deferStore(import('./redis.ts').then(({ RedisStore }) => new RedisStore(location)));
  }
  throw new TypeError('the store must be "memory" or a redis:// URL');
}

/** A store whose implementation is still loading: each call waits for it, then delegates. */
function deferStore(loading: Promise<Store>): Store {
  // A failed load surfaces on the first call that needs the store, not as an unhandled rejection.
  loading.catch(() => undefined);
  return {
    consumeOnce: async (key, expiresAt) => (await loading).consumeOnce(key, expiresAt),
    put: async (key, value, expiresAt) => (await loading).put(key, value, expiresAt),
    get: async (key) => (await loading).get(key),
    revoke: async (id, expiresAt) => (await loading).revoke(id, expiresAt),
    isRevoked: async (id) => (await loading).isRevoked(id),
    anyRecorded: async (check) => (await loading).anyRecorded(check),
    increment: async (key, expiresAt) => (await loading).increment(key, expiresAt),
    delete: async (key) => (await loading).delete(key),
    keys: async (prefix) => (await loading).keys(prefix),
    epoch: async () => (await loading).epoch(),
    close: async () => (await loading).close(),
  };
}
