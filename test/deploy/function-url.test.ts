// npm run deploy -- --profile function-url against a local fake of the Tencent Cloud API: the real SDK
// signs and sends every request; the fake verifies them and keeps state.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listFunctions } from '../../infra/build/bundle.ts';
import { runDeploy } from '../../infra/deploy/cli.ts';
import { deriveFunctionKeys } from '../../infra/keys/function-keys.ts';
import { loadProject } from '../../infra/serverless/project.ts';
import { runBundle } from '../support/bundles.ts';
import { runCommand } from '../support/command.ts';
import { fakeCloudDeployEnv } from '../support/deploy-env.ts';
import { makeDeployRoot, PROJECT_ROOT } from '../support/deploy-root.ts';
import { FakeTencentCloud, SCF_CNAME_TARGET, TEST_CREDENTIALS } from '../support/fake-tencent-cloud.ts';

let cloud: FakeTencentCloud;
let root: string;
let removeRoot: () => void;
let env: Record<string, string>;

async function deploy(args: string[], overrides: Record<string, string> = {}) {
  return runCommand(runDeploy, ['--profile', 'function-url', ...args], {
    root,
    env: { ...env, ...overrides },
    endpoint: cloud.endpoint,
    pollMs: 0,
    skipBuild: true,
  });
}

const functionNames = () => loadProject(root, { env, lenient: true }).functions.map((f) => f.functionName);

beforeAll(async () => {
  ({ root, remove: removeRoot } = await makeDeployRoot());
  env = await fakeCloudDeployEnv();
});
afterAll(() => removeRoot());

