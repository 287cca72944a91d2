// npm run deploy -- --dry-run on both profiles: every offline check runs, the plan names what each function
// and route would become, and docs/deploy.md shows exactly what the command prints.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDeploy } from '../../infra/deploy/cli.ts';
import { gatewayUrlIn, issuerOf, runComponents } from '../../infra/deploy/components.ts';
import { runCommand } from '../support/command.ts';
import { fakeCloudDeployEnv, realisticDeployEnv } from '../support/deploy-env.ts';
import { makeDeployRoot, PROJECT_ROOT } from '../support/deploy-root.ts';
import { matchesShown, readmeSteps } from '../support/readme.ts';

let root: string;
let removeRoot: () => void;
let env: Record<string, string>;

beforeAll(async () => {
  ({ root, remove: removeRoot } = await makeDeployRoot());
  env = await realisticDeployEnv();
});
afterAll(() => removeRoot());

async function dryRun(args: string[], overrides: Record<string, string> = {}) {
  return runCommand(runDeploy, [...args, '--dry-run'], {
    root,
    env: { ...env, ...overrides },
    skipBuild: true,
  });
}

const PROFILES = [[], ['--profile', 'function-url']] as const;

describe('deploy --dry-run', () => {
  for (const profile of PROFILES) {
    const name = profile.length === 0 ? 'components' : 'function-url';

    it(`${name}: prints, per function, what would be created or updated`, async () => {
      const run = await dryRun([...profile]);
      expect(run.err).toBe('');
      expect(run.code).toBe(0);
      expect(run.out).toContain(`Plan for profile ${name} in ap-guangzhou (nothing has been sent):`);
      for (const fn of ['authorize', 'business', 'token']) {
        expect(run.out).toMatch(new RegExp(`  function oauth-${fn} \\(functions/${fn}/serverless\\.yml`));
        expect(run.out).toMatch(new RegExp(`    code {6}dist/${fn} \\(index\\.js \\d+\\.\\d KB\\)`));
      }
      expect(run.out.match(/^ {4}runtime {3}Nodejs18\.15, \d+ MB, timeout \d+ s$/gm)).toHaveLength(3);
      expect(run.out.match(/^ {4}env {7}.* \(\d+ of 4096 bytes\)$/gm)).toHaveLength(3);
      // Names only: no value of a variable is printed.
      expect(run.out).not.toContain(env.OAUTH_SECRET!);
      expect(run.out).not.toContain(env.OAUTH_STORE!);
      expect(run.out).not.toContain(env.OAUTH_PRIVATE_KEY!.slice(30, 70));
    });

    it(`${name}: runs every offline check (OAUTH_USERS unset is refused before any plan)`, async () => {
      const run = await dryRun([...profile], { OAUTH_USERS: '' });
      expect(run.code).toBe(1);
      expect(run.out).toBe('');
      expect(run.err).toContain(`functions/authorize/serverless.yml: \${env:OAUTH_USERS} is not set`);
    });

    it(`${name}: refuses a function configuration its own parser refuses`, async () => {
      const run = await dryRun([...profile], { OAUTH_ISSUER: 'http://auth.example.com/' });
      expect(run.code).toBe(1);
      expect(run.err).toMatch(/OAUTH_ISSUER/);
    });

    it(`${name}: checks the region against TENCENTCLOUD_REGION`, async () => {
      const run = await dryRun([...profile], { TENCENTCLOUD_REGION: '' });
      expect(run.code).toBe(1);
      expect(run.err).toContain('TENCENTCLOUD_REGION is not set');
    });

    it(`${name}: warns when OAUTH_STORE leaves codes and revocations per instance`, async () => {
      const run = await dryRun([...profile], { OAUTH_STORE: '', OAUTH_CHECK_REVOCATION: 'false' });
      expect(run.code).toBe(0);
      expect(run.out).toContain('Warnings:\n  - OAUTH_STORE is not set: SCF runs several instances');
      expect((await dryRun([...profile])).out).not.toContain('Warnings:');
    });
  }

  it('components: requires the existing API Gateway service and shows it in the plan', async () => {
    const run = await dryRun([], { TENCENTCLOUD_APIGW_SERVICE_ID: '' });
    expect(run.code).toBe(1);
    expect(run.err).toContain('TENCENTCLOUD_APIGW_SERVICE_ID is not set. API Gateway sells no new services');
    expect((await dryRun(['--profile', 'function-url'], { TENCENTCLOUD_APIGW_SERVICE_ID: '' })).code).toBe(0);
  });

  it('function-url: a --domain that is no host name is refused with the other checks', async () => {
    const run = await dryRun(['--profile', 'function-url', '--domain', '*.example.com']);
    expect(run.code).toBe(1);
    expect(run.err).toContain('--domain must be a host name such as auth.example.com, got "*.example.com"');
  });

  it('docs/deploy.md shows what each dry run prints', async () => {
    const steps = readmeSteps('deploy-plan', 'docs/deploy.md');
    expect(steps.length).toBe(3);
    for (const step of steps) {
      const args = step.command.replace(/^npm run deploy -- /, '').split(' ');
      expect(args).toContain('--dry-run');
      // The last example is the one with OAUTH_STORE unset (and so no revocation checks).
      const overrides = step.expected.some((l) => l.includes('OAUTH_STORE is not set'))
        ? { OAUTH_STORE: '', OAUTH_CHECK_REVOCATION: 'false' }
        : {};
      const run = await runCommand(runDeploy, args, { root, env: { ...env, ...overrides }, skipBuild: true });
      expect(run.code, step.command).toBe(0);
      const lines = run.out.split('\n').filter((l) => l !== '');
      // A first line "…" stands for the lines before: the example shows the end of the output.
      const shown = step.expected[0] === '…' ? step.expected.slice(1) : step.expected;
      const actual = step.expected[0] === '…' ? lines.slice(-shown.length) : lines;
      expect(actual.length, step.command).toBe(shown.length);
      actual.forEach((line, i) => {
        expect(matchesShown(line, shown[i]!), `${step.command}\n  got:   ${line}\n  shown: ${shown[i]}`).toBe(
          true,
        );
      });
    }
  });
});

