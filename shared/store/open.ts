// Chooses the store from OAUTH_STORE: `memory`, or a redis:// / rediss:// URL.
import { MemoryStore } from './memory.ts';
import { RedisStore } from './redis.ts';
import type { Store } from './store.ts';

export function openStore(location: string): Store {
  if (location === 'memory') return new MemoryStore();
  if (/^rediss?:\/\//.test(location)) return new RedisStore(location);
  throw new TypeError('the store must be "memory" or a redis:// URL');
}
