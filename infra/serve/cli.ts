// npm run serve [-- --workers N]: the production HTTP server (infra/serve/server.ts) on $HOST:$PORT
// (default 127.0.0.1:8080, for a reverse proxy in front). With N > 1, N processes (node:cluster)
// share the port and must share their state: OAUTH_STORE=redis://… is then required. SIGTERM or
// SIGINT: stop taking requests, finish those in flight, close the store, exit 0.
import cluster from 'node:cluster';
import { resolve } from 'node:path';
import { type CommandIo, readArgs } from '../deploy/console.ts';
import { checkServeConfig, ServeConfigError, startServer } from './server.ts';

const USAGE = `Usage: npm run serve [-- --workers N]

Serves every function (serverless.yml's routes) on $HOST:$PORT (default 127.0.0.1:8080), plus
GET /healthz. Each function gets only the variables its serverless.yml names, from this process's
environment; nothing is generated: the server refuses to start while a variable is missing.

  --workers N   N processes sharing the port (default 1); N > 1 needs OAUTH_STORE=redis://…`;

/** The checks made before anything listens; each problem names its variable. */
export function readServeSettings(
  env: Readonly<Record<string, string | undefined>>,
  workersText: string,
): { host: string; port: number; workers: number; problems: string[] } {
  const problems: string[] = [];
  const portText = env.PORT || '8080';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65_535)
    problems.push(`PORT must be an integer 1–65535, got "${portText}"`);
  const host = env.HOST || '127.0.0.1';
  const workers = Number(workersText);
  if (!/^\d+$/.test(workersText) || workers < 1 || workers > 64)
    problems.push(`--workers must be an integer 1–64, got "${workersText}"`);
  else if (workers > 1 && !/^rediss?:\/\//.test(env.OAUTH_STORE ?? '')) {
    // Each process's memory store is its own: a code issued by one would be unknown to another,
    // a refresh token could be used once per process, a revocation seen by one process only.
    problems.push(
      `OAUTH_STORE must be a redis:// or rediss:// URL when --workers is more than 1 (got ${env.OAUTH_STORE ? 'a memory store' : 'none'}): the workers share no memory`,
    );
  }
  return { host, port, workers, problems };
}

export async function main(argv: string[], io: CommandIo): Promise<number> {
  const args = readArgs({ args: argv, options: { workers: { type: 'string', default: '1' } } }, USAGE, io);
  if (typeof args === 'number') return args;
  const settings = readServeSettings(io.env, args.values.workers);
  const problems = [...settings.problems];
  try {
    problems.push(...(await checkServeConfig(io)));
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
  }
  if (problems.length > 0) {
    io.err(`${new ServeConfigError(problems).message}\n`);
    return 1;
  }
  if (settings.workers === 1) return serveHere(io, settings);
  return superviseWorkers(io, settings.workers);
}

/** One server in this process, until SIGTERM or SIGINT. */
async function serveHere(io: CommandIo, settings: { host: string; port: number }): Promise<number> {
  const running = await startServer({ root: io.root, env: io.env, ...settings });
  io.out(`serving on ${running.url} (pid ${process.pid})\n`);
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      running.close().then(done, (error: unknown) => {
        io.err(`shutdown: ${error instanceof Error ? error.message : String(error)}\n`);
        done();
      });
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  io.out(`stopped (pid ${process.pid})\n`);
  return 0;
}

/** Forks the workers, replaces one that dies, and on SIGTERM or SIGINT stops them all gracefully. */
async function superviseWorkers(io: CommandIo, count: number): Promise<number> {
  let stopping = false;
  const fork = () => cluster.fork();
  for (let i = 0; i < count; i++) fork();
  cluster.on('exit', (worker, code) => {
    if (stopping) return;
    io.err(`worker ${worker.process.pid} exited with code ${code}; starting another\n`);
    fork();
  });
  io.out(`${count} workers (primary pid ${process.pid})\n`);
  await new Promise<void>((done) => {
    const stop = () => {
      stopping = true;
      const alive = Object.values(cluster.workers ?? {}).filter((w) => w && !w.isDead());
      if (alive.length === 0) done();
      let left = alive.length;
      for (const worker of alive) {
        worker!.once('exit', () => {
          if (--left === 0) done();
        });
        worker!.process.kill('SIGTERM');
      }
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  io.out('all workers stopped\n');
  return 0;
}

const io: CommandIo = {
  root: resolve('.'),
  env: process.env,
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

if (cluster.isWorker) {
  // A worker: the primary has checked the configuration; it serves until the primary says stop.
  const settings = readServeSettings(process.env, '1');
  serveHere(io, settings).then(
    (code) => process.exit(code),
    (error: unknown) => {
      io.err(`${error instanceof ServeConfigError ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
} else if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.dirname, 'cli.ts')) {
  process.exitCode = await main(process.argv.slice(2), io);
}
