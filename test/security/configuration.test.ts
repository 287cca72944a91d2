// Negative catalogue: configurations that would let one party's token pass for another's, refused when
// the configuration is read rather than discovered in production.
import { describe, expect, it } from 'vitest';
import { loadAuthorizeConfig } from '../../functions/authorize/config.ts';
import { ConfigError } from '../../shared/errors.ts';
import { hashPassword } from '../../shared/password.ts';
import { testEnv } from '../support/fixtures.ts';

async function problemsOf(env: Record<string, string>): Promise<readonly string[]> {
  try {
    await loadAuthorizeConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('subjects that clash with clients', () => {
  it.each([
    ['a user whose sub is a client_id', { username: 'alice', sub: 'confidential' }],
    ['a user without sub whose username is a client_id', { username: 'poster' }],
  ])('%s is refused when the configuration is read', async (_what, user) => {
    const users = JSON.stringify([{ ...user, password_hash: await hashPassword('a-password-for-tests') }]);
    const problems = await problemsOf(await testEnv({ OAUTH_USERS: users }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^OAUTH_USERS\[0\]\.sub .* equals the client_id of OAUTH_CLIENTS\[\d\]/);
  });

  it('control: the test users and clients load', async () => {
    expect(await problemsOf(await testEnv())).toEqual([]);
  });
});
