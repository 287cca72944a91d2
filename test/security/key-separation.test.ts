// Negative catalogue: what each function holds. The internet-facing authorize function gets only the
// keys it seals codes, sessions and CSRF tokens with — never OAUTH_SECRET or the refresh-token key —
// so a compromise of it cannot mint refresh tokens.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadAuthorizeConfig } from '../../functions/authorize/config.ts';
import { loadTokenConfig } from '../../functions/token/config.ts';
import { createRefreshSealer } from '../../functions/token/refresh-family.ts';
import { type FunctionInstance, loadProject } from '../../infra/serverless/project.ts';
import { testEnv } from '../support/fixtures.ts';

let functions: Map<string, FunctionInstance>;

beforeAll(async () => {
  // The one-secret .env of a developer's machine, resolved as npm start and npm run deploy resolve it.
  const project = loadProject('.', { env: await testEnv(), lenient: true });
  functions = new Map(project.functions.map((fn) => [fn.instance, fn]));
});

const environmentOf = (instance: string) => functions.get(instance)!.environment;
const secretNames = (env: Record<string, string>) =>
  Object.keys(env)
    .filter((name) => /^OAUTH_(SECRET|[A-Z_]*_KEY)$/.test(name) && env[name] !== '')
    .sort();

describe('keys each function holds', () => {
  it('the authorize function gets no OAUTH_SECRET and no refresh-token key, so it cannot mint refresh tokens', async () => {
    const env = environmentOf('oauth-authorize');
    expect(secretNames(env)).toEqual(['OAUTH_CODE_KEY', 'OAUTH_CSRF_KEY', 'OAUTH_SESSION_KEY']);
    const config = await loadAuthorizeConfig(env);
    expect(() => createRefreshSealer(config.sealKeys)).toThrow(/holds no refresh token key/);
  });

  it('the token function gets no OAUTH_SECRET and no session or CSRF key', async () => {
    const env = environmentOf('oauth-token');
    expect(secretNames(env)).toEqual(['OAUTH_CODE_KEY', 'OAUTH_PRIVATE_KEY', 'OAUTH_REFRESH_TOKEN_KEY']);
    expect(Object.keys((await loadTokenConfig(env)).sealKeys).sort()).toEqual([
      'authorization code',
      'refresh token',
    ]);
  });

  it('the business function gets no sealing key at all', () => {
    expect(secretNames(environmentOf('oauth-business'))).toEqual([]);
  });
});
