// npm run invoke: a built function called with an event, with only the variables its serverless.yml declares.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInvoke } from '../../infra/deploy/invoke.ts';
import { runCommand } from '../support/command.ts';
import { makeDeployRoot } from '../support/deploy-root.ts';
import { CONFIDENTIAL_SECRET, testEnv } from '../support/fixtures.ts';

async function invoke(root: string, argv: string[], env: Record<string, string>) {
  return runCommand(runInvoke, argv, {
    root,
    env,
  });
}

describe('npm run invoke', () => {
  let echoRoot: string;
  beforeAll(() => {
    echoRoot = mkdtempSync(join(tmpdir(), 'scf-oauth2-invoke-'));
    writeFileSync(
      join(echoRoot, 'serverless.yml'),
      'app: a\nstage: dev\ncomponent: apigateway\nname: gw\ninputs:\n  endpoints: []\n',
    );
    mkdirSync(join(echoRoot, 'functions/echo'), { recursive: true });
    writeFileSync(
      join(echoRoot, 'functions/echo/serverless.yml'),
      'app: a\nstage: dev\ncomponent: scf\nname: echo\ninputs:\n  name: echo\n  src: ../../dist/echo\n  handler: index.main_handler\n  runtime: Nodejs18.15\n  environment:\n    variables:\n      ONLY_THIS: $' +
        '{env:ONLY_THIS}\n',
    );
    mkdirSync(join(echoRoot, 'dist/echo'), { recursive: true });
    writeFileSync(
      join(echoRoot, 'dist/echo/index.js'),
      'exports.main_handler = async (event) => ({ statusCode: 200, headers: {}, isBase64Encoded: false, body: JSON.stringify({ path: event.path, env: Object.keys(process.env).filter((k) => k !== "PATH").sort() }) });\n',
    );
  });
  afterAll(() => rmSync(echoRoot, { recursive: true, force: true }));

  it('gives the function only the variables its serverless.yml declares', async () => {
    const run = await invoke(echoRoot, ['echo', '--path', '/hello'], {
      ONLY_THIS: '1',
      OAUTH_PRIVATE_KEY: 'secret',
    });
    expect(run.code).toBe(0);
    const result = JSON.parse(run.out) as { statusCode: number; body: string };
    expect(JSON.parse(result.body)).toEqual({ path: '/hello', env: ['ONLY_THIS'] });
  });

  it('names an unknown function and a missing build', async () => {
    expect((await invoke(echoRoot, ['nope'], {})).err).toContain('no function "nope" (functions: echo)');
    rmSync(join(echoRoot, 'dist/echo/index.js'));
    const run = await invoke(echoRoot, ['echo'], { ONLY_THIS: '1' });
    expect(run.code).toBe(1);
    expect(run.err).toContain('run npm run build first');
  });

  it('calls the real token bundle with an event file', async () => {
    const { root, remove } = await makeDeployRoot();
    try {
      const eventFile = join(root, 'event.json');
      writeFileSync(
        eventFile,
        JSON.stringify({
          httpMethod: 'POST',
          path: '/token',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `Basic ${Buffer.from(`confidential:${CONFIDENTIAL_SECRET}`).toString('base64')}`,
          },
          body: 'grant_type=client_credentials&scope=read',
          isBase64Encoded: false,
        }),
      );
      const run = await invoke(root, ['token', '--event', eventFile], await testEnv());
      expect(run.code).toBe(0);
      const result = JSON.parse(run.out) as { statusCode: number; body: string };
      expect(result.statusCode).toBe(200);
      expect(JSON.parse(result.body)).toHaveProperty('access_token');
      expect(run.err).toContain('"route":"POST /token"');
    } finally {
      remove();
    }
  });
});
