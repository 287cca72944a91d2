// `npm start` in a child process with a clean environment (development mode), on a free port, and
// the console walk-throughs of the docs run against it as written.
import { type ChildProcess, type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { freePort } from '../../infra/net.ts';
import { type ConsoleStep, matchesShown } from './readme.ts';
import { ROOT } from './run.ts';

export interface NpmStart {
  port: number;
  /** Everything it printed so far. */
  output(): string;
  stop(): void;
}

/** `args` go after `npm start --`, e.g. `['--profile', 'function-url']`. */
/** `env` adds variables (none of the four that switch the development configuration off). */
export async function startNpmStart(
  args: readonly string[] = [],
  env: Readonly<Record<string, string>> = {},
): Promise<NpmStart> {
  const port = await freePort();
  let out = '';
  // No OAUTH_* variables: the development configuration is generated.
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'infra/gateway/cli.ts'), ...args],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', PORT: String(port), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const collect = (c: string) => {
    out += c;
  };
  child.stdout!.setEncoding('utf8').on('data', collect);
  child.stderr!.setEncoding('utf8').on('data', collect);
  const started = Date.now();
  while (!out.includes('Local API Gateway listening on')) {
    if (Date.now() - started > 30_000 || child.exitCode !== null)
      throw new Error(`npm start failed:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { port, output: () => out, stop: () => child.kill('SIGTERM') };
}

/** The client secret the development banner printed. */
export function printedSecret(server: NpmStart): string {
  const secret = /export CLIENT_SECRET=(\S+)/.exec(server.output())?.[1];
  if (!secret) throw new Error('npm start printed no CLIENT_SECRET');
  return secret;
}

/** The demo user's password the development banner printed. */
export function printedPassword(server: NpmStart): string {
  const password = /user {11}demo \/ (\S+)/.exec(server.output())?.[1];
  if (!password) throw new Error('npm start printed no password for demo');
  return password;
}

/**
 * Whether the shell tools a doc's walk-through runs are installed. Under CI=true a missing one is a
 * failure, never a skip; elsewhere the walk-through (`title`) is skipped with how to install them.
 */
export function walkthroughToolsAvailable(
  title: string,
  tools: readonly string[] = ['curl', 'openssl', 'sed'],
) {
  const missing = tools.filter((t) => spawnSync(t, ['--version'], { stdio: 'ignore' }).error !== undefined);
  if (missing.length === 0) return true;
  const message = `the walk-through needs ${missing.join(', ')}: install with "sudo apt-get install ${missing.join(' ')}"`;
  if (process.env.CI === 'true') throw new Error(message);
  process.stderr.write(`Skipping ${title}: ${message}\n`);
  return false;
}

/** A doc's walk-through against `npm start`: the server, and its scripts run in a scratch directory. */
export interface Walkthrough {
  readonly server: NpmStart;
  /** Runs `script` with `bash -c 'set -eu …'` in the scratch directory, which is also its HOME. */
  run(script: string): SpawnSyncReturns<string>;
}

/** Called in a describe: before its tests, `npm start` and a scratch directory named `prefix…`; after, both gone. */
export function useWalkthrough(prefix: string): Walkthrough {
  let server: NpmStart | undefined;
  let workdir: string | undefined;
  beforeAll(async () => {
    workdir = mkdtempSync(join(tmpdir(), prefix));
    server = await startNpmStart();
  });
  afterAll(() => {
    server?.stop();
    if (workdir) rmSync(workdir, { recursive: true, force: true });
  });
  return {
    get server() {
      if (!server) throw new Error('npm start is not started');
      return server;
    },
    run(script) {
      return spawnSync('bash', ['-c', `set -eu\n${script}`], {
        cwd: workdir,
        env: { PATH: process.env.PATH ?? '', HOME: workdir },
        encoding: 'utf8',
        timeout: 60_000,
      });
    },
  };
}

/**
 * Runs `$ command` steps in one bash session against the server (the docs say port 8080) and checks
 * each prints the lines shown under it.
 */
export function expectStepsPrintWhatIsShown(
  steps: readonly ConsoleStep[],
  server: NpmStart,
  /** CLIENT_SECRET for the steps; by default the one `npm start` printed. */
  secret?: string,
): void {
  const here = `127.0.0.1:${server.port}`;
  const script = steps
    .map((s, i) => `echo "@@step ${i}"\n${s.command.replaceAll('127.0.0.1:8080', here)}\necho`)
    .join('\n');
  const run = spawnSync('bash', ['-c', `set -u\n${script}`], {
    env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), CLIENT_SECRET: secret ?? printedSecret(server) },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.stderr).toBe('');
  const outputs = run.stdout.split(/^@@step \d+\n/m).slice(1);
  steps.forEach((step, i) => {
    const actual = outputs[i]!.split('\n')
      .filter((l) => l !== '')
      .map((l) => l.replaceAll(here, '127.0.0.1:8080'));
    expect(actual.length, step.command).toBe(step.expected.length);
    actual.forEach((line, j) => {
      expect(
        matchesShown(line, step.expected[j]!),
        `${step.command}\n  got:   ${line}\n  shown: ${step.expected[j]}`,
      ).toBe(true);
    });
  });
}
