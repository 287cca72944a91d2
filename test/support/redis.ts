// Starts a throwaway redis-server on a free loopback port for a test, and stops it. Nothing is saved
// to disk. Without the binary a test may skip locally, but under CI=true it must fail.
import { spawnSync } from 'node:child_process';
import { REDIS_BINARY } from '../../infra/redis-server.ts';

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
