import { describe, expect, it } from 'vitest';
import { loadBusinessConfig } from '../../functions/business/config.ts';
import { loadTokenConfig } from '../../functions/token/config.ts';
import { createCodeSealer } from '../../shared/authorization-code.ts';
import { ConfigError } from '../../shared/errors.ts';
import { deriveKey, type KeyedPurpose, SEAL_KEY_VARIABLES, TOKEN_PURPOSES } from '../../shared/seal.ts';
import { testEnv } from '../support/fixtures.ts';

async function problemsOf(load: Promise<unknown>): Promise<string[]> {
  try {
    await load;
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('token function configuration', () => {
  it('parses a complete environment into a frozen object', async () => {
    const config = await loadTokenConfig(await testEnv());
    expect(Object.isFrozen(config)).toBe(true);
    expect(config.accessTokenTtl).toBe(300);
    expect(config.accessTokenTyp).toBe('at+jwt');
    expect(config.store).toBe('memory');
    expect([...config.clients.keys()]).toEqual(['confidential', 'poster', 'public-app', 'code-only']);
  });

  it('reports every missing variable at once, by name', async () => {
    const problems = await problemsOf(loadTokenConfig({}));
    expect(problems).toEqual([
      'OAUTH_ISSUER is missing',
      'OAUTH_AUDIENCE is missing',
      'OAUTH_PRIVATE_KEY is missing',
      "OAUTH_SECRET is missing (or give this function's own keys: OAUTH_CODE_KEY, OAUTH_REFRESH_TOKEN_KEY)",
      'OAUTH_CLIENTS is missing',
    ]);
  });

  it('counts an empty or blank value as missing', async () => {
    const env = await testEnv({ OAUTH_ISSUER: '', OAUTH_AUDIENCE: '   ' });
    expect(await problemsOf(loadTokenConfig(env))).toEqual([
      'OAUTH_ISSUER is missing',
      'OAUTH_AUDIENCE is missing',
    ]);
  });

  it.each([
    ['not a url', 'OAUTH_ISSUER must be an absolute URL, got "not a url"'],
    [
      'http://auth.example',
      'OAUTH_ISSUER must use https (http is allowed only for 127.0.0.1, [::1] or localhost)',
    ],
    ['https://auth.example/', 'OAUTH_ISSUER must not end with "/"'],
    ['https://auth.example?x=1', 'OAUTH_ISSUER must not have a query or fragment'],
  ])('refuses the issuer %s', async (issuer, problem) => {
    expect(await problemsOf(loadTokenConfig(await testEnv({ OAUTH_ISSUER: issuer })))).toEqual([problem]);
  });

  it('names each bad lifetime, typ, store and secret, quoting no secret', async () => {
    const env = await testEnv({
      OAUTH_ACCESS_TOKEN_TTL: 'abc',
      OAUTH_ACCESS_TOKEN_TYP: 'jwt',
      OAUTH_STORE: 'mysql://x',
      OAUTH_SECRET: 'c2hvcnQ',
      OAUTH_CLOCK_TOLERANCE: '9999',
    });
    expect(await problemsOf(loadTokenConfig(env))).toEqual([
      'OAUTH_SECRET must encode at least 32 random bytes, got 5',
      'OAUTH_STORE must be "memory" or a redis:// or rediss:// URL',
      'OAUTH_ACCESS_TOKEN_TTL must be an integer 60–86400, got "abc"',
      'OAUTH_ACCESS_TOKEN_TYP must be one of at+jwt, JWT, got "jwt"',
      'OAUTH_CLOCK_TOLERANCE must be an integer 0–300, got "9999"',
    ]);
  });

  it('refuses a secret that is not base64url', async () => {
    const problems = await problemsOf(loadTokenConfig(await testEnv({ OAUTH_SECRET: 'a+b/c=' })));
    expect(problems).toEqual(['OAUTH_SECRET must be base64url (A–Z, a–z, 0–9, "-", "_"; no padding)']);
  });

  it('refuses a private key it cannot read without echoing it', async () => {
    const problems = await problemsOf(
      loadTokenConfig(await testEnv({ OAUTH_PRIVATE_KEY: 'hunter2-not-a-key!' })),
    );
    expect(problems).toEqual(['OAUTH_PRIVATE_KEY is neither a PEM, base64 of a PEM, nor a JWK']);
    expect(problems.join()).not.toContain('hunter2');
  });

  it('reports each client problem with its index and field', async () => {
    const clients = [
      { client_id: 'a', client_secret: 'short', grant_types: ['client_credentials'] },
      {
        client_id: 'b',
        token_endpoint_auth_method: 'none',
        client_secret: 'x'.repeat(20),
        grant_types: ['password'],
      },
      {
        client_id: 'c',
        client_secret: 'y'.repeat(20),
        redirect_uris: ['http://evil.example/cb', 'https://ok.example/cb#frag'],
      },
      { client_id: 'a', client_secret: 'z'.repeat(20), grant_types: ['client_credentials'] },
    ];
    const problems = await problemsOf(
      loadTokenConfig(await testEnv({ OAUTH_CLIENTS: JSON.stringify(clients) })),
    );
    expect(problems).toEqual([
      'OAUTH_CLIENTS[0].client_secret must be at least 16 characters',
      'OAUTH_CLIENTS[1] is public (token_endpoint_auth_method none) but has a secret',
      'OAUTH_CLIENTS[1].grant_types must be an array of authorization_code, refresh_token, client_credentials',
      'OAUTH_CLIENTS[2].redirect_uris[0] may use http only on a loopback address',
      'OAUTH_CLIENTS[2].redirect_uris[1] must not have a fragment',
      'OAUTH_CLIENTS[3].client_id repeats an earlier client',
    ]);
  });

  it('refuses clients that are not a JSON array', async () => {
    expect(await problemsOf(loadTokenConfig(await testEnv({ OAUTH_CLIENTS: '{oops' })))).toEqual([
      'OAUTH_CLIENTS must be a JSON array of clients (it does not parse as JSON)',
    ]);
    expect(await problemsOf(loadTokenConfig(await testEnv({ OAUTH_CLIENTS: '[]' })))).toEqual([
      'OAUTH_CLIENTS must be a non-empty JSON array of clients',
    ]);
  });

  it('ignores __proto__ keys in client JSON', async () => {
    const clients = `[{"client_id":"p","client_secret":"${'s'.repeat(20)}","grant_types":["client_credentials"],"__proto__":{"isPublic":true}}]`;
    const config = await loadTokenConfig(await testEnv({ OAUTH_CLIENTS: clients }));
    expect(config.clients.get('p')?.isPublic).toBe(false);
    expect(({} as { isPublic?: boolean }).isPublic).toBeUndefined();
  });
});

describe('business function configuration', () => {
  it('needs only issuer, audience and public keys', async () => {
    const env = await testEnv();
    const config = await loadBusinessConfig({
      OAUTH_ISSUER: env.OAUTH_ISSUER,
      OAUTH_AUDIENCE: env.OAUTH_AUDIENCE,
      OAUTH_PUBLIC_KEYS: env.OAUTH_PUBLIC_KEYS,
    });
    expect(config.publicKeys).toHaveLength(1);
  });

  it('reports the missing public keys by name', async () => {
    expect(
      await problemsOf(loadBusinessConfig({ OAUTH_ISSUER: 'https://a.example', OAUTH_AUDIENCE: 'x' })),
    ).toEqual(['OAUTH_PUBLIC_KEYS is missing']);
  });

  it('refuses a private key where public keys belong', async () => {
    const env = await testEnv();
    const privateJwk = JSON.stringify({ kty: 'RSA', n: 'AQAB', e: 'AQAB', d: 'AQAB' });
    const problems = await problemsOf(loadBusinessConfig({ ...env, OAUTH_PUBLIC_KEYS: privateJwk }));
    expect(problems).toEqual(['OAUTH_PUBLIC_KEYS holds a private key; give public keys only']);
  });
});

describe("each function's own keys instead of OAUTH_SECRET", () => {
  const own = (secret: string, purposes: readonly KeyedPurpose[]) => {
    const bytes = new Uint8Array(Buffer.from(secret, 'base64url'));
    return Object.fromEntries(
      purposes.map((p) => [SEAL_KEY_VARIABLES[p], Buffer.from(deriveKey(bytes, p)).toString('base64url')]),
    );
  };

  it('opens with its own keys what a one-secret setup sealed, and the other way round', async () => {
    const env = await testEnv();
    const { OAUTH_SECRET: secret, ...rest } = env;
    const split = await loadTokenConfig({ ...rest, ...own(secret!, TOKEN_PURPOSES) });
    const single = await loadTokenConfig(env);
    const code = await createCodeSealer(single.sealKeys).seal(
      {
        jti: 'j',
        cid: 'c',
        ruri: 'https://c.example/cb',
        rsent: true,
        sub: 's',
        scope: 'read',
        auth_time: 1,
      },
      60,
      Date.now(),
    );
    expect(await createCodeSealer(split.sealKeys).open(code, Date.now())).toMatchObject({ jti: 'j' });
  });

  it('refuses OAUTH_SECRET together with a key of its own, naming both', async () => {
    const env = await testEnv();
    const problems = await problemsOf(
      loadTokenConfig({ ...env, OAUTH_CODE_KEY: own(env.OAUTH_SECRET!, TOKEN_PURPOSES).OAUTH_CODE_KEY! }),
    );
    expect(problems).toEqual([
      "OAUTH_SECRET and OAUTH_CODE_KEY are both set: give either the one secret or this function's own keys",
    ]);
  });

  it('names each missing or malformed key of its own', async () => {
    const { OAUTH_SECRET: secret, ...rest } = await testEnv();
    const keys = own(secret!, TOKEN_PURPOSES);
    expect(await problemsOf(loadTokenConfig({ ...rest, OAUTH_CODE_KEY: keys.OAUTH_CODE_KEY! }))).toEqual([
      'OAUTH_REFRESH_TOKEN_KEY is missing',
    ]);
    expect(
      await problemsOf(loadTokenConfig({ ...rest, ...keys, OAUTH_REFRESH_TOKEN_KEY: 'too-short' })),
    ).toEqual([
      'OAUTH_REFRESH_TOKEN_KEY must be 32 bytes in base64url (43 characters), as npm run keys prints it',
    ]);
  });
});
