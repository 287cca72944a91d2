// docs/openid-connect.md against `npm start` in development mode: its curl lines and its openid-client
// program, run as written (only the port and the printed password filled in), do what it says.
import { spawn } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { printedPassword, useWalkthrough, walkthroughToolsAvailable } from '../support/npm-start.ts';
import { SignInAgent } from '../support/oidc.ts';
import { matchesShown, runBlocks } from '../support/readme.ts';
import { ROOT } from '../support/run.ts';

const tools = walkthroughToolsAvailable('the OpenID Connect walk-through');
const { block, shown } = runBlocks('docs/openid-connect.md');

describe.skipIf(!tools)('docs/openid-connect.md against npm start', () => {
  const walkthrough = useWalkthrough('oidc-doc-');
  let base: string;
  let password: string;

  beforeAll(() => {
    base = `http://127.0.0.1:${walkthrough.server.port}`;
    password = printedPassword(walkthrough.server);
  });

  const run = (script: string) => walkthrough.run(script.replaceAll('http://127.0.0.1:8080', base));

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
        expect(matchesShown(line, expected[j]!), `${step}\n  got:   ${line}\n  shown: ${expected[j]}`).toBe(
          true,
        );
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