describe('deploy --profile function-url', () => {
  beforeEach(async () => {
    await cloud?.close();
    cloud = await new FakeTencentCloud().start();
  });
  afterAll(() => cloud.close());

  it('first deploy creates each function, waits for it, gives it a function URL and prints the URLs', async () => {
    const run = await deploy([]);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(cloud.refused).toEqual([]);
    const perFunction = ['CreateFunction', 'GetFunction', 'GetFunction', 'ListTriggers', 'CreateTrigger'];
    // Every function is looked up before the first change (its runtime cannot change).
    expect(cloud.sequence()).toEqual([
      ...functionNames().map(() => 'scf.GetFunction'),
      ...functionNames().flatMap(() => perFunction.map((a) => `scf.${a}`)),
    ]);
    expect(
      cloud.calls.filter((c) => c.action === 'CreateFunction').map((c) => c.params.FunctionName),
    ).toEqual(functionNames());

    for (const fn of loadProject(root, { env }).functions) {
      const deployed = cloud.functions.get(`default/${fn.functionName}`)!;
      expect(deployed).toMatchObject({
        Runtime: 'Nodejs18.15',
        Handler: 'index.main_handler',
        Status: 'Active',
      });
      // Each function gets exactly the variables its own serverless.yml declares (optional ones left
      // empty are not sent).
      const declared = Object.fromEntries(Object.entries(fn.environment).filter(([, v]) => v !== ''));
      expect(cloud.env(fn.functionName)).toEqual(declared);
      expect(deployed.files.get('index.js')).toEqual(readFileSync(join(fn.src, 'index.js')));
      const url = JSON.parse(cloud.triggers.find((t) => t.FunctionName === fn.functionName)!.TriggerDesc)
        .NetConfig.ExtranetUrl as string;
      expect(run.out).toContain(`${fn.functionName}`);
      expect(run.out).toContain(url);
    }
    expect(cloud.env('oauth-business')).not.toHaveProperty('OAUTH_PRIVATE_KEY');
    // Least privilege: no function gets OAUTH_SECRET; each gets the keys derived for its purposes.
    const derived = deriveFunctionKeys(env);
    for (const name of functionNames()) expect(cloud.env(name)).not.toHaveProperty('OAUTH_SECRET');
    expect(cloud.env('oauth-authorize')).not.toHaveProperty('OAUTH_REFRESH_TOKEN_KEY');
    expect(cloud.env('oauth-authorize').OAUTH_CODE_KEY).toBe(derived.OAUTH_CODE_KEY);
    expect(cloud.env('oauth-token').OAUTH_CODE_KEY).toBe(derived.OAUTH_CODE_KEY);
    expect(cloud.env('oauth-token').OAUTH_REFRESH_TOKEN_KEY).toBe(derived.OAUTH_REFRESH_TOKEN_KEY);
    expect(cloud.env('oauth-token')).not.toHaveProperty('OAUTH_SESSION_KEY');
    // The token function's zip carries its vendor file (ioredis) beside index.js.
    expect([...cloud.functions.get('default/oauth-token')!.files.keys()]).toContain('vendor/ioredis.js');
    expect(run.out).toMatch(/POST\s+https:\/\/1250000000-[0-9a-f]+\.ap-guangzhou\.tencentscf\.com\/token/);
    // No secret is printed.
    expect(run.out).not.toContain(env.OAUTH_PRIVATE_KEY!.slice(0, 40));
    expect(run.out).not.toContain(TEST_CREDENTIALS.secretKey);
  });

  it('second deploy updates code then configuration, reuses the function URLs and creates nothing', async () => {
    await deploy([]);
    const urls = cloud.triggers.map((t) => t.TriggerDesc);
    cloud.calls.length = 0;
    const audience = `${env.OAUTH_ISSUER}/work-v2`;
    const run = await deploy([], { OAUTH_AUDIENCE: audience });
    expect(run.code).toBe(0);
    const perFunction = [
      'UpdateFunctionCode',
      'GetFunction',
      'GetFunction',
      'UpdateFunctionConfiguration',
      'GetFunction',
      'GetFunction',
      'ListTriggers',
    ];
    expect(cloud.sequence()).toEqual([
      ...functionNames().map(() => 'scf.GetFunction'),
      ...functionNames().flatMap(() => perFunction.map((a) => `scf.${a}`)),
    ]);
    expect(cloud.triggers.map((t) => t.TriggerDesc)).toEqual(urls);
    expect(cloud.functions.size).toBe(functionNames().length);
    expect(cloud.env('oauth-business').OAUTH_AUDIENCE).toBe(audience);
    expect(run.out).toContain('(updated)');
  });

  it('routes the contract paths of a custom domain to the functions, created once then updated', async () => {
    cloud.cnames.set('auth.example.com', SCF_CNAME_TARGET);
    const first = await deploy(['--domain', 'auth.example.com', '--certificate-id', 'cert-abc123']);
    expect(first.code).toBe(0);
    const domain = cloud.domains.get('auth.example.com') as {
      Protocol: string;
      EndpointsConfig: { FunctionName: string; PathMatch: string; Qualifier: string }[];
    };
    expect(domain.Protocol).toBe('HTTPS');
    const routes = Object.fromEntries(domain.EndpointsConfig.map((e) => [e.PathMatch, e.FunctionName]));
    expect(routes).toMatchObject({
      '/token': 'oauth-token',
      '/introspect': 'oauth-token',
      '/revoke': 'oauth-token',
      '/.well-known/*': 'oauth-token',
      '/work': 'oauth-business',
    });
    expect(first.out).toContain('POST  https://auth.example.com/token');
    cloud.calls.length = 0;
    const second = await deploy(['--domain', 'auth.example.com', '--certificate-id', 'cert-abc123']);
    expect(second.code).toBe(0);
    expect(cloud.sequence().slice(-2)).toEqual(['scf.GetCustomDomain', 'scf.UpdateCustomDomain']);
  });

  it('creates a custom domain SCF does not know yet (GetCustomDomain: FailedOperation.Domain.UnExist)', async () => {
    cloud.cnames.set('auth.example.com', SCF_CNAME_TARGET);
    const run = await deploy(['--domain', 'auth.example.com', '--certificate-id', 'cert-abc123']);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(cloud.sequence().slice(-2)).toEqual(['scf.GetCustomDomain', 'scf.CreateCustomDomain']);
    expect(run.out).toContain(`Custom domain: https://auth.example.com (created)`);
    expect(run.out).toContain(`DNS: auth.example.com CNAME ${SCF_CNAME_TARGET}`);
  });

  it('names the CNAME target when SCF refuses a domain whose CNAME does not point at it', async () => {
    const run = await deploy(['--domain', 'auth.example.com', '--certificate-id', 'cert-abc123']);
    expect(run.code).toBe(1);
    expect(cloud.sequence().at(-1)).toBe('scf.CreateCustomDomain');
    expect(run.err).toContain('CreateCustomDomain failed: FailedOperation.CNAME');
    expect(run.err).toContain(
      `point the DNS CNAME record of auth.example.com at ${SCF_CNAME_TARGET}, wait for it to resolve, and deploy again`,
    );
  });

  it('never sends Runtime in UpdateFunctionConfiguration: SCF sets it at creation only', async () => {
    await deploy([]);
    cloud.calls.length = 0;
    expect((await deploy([])).code).toBe(0);
    const updates = cloud.calls.filter((c) => c.action === 'UpdateFunctionConfiguration');
    expect(updates.length).toBe(functionNames().length);
    for (const u of updates) expect(u.params).not.toHaveProperty('Runtime');
  });

  it('stops before changing anything when a deployed function has another runtime, and says why', async () => {
    await deploy([]);
    cloud.functions.get('default/oauth-business')!.Runtime = 'Nodejs16.13';
    cloud.calls.length = 0;
    const run = await deploy([]);
    expect(run.code).toBe(1);
    expect(run.err).toContain(
      'oauth-business runs Nodejs16.13 in the cloud, and functions/business/serverless.yml asks for Nodejs18.15',
    );
    expect(run.err).toContain('SCF sets a runtime when it creates a function and cannot change it');
    expect(cloud.sequence()).toEqual(functionNames().map(() => 'scf.GetFunction'));
  });

  it('waits for the function URL when the CreateTrigger reply carries none yet', async () => {
    cloud.functionUrlDelay = 2;
    const run = await deploy([]);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    for (const t of cloud.triggers) {
      expect(run.out).toContain(JSON.parse(t.TriggerDesc).NetConfig.ExtranetUrl);
    }
    expect(cloud.sequence().filter((a) => a === 'scf.ListTriggers').length).toBe(functionNames().length * 3);
  });

  it('gives up on a function URL that never appears, naming the function', async () => {
    cloud.functionUrlDelay = 1000;
    const run = await deploy([]);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/the http trigger of oauth-\w+ shows no ExtranetUrl after \d+ looks/);
  });

  it('reports the cloud refusing a call by action, code and request id, and stops there', async () => {
    cloud.failNext('CreateFunction', 'LimitExceeded.Function', 'The number of functions exceeds the limit.');
    const run = await deploy([]);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(
      /^deploy failed: CreateFunction failed: LimitExceeded\.Function: The number of functions exceeds the limit\. \(RequestId [0-9a-f-]{36}\)\n$/,
    );
    expect(cloud.sequence()).toEqual([...functionNames().map(() => 'scf.GetFunction'), 'scf.CreateFunction']);
  });

  it('reports a signature the cloud refuses (wrong secret key) without printing the key', async () => {
    const wrong = 'wrong-secret-key-0123456789';
    const run = await deploy([], { TENCENTCLOUD_SECRET_KEY: wrong });
    expect(run.code).toBe(1);
    expect(run.err).toContain('GetFunction failed: AuthFailure.SignatureFailure');
    expect(run.err).not.toContain(wrong);
    expect(cloud.refused).toEqual(['AuthFailure.SignatureFailure']);
  });

  it('names every missing credential variable', async () => {
    const run = await deploy([], { TENCENTCLOUD_SECRET_ID: '', TENCENTCLOUD_SECRET_KEY: ' ' });
    expect(run.code).toBe(1);
    expect(run.err).toContain('TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY are not set');
    expect(cloud.calls).toEqual([]);
  });

  it('names a missing region before calling the cloud: TENCENTCLOUD_REGION is the one region setting', async () => {
    const run = await deploy([], { TENCENTCLOUD_REGION: ' ' });
    expect(run.code).toBe(1);
    expect(run.err).toBe(
      'the deploy configuration has problems:\n  - TENCENTCLOUD_REGION is not set: the region every function deploys to, e.g. ap-guangzhou (set in .env)\n',
    );
    expect(cloud.calls).toEqual([]);
  });

  it('names a function variable that is not set before calling the cloud', async () => {
    const run = await deploy([], { OAUTH_PUBLIC_KEYS: '' });
    expect(run.code).toBe(1);
    expect(run.err).toContain(`functions/business/serverless.yml: \${env:OAUTH_PUBLIC_KEYS} is not set`);
    expect(cloud.calls).toEqual([]);
  });

  it('the deployed code answers function-URL events: a token from /token is accepted by /work', async () => {
    await deploy([]);
    const dir = mkdtempSync(join(tmpdir(), 'scf-oauth2-deployed-'));
    try {
      // Every file of the deployed zip, as SCF unpacks it.
      const load = (name: string) => {
        for (const [path, data] of cloud.functions.get(`default/${name}`)!.files) {
          mkdirSync(dirname(join(dir, name, path)), { recursive: true });
          writeFileSync(join(dir, name, path), data);
        }
        return join(dir, name, 'index.js');
      };
      writeFileSync(join(dir, 'package.json'), '{"type":"commonjs"}');
      const event = (name: string) =>
        JSON.parse(readFileSync(join(PROJECT_ROOT, 'test/fixtures/events', `${name}.json`), 'utf8'));
      const tokenEvent = event('function-url-post-token');
      const client = JSON.parse(env.OAUTH_CLIENTS!)[2] as { client_id: string; client_secret: string };
      tokenEvent.body = `${tokenEvent.body}&client_id=${client.client_id}&client_secret=${client.client_secret}`;
      const issued = await runBundle(load('oauth-token'), tokenEvent, cloud.env('oauth-token'));
      expect(issued.result?.statusCode).toBe(200);
      const token = (JSON.parse(issued.result!.body) as { access_token: string }).access_token;

      const workEvent = event('function-url-get-work');
      expect(
        (await runBundle(load('oauth-business'), workEvent, cloud.env('oauth-business'))).result?.statusCode,
      ).toBe(401);
      workEvent.headers.authorization = `Bearer ${token}`;
      const ok = await runBundle(load('oauth-business'), workEvent, cloud.env('oauth-business'));
      expect(ok.result).toMatchObject({ statusCode: 200, body: 'hello world' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('passes the vpcConfig of a serverless.yml on, so a function reaches a private Redis', async () => {
    const file = join(root, 'functions/token/serverless.yml');
    const original = readFileSync(file, 'utf8');
    try {
      writeFileSync(
        file,
        original.replace(
          '  timeout:',
          '  vpcConfig:\n    vpcId: vpc-abc12345\n    subnetId: subnet-def67890\n  timeout:',
        ),
      );
      expect((await deploy([])).code).toBe(0);
      const create = cloud.calls.find(
        (c) => c.action === 'CreateFunction' && c.params.FunctionName === 'oauth-token',
      );
      expect(create?.params.VpcConfig).toEqual({ VpcId: 'vpc-abc12345', SubnetId: 'subnet-def67890' });
    } finally {
      writeFileSync(file, original);
    }
  });

  it('ships every function folder that has a serverless.yml', () => {
    expect(functionNames().length).toBe(listFunctions(PROJECT_ROOT).length);
  });
});
