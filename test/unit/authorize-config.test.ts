// loadAuthorizeConfig and OAUTH_USERS: every problem reported by variable name, never a secret
// (test/cli/hash-password.test.ts runs the script that makes the hashes).
import { beforeAll, describe, expect, it } from 'vitest';
import { loadAuthorizeConfig } from '../../functions/authorize/config.ts';
import { loadTokenConfig } from '../../functions/token/config.ts';
import { ConfigError } from '../../shared/errors.ts';
import { testEnv } from '../support/fixtures.ts';

let env: Record<string, string>;
let hash: string;
beforeAll(async () => {
  env = await testEnv();
  hash = (JSON.parse(env.OAUTH_USERS!) as { password_hash: string }[])[0]!.password_hash;
});

async function problemsOf(overrides: Record<string, string | undefined>): Promise<readonly string[]> {
  try {
    await loadAuthorizeConfig({ ...env, ...overrides });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadAuthorizeConfig', () => {
  it('reads issuer, secret, clients, users and the defaults', async () => {
    const config = await loadAuthorizeConfig(env);
    expect(config).toMatchObject({ codeTtl: 60, sessionTtl: 1800, requirePkce: true });
    expect(config.users.get('alice')?.sub).toBe('user-alice');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('needs no private key and no store', async () => {
    const { OAUTH_PRIVATE_KEY: _k, OAUTH_STORE: _s, OAUTH_AUDIENCE: _a, ...rest } = env;
    await expect(loadAuthorizeConfig(rest)).resolves.toBeTruthy();
  });

  it('reports every problem at once, by name', async () => {
    const problems = await problemsOf({
      OAUTH_USERS: '',
      OAUTH_SECRET: 'short',
      OAUTH_CODE_TTL: '0',
      OAUTH_SESSION_TTL: 'abc',
      OAUTH_REQUIRE_PKCE: 'maybe',
    });
    expect(problems.join('\n')).toMatch(/OAUTH_USERS is missing/);
    expect(problems.join('\n')).toMatch(/OAUTH_SECRET must encode at least 32/);
    expect(problems.join('\n')).toMatch(/OAUTH_CODE_TTL must be an integer 10–600/);
    expect(problems.join('\n')).toMatch(/OAUTH_SESSION_TTL must be an integer/);
    expect(problems.join('\n')).toMatch(/OAUTH_REQUIRE_PKCE must be true or false/);
  });

  it.each([
    ['not JSON', '[{', /OAUTH_USERS must be a JSON array of users \(it does not parse/],
    ['an empty array', '[]', /OAUTH_USERS must be a non-empty JSON array/],
    ['not an object', '["alice"]', /OAUTH_USERS\[0\] must be an object/],
    [
      'a bad hash',
      '[{"username":"a","password_hash":"plain"}]',
      /OAUTH_USERS\[0\]\.password_hash must be a hash/,
    ],
    [
      'a username with a space',
      '[{"username":"a b","password_hash":"HASH"}]',
      /OAUTH_USERS\[0\]\.username must be/,
    ],
    ['a bad sub', '[{"username":"a","password_hash":"HASH","sub":"x y"}]', /OAUTH_USERS\[0\]\.sub must be/],
  ])('reports %s in OAUTH_USERS', async (_label, value, message) => {
    const problems = await problemsOf({ OAUTH_USERS: value.replace('HASH', hash) });
    expect(problems.join('\n')).toMatch(message);
  });

  it('reports a plain password without echoing it', async () => {
    const problems = await problemsOf({
      OAUTH_USERS: JSON.stringify([{ username: 'a', password: 'hunter2-secret', password_hash: hash }]),
    });
    expect(problems.join('\n')).toMatch(/OAUTH_USERS\[0\] has a plain "password"/);
    expect(problems.join('\n')).not.toContain('hunter2-secret');
  });

  it('reports repeated usernames and subjects', async () => {
    const users = [
      { username: 'a', password_hash: hash, sub: 's' },
      { username: 'a', password_hash: hash, sub: 's' },
    ];
    const problems = await problemsOf({ OAUTH_USERS: JSON.stringify(users) });
    expect(problems).toEqual([
      'OAUTH_USERS[1].username repeats an earlier user',
      "OAUTH_USERS[1].sub repeats an earlier user's subject",
    ]);
  });

  it('the token function reads OAUTH_REFRESH_TOKEN_TTL', async () => {
    expect((await loadTokenConfig(env)).refreshTokenTtl).toBe(14 * 86_400);
    await expect(loadTokenConfig({ ...env, OAUTH_REFRESH_TOKEN_TTL: '10' })).rejects.toThrow(
      /OAUTH_REFRESH_TOKEN_TTL must be an integer 300–31536000/,
    );
  });
});
