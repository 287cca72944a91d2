// `npm run serve` (infra/serve/cli.ts) in a child process with an explicit environment, on a free port.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../infra/net.ts';
import { ROOT } from './run.ts';

export interface ServeProcess {
  port: number;
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Spawns the server; `ready` is the text it prints once it listens (null: do not wait). */
export async function spawnServe(
  env: Record<string, string>,
  args: string[] = [],
  ready: string | null = 'serving on',
  port?: number,
): Promise<ServeProcess> {
  const chosen = port ?? (await freePort());
  let out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'infra/serve/cli.ts'), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PORT: String(chosen), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.setEncoding('utf8').on('data', (c: string) => {
    out += c;
  });
  child.stderr!.setEncoding('utf8').on('data', (c: string) => {
    out += c;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = Date.now();
  while (ready !== null && !out.includes(ready)) {
    if (Date.now() - started > 30_000 || child.exitCode !== null)
      throw new Error(`npm run serve did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port: chosen,
    child,
    output: () => out,
    exited,
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
