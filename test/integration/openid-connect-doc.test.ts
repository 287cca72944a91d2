// docs/openid-connect.md against `npm start` in development mode: its curl lines and its openid-client
// program, run as written (only the port and the printed password filled in), do what it says.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NpmStart, startNpmStart } from '../support/npm-start.ts';
import { SignInAgent } from '../support/oidc.ts';
import { ROOT } from '../support/run.ts';

const TOOLS = ['curl', 'openssl', 'sed'];
const missing = TOOLS.filter((t) => spawnSync(t, ['--version'], { stdio: 'ignore' }).error !== undefined);
if (missing.length > 0) {
  const message = `the walk-through needs ${missing.join(', ')}: install with "sudo apt-get install ${missing.join(' ')}"`;
  if (process.env.CI === 'true') throw new Error(message);
  process.stderr.write(`Skipping the OpenID Connect walk-through: ${message}\n`);
}

const doc = readFileSync(join(ROOT, 'docs/openid-connect.md'), 'utf8');

/** The ```sh or ```js block after `<!-- run: name -->`. */
function block(name: string, lang = 'sh'): string {
  const match = new RegExp(`<!-- run: ${name} -->\\n\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``).exec(doc);
  if (!match) throw new Error(`docs/openid-connect.md has no "${name}" block`);
  return match[1]!;
}

/** The plain ``` block that follows the `name` block: the output the doc shows. */
function shown(name: string): string {
  const match = new RegExp(
    `<!-- run: ${name} -->\\n\`\`\`sh\\n[\\s\\S]*?\`\`\`\\n\\n\`\`\`\\n([\\s\\S]*?)\`\`\``,
  ).exec(doc);
  if (!match) throw new Error(`docs/openid-connect.md shows no output for "${name}"`);
  return match[1]!.trim();
}

function matches(actual: string, expected: string): boolean {
  const pattern = expected
    .split('…')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.+');
  return new RegExp(`^${pattern}$`).test(actual);
}

describe.skipIf(missing.length > 0)('docs/openid-connect.md against npm start', () => {
  let server: NpmStart;
  let workdir: string;
  let base: string;
  let password: string;

  beforeAll(async () => {
    workdir = mkdtempSync(join(tmpdir(), 'oidc-doc-'));
    server = await startNpmStart();
    base = `http://127.0.0.1:${server.port}`;
    password = /user {11}demo \/ (\S+)/.exec(server.output())![1]!;
  });
  afterAll(() => {
    server?.stop();
    if (workdir) rmSync(workdir, { recursive: true, force: true });
  });

  function run(script: string) {
    return spawnSync('bash', ['-c', `set -eu\n${script.replaceAll('http://127.0.0.1:8080', base)}`], {
      cwd: workdir,
      env: { PATH: process.env.PATH ?? '', HOME: workdir },
      encoding: 'utf8',
      timeout: 60_000,
    });
  }

  it('the curl walk-through: discovery, code flow with an ID token, UserInfo and sign-out', () => {
    const setup = block('setup').replace('<the printed password of demo>', password);
    const steps = ['discovery', 'exchange', 'userinfo', 'logout'] as const;
    const script = [
      block('discovery'),
      'echo @@exchange',
      setup,
      block('request'),
      block('forms'),
      block('exchange'),
      'echo @@userinfo',
      block('userinfo'),
      'echo @@logout',
      block('logout'),
    ].join('\n');
    const result = run(script);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const outputs = result.stdout.split(/^@@\w+\n/m);
    steps.forEach((step, i) => {
      const actual = outputs[i]!.trim().replaceAll(base, 'http://127.0.0.1:8080');
      const lines = actual.split('\n');
      const expected = shown(step).split('\n');
      expect(lines.length, step).toBe(expected.length);
      lines.forEach((line, j) => {
        expect(matches(line, expected[j]!), `${step}\n  got:   ${line}\n  shown: ${expected[j]}`).toBe(true);
      });
    });
  });

  it('the openid-client program signs in, validates the ID token, reads UserInfo', async () => {
    const program = block('openid-client', 'js').replaceAll('http://127.0.0.1:8080', base);
    // Run from the repository, where openid-client is installed.
    const child = spawn(process.execPath, ['--input-type=module', '-e', program], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      err += c;
    });
    const exited = new Promise<number | null>((ok) => child.on('exit', ok));
    const started = Date.now();
    while (!/^Open (\S+)$/m.test(out)) {
      if (Date.now() - started > 30_000 || child.exitCode !== null)
        throw new Error(`no URL printed:\n${out}\n${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const url = /^Open (\S+)$/m.exec(out)![1]!;
    // The person at the browser: signs in as demo and allows.
    const callback = await new SignInAgent(base, (req) => fetch(req)).authorize(url, {
      username: 'demo',
      password,
    });
    child.stdin.end(`${callback.href}\n`);
    expect(await exited).toBe(0);
    expect(err).toBe('');
    expect(out).toMatch(/signed in: user-demo at \d{4}-\d\d-\d\dT/);
    expect(out).toContain(
      'userinfo: {"sub":"user-demo","name":"Demo User","preferred_username":"demo","email":"demo@example.com","email_verified":true}',
    );
    expect(out).toContain(`sign out at: ${base}/logout?id_token_hint=`);
  });
});
