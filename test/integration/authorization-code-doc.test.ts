// docs/authorization-code-flow.md against `npm start` in development mode: its curl lines, run as
// written (only the port and the printed secrets filled in), complete the flow they describe.
import { describe, expect, it } from 'vitest';
import { printedPassword, useWalkthrough, walkthroughToolsAvailable } from '../support/npm-start.ts';
import { runBlocks } from '../support/readme.ts';

const tools = walkthroughToolsAvailable('the authorization code walk-through');

describe.skipIf(!tools)('docs/authorization-code-flow.md against npm start', () => {
  const walkthrough = useWalkthrough('code-flow-doc-');
  const run = (script: string) => walkthrough.run(script);

  it('the confidential client and the public client complete the flow with the documented commands', () => {
    const { server } = walkthrough;
    const { block } = runBlocks('docs/authorization-code-flow.md');
    const port = server.port;
    const secret = /client_secret {2}(\S+)/.exec(server.output())?.[1];
    const password = printedPassword(server);
    expect(secret && password).toBeTruthy();
    const setup = block('setup')
      .replace('http://127.0.0.1:8080', `http://127.0.0.1:${port}`)
      .replace('<the printed client_secret>', secret!)
      .replace('<the printed password of demo>', password!);

    const confidential = run(
      [
        setup,
        block('pkce'),
        block('forms'),
        block('exchange'),
        'echo',
        block('work'),
        block('refresh'),
        'echo',
        block('reuse'),
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

    const pkce = block('pkce').replace('client_id=demo-client', 'client_id=demo-public');
    const publicRun = run([setup, pkce, block('forms'), block('public')].join('\n'));
    expect(publicRun.stderr).toBe('');
    expect(publicRun.stdout.match(/"access_token":/g)).toHaveLength(2);
  });
});
