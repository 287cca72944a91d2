// `npm start` in a child process with a clean environment (development mode), on a free port, and
// the console walk-throughs of the docs run against it as written.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
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
