// `npm ci && npm start` then the README's curl lines give what the README shows.
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
  // A clean environment: no OAUTH_* variables, so the development configuration is generated.
  child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'infra/gateway/cli.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
  });
  child.stderr!.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
  });
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

describe('README walk-through against npm start', () => {
  it('prints the development warning, the demo client and where it listens', () => {
    expect(stdout).toContain('DEVELOPMENT ONLY');
    expect(stdout).toMatch(/client_id {6}demo-client/);
    expect(stdout).toContain(`Local API Gateway listening on http://127.0.0.1:${port}`);
  });

  it('every command prints what the README shows', () => {
    const secret = /export CLIENT_SECRET=(\S+)/.exec(stdout)?.[1];
    expect(secret).toBeTruthy();
    const steps = readmeSteps('walkthrough');
    expect(steps.length).toBeGreaterThanOrEqual(5);
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
      const actual = outputs[i]!.split('\n').filter((l) => l !== '');
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
