// `npm start -- --profile function-url`: the functions as their function URLs serve them, with no
// gateway check in front — the business function's own 401 is what a client sees.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NpmStart, printedSecret, startNpmStart } from '../support/npm-start.ts';
import { ROOT } from '../support/run.ts';

let server: NpmStart;
let base: string;

beforeAll(async () => {
  server = await startNpmStart(['--profile', 'function-url']);
  base = `http://127.0.0.1:${server.port}`;
}, 60_000);
afterAll(() => server?.stop());

async function token(): Promise<string> {
  const res = await fetch(`${base}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`demo-client:${printedSecret(server)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

describe('npm start -- --profile function-url', () => {
  it('says so when it starts', () => {
    expect(server.output()).toContain('Profile function-url');
  });

  it("answers a request with no token with the function's own 401 and challenge, not the gateway's", async () => {
    const res = await fetch(`${base}/work`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="work"');
    expect(await res.json()).toMatchObject({ error: 'invalid_token' });
  });

  it('serves a valid token and the well-known documents', async () => {
    const res = await fetch(`${base}/work`, { headers: { authorization: `Bearer ${await token()}` } });
    expect(await res.text()).toBe('hello world');
    const metadata = await fetch(`${base}/.well-known/oauth-authorization-server`);
    expect(((await metadata.json()) as { issuer: string }).issuer).toBe(base);
  });

  it('passes any method to the function, which answers it itself', async () => {
    const res = await fetch(`${base}/work`, { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
  });

  it('refuses an unknown profile by name', () => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'infra/gateway/cli.ts'), '--profile', 'nope'],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', PORT: '1' }, encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('--profile must be api-gateway (the default) or function-url, got "nope"');
  });
});
