// Starts a throwaway redis-server on a free loopback port for a test, and stops it. Nothing is saved
// to disk. Without the binary a test may skip locally, but under CI=true it must fail.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { REDIS_BINARY, type RedisServer, startRedis } from '../../infra/redis-server.ts';
import { RedisStore, type RedisStoreOptions } from '../../shared/store/redis.ts';

export { REDIS_BINARY, type RedisServer, startRedis } from '../../infra/redis-server.ts';

const INSTALL_HINT = 'install it with "sudo apt-get install redis-server" (or set REDIS_SERVER to its path)';

/** Whether redis-server can run here; under CI=true a missing binary throws instead. */
export function redisAvailable(): boolean {
  const found = spawnSync(REDIS_BINARY, ['--version'], { stdio: 'ignore' }).status === 0;
  if (!found && process.env.CI === 'true') {
    throw new Error(`redis-server is required under CI but was not found: ${INSTALL_HINT}`);
  }
  if (!found) process.stderr.write(`Skipping the Redis tests: redis-server not found; ${INSTALL_HINT}\n`);
  return found;
}

export interface FileRedis {
  /** Whether the file's Redis tests run (redis-server is installed). */
  available: boolean;
  /** The server's URL, once the file's tests have started. */
  url(): string;
  /** A store on it (or on `url`), with a key prefix of its own unless given one; closed after the file. */
  store(options?: RedisStoreOptions & { url?: string }): RedisStore;
}

/**
 * For one test file: a redis-server started before its tests and stopped after them, when one is
 * installed, and every store the file opens through `store` closed before it stops.
 */
export function redisForFile(): FileRedis {
  const available = redisAvailable();
  let server: RedisServer | undefined;
  const opened: RedisStore[] = [];
  beforeAll(async () => {
    if (available) server = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
    await server?.stop();
  });
  const url = () => {
    if (!server) throw new Error('the Redis server of this file is not running');
    return server.url;
  };
  return {
    available,
    url,
    store({ url: at, ...options } = {}) {
      const store = new RedisStore(at ?? url(), {
        keyPrefix: `t${randomBytes(4).toString('hex')}:`,
        ...options,
      });
      opened.push(store);
      return store;
    },
  };
}
