// docs/authorization-code-flow.md against `npm start` in development mode: its curl lines, run as
// written (only the port and the printed secrets filled in), complete the flow they describe.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NpmStart, startNpmStart } from '../support/npm-start.ts';
import { ROOT } from '../support/run.ts';

const TOOLS = ['curl', 'openssl', 'sed'];
const missing = TOOLS.filter((t) => spawnSync(t, ['--version'], { stdio: 'ignore' }).error !== undefined);
if (missing.length > 0) {
  const message = `the walk-through needs ${missing.join(', ')}: install with "sudo apt-get install ${missing.join(' ')}"`;
  if (process.env.CI === 'true') throw new Error(message);
  process.stderr.write(`Skipping the authorization code walk-through: ${message}\n`);
}

/** The ```sh block after `<!-- run: name -->`. */
function block(doc: string, name: string): string {
  const match = new RegExp(`<!-- run: ${name} -->\\n\`\`\`sh\\n([\\s\\S]*?)\`\`\``).exec(doc);
  if (!match) throw new Error(`docs/authorization-code-flow.md has no "${name}" block`);
  return match[1]!;
}

describe.skipIf(missing.length > 0)('docs/authorization-code-flow.md against npm start', () => {
  let server: NpmStart;
  let workdir: string;

  beforeAll(async () => {
    workdir = mkdtempSync(join(tmpdir(), 'code-flow-doc-'));
    server = await startNpmStart();
  });

  afterAll(() => {
    server?.stop();
    if (workdir) rmSync(workdir, { recursive: true, force: true });
  });

  function run(script: string) {
    return spawnSync('bash', ['-c', `set -eu\n${script}`], {
      cwd: workdir,
      env: { PATH: process.env.PATH ?? '', HOME: workdir },
      encoding: 'utf8',
      timeout: 60_000,
    });
  }

  it('the confidential client and the public client complete the flow with the documented commands', () => {
    const doc = readFileSync(join(ROOT, 'docs/authorization-code-flow.md'), 'utf8');
    const port = server.port;
    const secret = /client_secret {2}(\S+)/.exec(server.output())?.[1];
    const password = /user {11}demo \/ (\S+)/.exec(server.output())?.[1];
    expect(secret && password).toBeTruthy();
    const setup = block(doc, 'setup')
      .replace('http://127.0.0.1:8080', `http://127.0.0.1:${port}`)
      .replace('<the printed client_secret>', secret!)
      .replace('<the printed password of demo>', password!);

    const confidential = run(
      [
        setup,
        block(doc, 'pkce'),
        block(doc, 'forms'),
        block(doc, 'exchange'),
        'echo',
        block(doc, 'work'),
        block(doc, 'refresh'),
        'echo',
        block(doc, 'reuse'),
      ].join('\n'),
    );
    expect(confidential.stderr).toBe('');
    expect(confidential.status).toBe(0);
    const out = confidential.stdout;
    expect(out).toMatch(/^303$/m);
    expect(out).toMatch(
      new RegExp(
        `^http://127\\.0\\.0\\.1:9000/callback\\?code=[^&]+&state=[0-9a-f]{32}&iss=http%3A%2F%2F127\\.0\\.0\\.1%3A${port}$`,
        'm',
      ),
    );
    expect(out).toContain('hello world');
    expect(out.match(/"refresh_token":/g)).toHaveLength(2);
    expect(out).toContain(
      '{"error":"invalid_grant","error_description":"the refresh token was already used; the grant is revoked"}',
    );

    const pkce = block(doc, 'pkce').replace('client_id=demo-client', 'client_id=demo-public');
    const publicRun = run([setup, pkce, block(doc, 'forms'), block(doc, 'public')].join('\n'));
    expect(publicRun.stderr).toBe('');
    expect(publicRun.stdout.match(/"access_token":/g)).toHaveLength(2);
  });
});
