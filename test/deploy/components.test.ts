// npm run deploy (Serverless Components profile): the plan, the CLI's environment, and the offline check
// that runs before anything is sent.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDeploy } from '../../infra/deploy/cli.ts';
import {
  COMPONENTS_PACKAGE,
  componentsEnv,
  componentsPlan,
  NO_VALIDATION,
} from '../../infra/deploy/components.ts';
import { functionInstanceFiles } from '../../infra/serverless/project.ts';
import { runCommand } from '../support/command.ts';
import { realisticDeployEnv } from '../support/deploy-env.ts';
import { makeDeployRoot, PROJECT_ROOT } from '../support/deploy-root.ts';

async function deploy(root: string, argv: string[], env: Record<string, string>) {
  return runCommand(runDeploy, argv, {
    root,
    env,
    skipBuild: true,
  });
}

describe('deploy --profile components', () => {
  let env: Record<string, string>;
  let copy: string;
  /** A project root with the bundles built, as `npm run deploy` has it after its build step. */
  let built: string;
  let removeBuilt: () => void;
  beforeAll(async () => {
    env = await realisticDeployEnv();
    ({ root: built, remove: removeBuilt } = await makeDeployRoot());
    copy = mkdtempSync(join(tmpdir(), 'scf-oauth2-components-'));
    cpSync(join(PROJECT_ROOT, 'serverless.yml'), join(copy, 'serverless.yml'));
    for (const f of functionInstanceFiles(PROJECT_ROOT)) {
      cpSync(f, join(copy, f.slice(PROJECT_ROOT.length + 1)), { recursive: true });
    }
  });
  afterAll(() => {
    rmSync(copy, { recursive: true, force: true });
    removeBuilt();
  });

  it('deploys every function instance folder before the gateway at the root', () => {
    const plan = componentsPlan(PROJECT_ROOT);
    expect(plan.map((s) => s.cwd)).toEqual([
      ...functionInstanceFiles(PROJECT_ROOT).map((f) => f.slice(0, -'/serverless.yml'.length)),
      PROJECT_ROOT,
    ]);
    const args = ['--yes', '--package', COMPONENTS_PACKAGE, 'components', 'deploy'];
    for (const step of plan) expect(step.command).toBe('npx');
    // The scf schema stops at Nodejs16.13: the function instances skip the engine's validation (our
    // offline check validates them); the gateway instance keeps it.
    expect(plan.map((s) => s.args)).toEqual([
      ...functionInstanceFiles(PROJECT_ROOT).map(() => [...args, NO_VALIDATION]),
      args,
    ]);
  });

  it('gives the CLI the Tencent vendor and the credentials under the names it reads', () => {
    const e = componentsEnv({
      TENCENTCLOUD_SECRET_ID: 'id',
      TENCENTCLOUD_SECRET_KEY: 'key',
      OAUTH_ISSUER: 'x',
    });
    expect(e).toMatchObject({
      SERVERLESS_PLATFORM_VENDOR: 'tencent',
      TENCENT_SECRET_ID: 'id',
      TENCENT_SECRET_KEY: 'key',
      OAUTH_ISSUER: 'x',
    });
  });

  it('--dry-run checks the configuration and prints the plan', async () => {
    const run = await deploy(built, ['--dry-run'], env);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toContain(
      `    action    npx --yes --package ${COMPONENTS_PACKAGE} components deploy --noValidation (in functions/token)`,
    );
    expect(run.out).toContain(
      `    action    npx --yes --package ${COMPONENTS_PACKAGE} components deploy (in .)`,
    );
    expect(run.out).toContain(
      `  API Gateway service ${env.TENCENTCLOUD_APIGW_SERVICE_ID} (serverless.yml, apigateway instance oauth-gateway), reused, environment release`,
    );
    expect(run.out).toMatch(
      / {4}GET \/work +→ oauth-business +OAuth 2\.0 business API, tied to POST \/token\n/,
    );
    expect(run.out.trim().split('\n').at(-1)).toBe('Dry run: every check passed; nothing was deployed.');
  });

  it('refuses to deploy a configuration the checks reject, listing every problem', async () => {
    const file = join(copy, 'serverless.yml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('tokenLocation: authorization', 'tokenLocation: header'),
    );
    const run = await deploy(copy, ['--dry-run'], env);
    expect(run.code).toBe(1);
    expect(run.err).toContain('the deploy configuration has problems:');
    expect(run.err).toContain('oauthConfig.tokenLocation must be one of authorization, cookie, got "header"');
  });

  it('names a missing credential before running the CLI', async () => {
    const run = await deploy(built, [], env);
    expect(run.code).toBe(1);
    expect(run.err).toContain('TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY are not set');
  });

  it('refuses an unknown profile and options of the other profile', async () => {
    expect((await deploy(PROJECT_ROOT, ['--profile', 'gateway'], env)).code).toBe(2);
    const run = await deploy(PROJECT_ROOT, ['--domain', 'auth.example.com'], env);
    expect(run.code).toBe(2);
    expect(run.err).toContain('--domain and --certificate-id belong to --profile function-url');
  });
});
