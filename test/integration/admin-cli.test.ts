// npm run admin against a real redis-server: clients and users added, shown, rotated, disabled and
// removed in the store, and the functions reading them (the environment first) in a full sign-in.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bodyOf,
  CHALLENGE,
  type Harness,
  makeHarness,
  postLogin,
  runAuthorization,
  VERIFIER,
} from '../support/authorize-flow.ts';
import { ISSUER, TEST_USER } from '../support/fixtures.ts';
import { redisForFile } from '../support/redis.ts';
import { runTool } from '../support/run.ts';

const redis = redisForFile();
// Away from the project's .env: the command reads OAUTH_STORE from the environment given here.
const dir = mkdtempSync(join(tmpdir(), 'admin-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function admin(args: string[], input = '', env: Record<string, string> = {}) {
  return runTool('infra/admin/cli.ts', args, { cwd: dir, env: { OAUTH_STORE: redis.url(), ...env }, input });
}

const REDIRECT = 'https://shop.example/cb';

describe.skipIf(!redis.available)('npm run admin', { timeout: 240_000 }, () => {
  let h: Harness;
  beforeAll(async () => {
    // The functions' own key prefix: what the command writes is what they read.
    h = await makeHarness({ OAUTH_STORE: redis.url() }, (now) => redis.store({ keyPrefix: 'oauth:', now }));
  });

  it('clients add prints the stored client and its secret once; show and list never print it', () => {
    const added = admin(
      ['clients', 'add'],
      JSON.stringify({
        client_id: 'shop',
        redirect_uris: [REDIRECT],
        scope: 'read',
        grant_types: ['authorization_code', 'refresh_token'],
      }),
    );
    expect(added.stderr).toBe('');
    expect(added.status).toBe(0);
    const client = JSON.parse(added.stdout);
    expect(client).toMatchObject({
      client_id: 'shop',
      redirect_uris: [REDIRECT],
      client_secret_expires_at: 0,
    });
    expect(client.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(client.client_secret_hash).toBeUndefined();

    const shown = admin(['clients', 'show', 'shop']);
    expect(shown.status).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ client_id: 'shop', scope: 'read' });
    expect(shown.stdout).not.toContain(client.client_secret);
    expect(shown.stdout).not.toContain('client_secret');
    const listed = admin(['clients', 'list']);
    expect(JSON.parse(listed.stdout).map((c: { client_id: string }) => c.client_id)).toEqual(['shop']);
  });

  it('a stored client and a stored user complete the code flow; the environment still comes first', async () => {
    const secret = JSON.parse(admin(['clients', 'rotate-secret', 'shop']).stdout).client_secret as string;
    const added = admin(['users', 'add', 'bob', '--sub', 'user-bob'], 'bob-password-1234\n');
    expect(added.stderr).toBe('');
    expect(added.status).toBe(0);
    const params = {
      response_type: 'code',
      client_id: 'shop',
      redirect_uri: REDIRECT,
      scope: 'read',
      state: 's',
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
    };
    const back = await runAuthorization(h, params, 'allow', {
      username: 'bob',
      password: 'bob-password-1234',
    });
    const code = back.searchParams.get('code')!;
    const basic = `Basic ${Buffer.from(`shop:${secret}`).toString('base64')}`;
    const tokenReq = (fields: Record<string, string>) =>
      h.token(
        new Request(`${ISSUER}/token`, {
          method: 'POST',
          headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(fields).toString(),
        }),
      );
    const res = await tokenReq({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      code_verifier: VERIFIER,
    });
    const body = await bodyOf(res);
    expect(body.error_description).toBeUndefined();
    expect(res.status).toBe(200);
    expect(body.refresh_token).toBeTypeOf('string');

    // The environment's user keeps signing in, whatever the store holds.
    expect((await postLogin(h, params, TEST_USER.username, TEST_USER.password)).status).toBe(303);

    // A new password replaces the old one.
    expect(admin(['users', 'passwd', 'bob'], 'bob-new-password-5678').status).toBe(0);
    expect((await postLogin(h, params, 'bob', 'bob-password-1234')).status).toBe(401);
    expect((await postLogin(h, params, 'bob', 'bob-new-password-5678')).status).toBe(303);

    // Disabled: no more sign-ins, and the refresh token is refused.
    const disabled = admin(['users', 'disable', 'bob']);
    expect(disabled.status).toBe(0);
    expect((await postLogin(h, params, 'bob', 'bob-new-password-5678')).status).toBe(401);
    const refreshed = await tokenReq({
      grant_type: 'refresh_token',
      refresh_token: body.refresh_token as string,
    });
    expect(refreshed.status).toBe(400);
    expect((await bodyOf(refreshed)).error).toBe('invalid_grant');
    expect(JSON.parse(admin(['users', 'list']).stdout)).toEqual([
      { username: 'bob', sub: 'user-bob', disabled: true },
    ]);

    // A rotated secret replaces the old one; a removed client is gone.
    const old = secret;
    expect(admin(['clients', 'rotate-secret', 'shop']).status).toBe(0);
    const refused = await h.token(
      new Request(`${ISSUER}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`shop:${old}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=refresh_token&refresh_token=x',
      }),
    );
    expect(refused.status).toBe(401);
    expect(admin(['clients', 'remove', 'shop']).status).toBe(0);
    expect(
      (await h.authorize(new Request(`${ISSUER}/authorize?${new URLSearchParams(params)}`))).status,
    ).toBe(400);
  });

  it('refuses bad input with a message and an exit code, and never echoes a secret', () => {
    const cases: [string[], string, Record<string, string>, number, RegExp][] = [
      [['clients', 'add'], '{not json', {}, 2, /does not parse as JSON/],
      [['clients', 'add'], '[]', {}, 2, /JSON object/],
      [
        ['clients', 'add'],
        JSON.stringify({ client_id: 'x', redirect_uris: ['http://evil.example/cb'] }),
        {},
        2,
        /redirect_uris\[0\] may use http only on a loopback address/,
      ],
      [
        ['clients', 'add'],
        JSON.stringify({
          client_id: 'x',
          client_secret: 'chosen-secret-0123456789',
          redirect_uris: [REDIRECT],
        }),
        {},
        2,
        /client_secret is generated/,
      ],
      [
        ['clients', 'add'],
        JSON.stringify({ client_id: 'confidential', redirect_uris: [REDIRECT] }),
        {
          OAUTH_CLIENTS: JSON.stringify([
            {
              client_id: 'confidential',
              client_secret: 'confidential-client-secret-0123456789',
              redirect_uris: [REDIRECT],
            },
          ]),
        },
        1,
        /in OAUTH_CLIENTS already/,
      ],
      [
        ['users', 'add', 'erin', '--sub', 'confidential'],
        'erin-password',
        {
          OAUTH_CLIENTS: JSON.stringify([
            {
              client_id: 'confidential',
              client_secret: 'confidential-client-secret-0123456789',
              redirect_uris: [REDIRECT],
            },
          ]),
        },
        1,
        /the subject confidential is a client_id/,
      ],
      [['clients', 'show', 'nobody'], '', {}, 1, /no client nobody/],
      [['clients', 'remove'], '', {}, 2, /usage/],
      [['clients', 'frobnicate'], '', {}, 2, /not a command/],
      [['users', 'add', 'carol'], '', {}, 2, /password \(on stdin\) is empty/],
      [
        ['users', 'add', 'carol', '--sub', 'has space'],
        'carol-password',
        {},
        2,
        /sub must be 1–255 printable ASCII/,
      ],
      [['users', 'disable', 'nobody'], '', {}, 1, /no user nobody/],
      [['users', 'list', '--sub', 'x'], '', {}, 2, /--sub is only for/],
      [['clients', 'list'], '', { OAUTH_STORE: 'memory' }, 2, /OAUTH_STORE must be the redis:\/\/ URL/],
      [
        ['clients', 'list'],
        '',
        { OAUTH_STORE: 'redis://127.0.0.1:1' },
        1,
        /store at OAUTH_STORE is unavailable/,
      ],
    ];
    for (const [args, input, env, status, message] of cases) {
      const r = admin(args, input, env);
      expect({ args, status: r.status }).toEqual({ args, status });
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toContain('carol-password');
    }
    // A second user with a subject already taken is refused.
    expect(admin(['users', 'add', 'dave', '--sub', 'user-bob'], 'dave-password-1234').status).toBe(1);
  });
});