describe('the issuer after a components deploy', () => {
  it('is printed as docs/deploy.md shows it, without the trailing slash of the url output', async () => {
    const gateway = 'https://service-xxxxxxxx-1250000000.gz.apigw.tencentcs.com/release/';
    const run = await runCommand(runDeploy, [], {
      root,
      env: await fakeCloudDeployEnv(),
      skipBuild: true,
      runComponents: async () => gateway,
    });
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    const doc = readFileSync(join(PROJECT_ROOT, 'docs/deploy.md'), 'utf8');
    const shown = /```text\n(Deployed\. The gateway URL is [\s\S]*?)```/.exec(doc)![1]!;
    expect(run.out).toContain(shown);
    expect(run.out).toContain(
      'OAUTH_ISSUER is "https://service-abcd1234-1250000000.gz.apigw.tencentcs.com/release": set it to https://service-xxxxxxxx-1250000000.gz.apigw.tencentcs.com/release and deploy again',
    );
  });

  it('is the gateway url output without its trailing slash', () => {
    const printed =
      '\u001b[90murl:\u001b[39m        https://service-abcd1234-1250000000.gz.apigw.tencentcs.com/release/\n';
    const url = gatewayUrlIn(`serviceId: service-abcd1234\n${printed}`);
    expect(url).toBe('https://service-abcd1234-1250000000.gz.apigw.tencentcs.com/release/');
    expect(issuerOf(url!)).toBe('https://service-abcd1234-1250000000.gz.apigw.tencentcs.com/release');
    expect(gatewayUrlIn('functionName: oauth-token\n')).toBeUndefined();
  });

  it("is read from the last instance's output while the output passes through", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scf-oauth2-components-out-'));
    try {
      let out = '';
      const step = (text: string) => ({
        cwd: dir,
        command: process.execPath,
        args: ['-e', `process.stdout.write(${JSON.stringify(text)})`],
      });
      const url = await runComponents(dir, {}, (t) => (out += t), [
        step('functionName: oauth-token\n'),
        step('url:         https://service-abcd1234-1250000000.gz.apigw.tencentcs.com/release/\n'),
      ]);
      expect(url).toBe('https://service-abcd1234-1250000000.gz.apigw.tencentcs.com/release/');
      expect(out).toContain('functionName: oauth-token\n');
      expect(out).toContain('components deploy in .\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
