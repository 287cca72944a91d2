// docs/endpoints.md: every console example, run against `npm start`, prints what the page shows.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../infra/net.ts';
import { matchesShown, readmeSteps } from '../support/readme.ts';
import { ROOT } from '../support/run.ts';

let child: ChildProcess;
let port: number;
let stdout = '';

beforeAll(async () => {
  port = await freePort();
  child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'infra/gateway/cli.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (c: string) => {
    stdout += c;
  };
  child.stdout!.setEncoding('utf8').on('data', collect);
  child.stderr!.setEncoding('utf8').on('data', collect);
  const started = Date.now();
  while (!stdout.includes('Local API Gateway listening on')) {
    if (Date.now() - started > 30_000 || child.exitCode !== null)
      throw new Error(`npm start failed:\n${stdout}`);
    await new Promise((r) => setTimeout(r, 100));
  }
});

afterAll(() => {
  child?.kill('SIGTERM');
});

describe('docs/endpoints.md against npm start', () => {
  it('every console example prints what the page shows', () => {
    const secret = /export CLIENT_SECRET=(\S+)/.exec(stdout)?.[1];
    expect(secret).toBeTruthy();
    const steps = readmeSteps('endpoints', 'docs/endpoints.md');
    expect(steps.length).toBeGreaterThanOrEqual(10);
    const script = steps
      .map(
        (s, i) => `echo "@@step ${i}"\n${s.command.replaceAll('127.0.0.1:8080', `127.0.0.1:${port}`)}\necho`,
      )
      .join('\n');
    const run = spawnSync('bash', ['-c', `set -u\n${script}`], {
      env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), CLIENT_SECRET: secret! },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.stderr).toBe('');
    const outputs = run.stdout.split(/^@@step \d+\n/m).slice(1);
    steps.forEach((step, i) => {
      const actual = outputs[i]!.split('\n')
        .filter((l) => l !== '')
        .map((l) => l.replaceAll(`127.0.0.1:${port}`, '127.0.0.1:8080'));
      expect(actual.length, step.command).toBe(step.expected.length);
      actual.forEach((line, j) => {
        expect(
          matchesShown(line, step.expected[j]!),
          `${step.command}\n  got:   ${line}\n  shown: ${step.expected[j]}`,
        ).toBe(true);
      });
    });
  });
});
