// npm run build: every function bundle stays in budget, carries no deploy-time code, and answers a recorded
// API Gateway event when loaded in a fresh Node process with only its own environment.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JWT_BEARER_ASSERTION } from '../../functions/token/client-assertion.ts';
import { BUNDLE_BUDGET_BYTES, type BuildReport, buildAll } from '../../infra/build/build.ts';
import { listFunctions } from '../../infra/build/bundle.ts';
import { KIT_BUDGET_BYTES, KIT_PACKAGE_NAME } from '../../infra/build/package.ts';
import { loadProject } from '../../infra/serverless/project.ts';
import { runBundle } from '../support/bundles.ts';
import { loadEvent } from '../support/events.ts';
import { CONFIDENTIAL_SECRET, testEnv } from '../support/fixtures.ts';
import { makeJwtClient } from '../support/jwt-client.ts';
import { redisAvailable, startRedis } from '../support/redis.ts';

const ROOT = resolve(import.meta.dirname, '../..');

const basic = `Basic ${Buffer.from(`confidential:${CONFIDENTIAL_SECRET}`).toString('base64')}`;

describe('npm run build', () => {
  let outdir: string;
  let report: BuildReport;
  let envOf: (fn: string) => Record<string, string>;

  beforeAll(async () => {
    outdir = mkdtempSync(join(tmpdir(), 'scf-oauth2-build-'));
    report = await buildAll(ROOT, outdir);
    const project = loadProject(ROOT, { env: await testEnv(), lenient: true });
    envOf = (fn) => project.functions.find((f) => f.src.endsWith(`/dist/${fn}`))?.environment ?? {};
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('builds one bundle per function, each within the budget and free of deploy-time code', () => {
    expect(report.problems).toEqual([]);
    expect(report.results.map((r) => r.name)).toEqual(listFunctions(ROOT));
    for (const r of report.results) {
      expect(r.bytes).toBeLessThanOrEqual(BUNDLE_BUDGET_BYTES);
      const text = readFileSync(r.file, 'utf8');
      expect(text).not.toContain('tencentcloud');
      expect(text).toContain('main_handler');
    }
  });

  it('writes the scf-oauth2-resource-server package: CommonJS, types, no dependencies, within 30 KB', () => {
    const kit = report.kit!;
    expect(kit.problems).toEqual([]);
    expect(kit.bytes).toBeLessThanOrEqual(KIT_BUDGET_BYTES);
    const manifest = JSON.parse(readFileSync(join(kit.dir, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({ name: KIT_PACKAGE_NAME, main: 'index.js', types: 'index.d.ts' });
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.type).toBeUndefined();
    const declarations = readFileSync(join(kit.dir, 'index.d.ts'), 'utf8');
    expect(declarations).toContain('export declare function protect<');
    expect(declarations).not.toMatch(/from '/);
  });

  it('token: ships jose as vendor/jose.js, read with the first client assertion only', async () => {
    const token = report.results.find((r) => r.name === 'token')!;
    expect(existsSync(join(outdir, 'token/vendor/jose.js'))).toBe(true);
    expect(readFileSync(token.file, 'utf8')).toContain('./vendor/jose.js');
    const client = makeJwtClient('bundle-jwt-client');
    const env = envOf('token');
    const clients = JSON.parse(env.OAUTH_CLIENTS!) as unknown[];
    const withClient = { ...env, OAUTH_CLIENTS: JSON.stringify([...clients, client.entry]) };
    const e = loadEvent('apigw-post-token');
    e.body = new URLSearchParams({
      grant_type: 'client_credentials',
      scope: 'read',
      client_assertion_type: JWT_BEARER_ASSERTION,
      client_assertion: await client.assertion(env.OAUTH_ISSUER!),
    }).toString();
    const run = await runBundle(token.file, e, withClient);
    expect(run.error).toBeUndefined();
    expect(run.result?.statusCode).toBe(200);
    // index.js alone, without its vendor folder, still authenticates clients by their secret.
    const alone = mkdtempSync(join(tmpdir(), 'scf-oauth2-alone-'));
    try {
      cpSync(token.file, join(alone, 'index.js'));
      const secret = loadEvent('apigw-post-token');
      (secret.headers as Record<string, string>).authorization = basic;
      const memory = await runBundle(join(alone, 'index.js'), secret, env);
      expect(memory.error).toBeUndefined();
      expect(memory.result?.statusCode).toBe(200);
    } finally {
      rmSync(alone, { recursive: true, force: true });
    }
  });

  it.each(['authorize', 'token'])(
    '%s: a cold start loads no network module (they come with the first metadata document fetched)',
    (fn) => {
      // The bundle loaded and its configuration read, as at an instance's start, in a fresh process.
      const probe = `require(process.argv[1]);const loaded=process.moduleLoadList.filter((m)=>/^NativeModule (net|http|https|tls|dns\\/promises)$/.test(m));process.stdout.write(JSON.stringify(loaded))`;
      const run = spawnSync(process.execPath, ['-e', probe, join(outdir, fn, 'index.js')], {
        env: envOf(fn),
        encoding: 'utf8',
      });
      expect(run.stderr).toBe('');
      expect(JSON.parse(run.stdout)).toEqual([]);
      // And the module that fetches is in the bundle, behind the first fetch.
      expect(readFileSync(join(outdir, fn, 'index.js'), 'utf8')).toContain('require("node:https")');
    },
  );

  it('token: POST /token from a recorded API Gateway event issues an access token', async () => {
    const e = loadEvent('apigw-post-token');
    (e.headers as Record<string, string>).authorization = basic;
    const run = await runBundle(join(outdir, 'token/index.js'), e, envOf('token'));
    expect(run.error).toBeUndefined();
    expect(run.result?.statusCode).toBe(200);
    const body = JSON.parse(run.result!.body) as { access_token: string; token_type: string };
    expect(body.token_type).toMatch(/^bearer$/i);
    expect(body.access_token.split('.')).toHaveLength(3);
    expect(run.output).toContain('"status":200');
  });

  it('token: GET /.well-known/jwks.json (isBase64Encoded as a string) serves the public key only', async () => {
    const run = await runBundle(join(outdir, 'token/index.js'), loadEvent('apigw-get-jwks'), envOf('token'));
    expect(run.result?.statusCode).toBe(200);
    const jwks = JSON.parse(run.result!.body) as { keys: Record<string, unknown>[] };
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const k of jwks.keys) expect(k).not.toHaveProperty('d');
  });

  it('business: GET /work answers hello world to a token from the token bundle and 401 without one', async () => {
    const t = loadEvent('apigw-post-token');
    (t.headers as Record<string, string>).authorization = basic;
    const issued = await runBundle(join(outdir, 'token/index.js'), t, envOf('token'));
    const token = (JSON.parse(issued.result!.body) as { access_token: string }).access_token;

    const refused = await runBundle(
      join(outdir, 'business/index.js'),
      loadEvent('apigw-get-work'),
      envOf('business'),
    );
    expect(refused.result?.statusCode).toBe(401);
    expect(JSON.parse(refused.result!.body)).toMatchObject({ error: 'invalid_token' });

    const w = loadEvent('apigw-get-work');
    (w.headers as Record<string, string>).authorization = `Bearer ${token}`;
    const ok = await runBundle(join(outdir, 'business/index.js'), w, envOf('business'));
    expect(ok.result).toMatchObject({ statusCode: 200, body: 'hello world' });
  });

  it.skipIf(!redisAvailable())(
    'token: ships ioredis as vendor/ioredis.js beside index.js and runs on a Redis store',
    async () => {
      const token = report.results.find((r) => r.name === 'token')!;
      expect(token.vendor.map((v) => v.name)).toEqual(['ioredis', 'jose']);
      expect(existsSync(join(outdir, 'token/vendor/ioredis.js'))).toBe(true);
      expect(readFileSync(token.file, 'utf8')).not.toContain('cluster-key-slot');
      const redis = await startRedis();
      try {
        const e = loadEvent('apigw-post-token');
        (e.headers as Record<string, string>).authorization = basic;
        const run = await runBundle(token.file, e, { ...envOf('token'), OAUTH_STORE: redis.url });
        expect(run.error).toBeUndefined();
        expect(run.result?.statusCode).toBe(200);
        // The vendor file is what ships ioredis, and only a Redis deployment reads it: index.js
        // alone, without its vendor folder, still serves a memory-store deployment.
        expect(readFileSync(token.file, 'utf8')).toContain('./vendor/ioredis.js');
        const alone = mkdtempSync(join(tmpdir(), 'scf-oauth2-alone-'));
        try {
          cpSync(token.file, join(alone, 'index.js'));
          const memory = await runBundle(join(alone, 'index.js'), e, {
            ...envOf('token'),
            OAUTH_STORE: 'memory',
          });
          expect(memory.error).toBeUndefined();
          expect(memory.result?.statusCode).toBe(200);
        } finally {
          rmSync(alone, { recursive: true, force: true });
        }
      } finally {
        await redis.stop();
      }
    },
  );

  it('every other function loads and answers an integrated response', async () => {
    for (const r of report.results.filter((x) => x.name !== 'token' && x.name !== 'business')) {
      const run = await runBundle(r.file, loadEvent('apigw-get-work'), envOf(r.name));
      expect(run.error).toBeUndefined();
      expect(Number.isInteger(run.result?.statusCode)).toBe(true);
    }
  });
});

describe('npm run build on a project that breaks the rules', () => {
  let root: string;
  beforeAll(() => {
    // Inside the project so that node_modules resolves; .local/ is ignored by git and the linter.
    mkdirSync(join(ROOT, '.local'), { recursive: true });
    root = mkdtempSync(join(ROOT, '.local', 'build-test-'));
    mkdirSync(join(root, 'functions/big'), { recursive: true });
    mkdirSync(join(root, 'functions/sdk'), { recursive: true });
    writeFileSync(
      join(root, 'functions/big/index.ts'),
      `const page = ${JSON.stringify('x'.repeat(BUNDLE_BUDGET_BYTES + 1024))};\nexport const main_handler = async () => ({ statusCode: 200, headers: {}, body: page, isBase64Encoded: false });\n`,
    );
    writeFileSync(
      join(root, 'functions/sdk/index.ts'),
      `import { Client } from 'tencentcloud-sdk-nodejs/tencentcloud/services/scf/v20180416/scf_client';\nexport const main_handler = async () => ({ statusCode: 200, headers: {}, body: String(typeof Client), isBase64Encoded: false });\n`,
    );
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('prints each size and exits non-zero naming the bundle over budget and the deploy-time code', () => {
    const out = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'infra/build/build.ts')], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(out.status).toBe(1);
    expect(out.stdout).toMatch(/dist\/big\/index\.js\s+1\d\d\.\d KB \/ 100\.0 KB/);
    expect(out.stderr).toContain('big: index.js is');
    expect(out.stderr).toContain('over the budget');
    expect(out.stderr).toMatch(/sdk: the bundle contains deploy-time code \(.*tencentcloud-sdk-nodejs/);
  });
});
