// Starts a throwaway redis-server on a free loopback port for a test, and stops it. Nothing is saved
// to disk. Without the binary a test may skip locally, but under CI=true it must fail.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { freePort } from '../../infra/net.ts';

export const REDIS_BINARY = process.env.REDIS_SERVER ?? 'redis-server';
const INSTALL_HINT = 'install it with "sudo apt-get install redis-server" (or set REDIS_SERVER to its path)';

export interface RedisServer {
  url: string;
  port: number;
  /** Stops the server (its data is gone). */
  stop(): Promise<void>;
  /** Stops and starts it again on the same port, empty, as after an outage. */
  restart(): Promise<void>;
  /** Stops it, leaving the port closed, until `start` is called. */
  pause(): Promise<void>;
  start(): Promise<void>;
}

/** Whether redis-server can run here; under CI=true a missing binary throws instead. */
export function redisAvailable(): boolean {
  const found = spawnSync(REDIS_BINARY, ['--version'], { stdio: 'ignore' }).status === 0;
  if (!found && process.env.CI === 'true') {
    throw new Error(`redis-server is required under CI but was not found: ${INSTALL_HINT}`);
  }
  if (!found) process.stderr.write(`Skipping the Redis tests: redis-server not found; ${INSTALL_HINT}\n`);
  return found;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(500);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) {
        socket.destroy();
        resolve(reply.startsWith('+PONG'));
      }
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    const proc = spawn(
      REDIS_BINARY,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child = proc;
    let exited = false;
    proc.once('exit', () => {
      exited = true;
    });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (exited) throw new Error(`redis-server exited at start (port ${port})`);
      if (await ping(port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    proc.kill('SIGKILL');
    throw new Error(`redis-server did not answer on port ${port} within 10 s`);
  }

  async function stop(): Promise<void> {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    });
  }

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    async restart() {
      await stop();
      await start();
    },
    pause: stop,
    start,
  };
}
