import { describe, expect, it } from 'vitest';
import { parseCompactJws } from '../../shared/jwt/compact.ts';
import { importSigningKey, type SigningKey } from '../../shared/jwt/keys.ts';
import { signAccessToken } from '../../shared/jwt/sign.ts';
import { createAccessTokenVerifier, TokenRejected } from '../../shared/jwt/verify.ts';
import { AUDIENCE, foreignKeyPair, ISSUER, testKeys } from '../support/fixtures.ts';
import {
  hs256,
  rawRs256,
  standardClaims,
  tamperPayload,
  tamperSignature,
  unsigned,
} from '../support/forge.ts';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

async function setup() {
  const keys = await testKeys();
  const key: SigningKey = await importSigningKey(keys.privatePem);
  const verify = createAccessTokenVerifier({
    keys: [key],
    issuer: ISSUER,
    audience: AUDIENCE,
    clockToleranceSeconds: 30,
    now: () => NOW,
  });
  const sign = (overrides: { now?: number; ttl?: number } = {}) =>
    signAccessToken(key, {
      issuer: ISSUER,
      audience: AUDIENCE,
      subject: 'alice',
      clientId: 'confidential',
      scope: 'read write',
      ttlSeconds: overrides.ttl ?? 300,
      now: overrides.now ?? NOW,
      typ: 'at+jwt',
    });
  return { keys, key, verify, sign };
}

function header(token: string) {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString());
}

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TokenRejected);
    return (error as TokenRejected).reason;
  }
  throw new Error('the token was accepted');
}

describe('access tokens', () => {
  it('carry kid, typ at+jwt and the RFC 9068 claims', async () => {
    const { sign, key } = await setup();
    const { token, claims } = await sign();
    expect(header(token)).toEqual({ alg: 'RS256', typ: 'at+jwt', kid: key.kid });
    const iat = NOW / 1000;
    expect(claims).toEqual({
      iss: ISSUER,
      sub: 'alice',
      aud: AUDIENCE,
      iat,
      nbf: iat,
      exp: iat + 300,
      jti: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      client_id: 'confidential',
      scope: 'read write',
    });
  });

  it('get a different jti every time', async () => {
    const { sign } = await setup();
    const a = await sign();
    const b = await sign();
    expect(a.claims.jti).not.toBe(b.claims.jti);
  });

  it('verify with our key', async () => {
    const { sign, verify } = await setup();
    const { token } = await sign();
    await expect(verify(token)).resolves.toMatchObject({ sub: 'alice', client_id: 'confidential' });
  });
});

describe('verification refuses', () => {
  it('alg none', async () => {
    const { verify } = await setup();
    expect(await rejection(verify(unsigned(standardClaims(ISSUER, AUDIENCE, NOW))))).toMatch(
      /not a compact JWS/,
    );
  });

  it('alg none with a dummy signature', async () => {
    const { verify } = await setup();
    const token = `${unsigned(standardClaims(ISSUER, AUDIENCE, NOW))}AAAA`;
    expect(await rejection(verify(token))).toMatch(/ALG_NOT_ALLOWED/);
  });

  it('HS256 signed with the public key as the secret', async () => {
    const { verify, keys } = await setup();
    const token = await hs256(standardClaims(ISSUER, AUDIENCE, NOW), Buffer.from(keys.publicPem), keys.kid);
    expect(await rejection(verify(token))).toMatch(/ALG_NOT_ALLOWED/);
  });

  it.each(['rs256', 'Rs256', 'RS512', 'PS256'])(
    'alg %s (case tricks and other RSA algorithms)',
    async (alg) => {
      const { verify, key } = await setup();
      const token = rawRs256({ alg, kid: key.kid }, standardClaims(ISSUER, AUDIENCE, NOW), key.privateKey);
      expect(await rejection(verify(token))).toMatch(/ALG_NOT_ALLOWED|not allowed/);
    },
  );

  it('a kid that is not in our key set', async () => {
    const { verify } = await setup();
    const foreign = foreignKeyPair();
    const token = rawRs256(
      { alg: 'RS256', kid: 'other' },
      standardClaims(ISSUER, AUDIENCE, NOW),
      foreign.privateKey,
    );
    expect(await rejection(verify(token))).toBe('kid not in our key set');
  });

  it('our kid on a token signed by another key', async () => {
    const { verify, key } = await setup();
    const foreign = foreignKeyPair();
    const token = rawRs256(
      { alg: 'RS256', kid: key.kid },
      standardClaims(ISSUER, AUDIENCE, NOW),
      foreign.privateKey,
    );
    expect(await rejection(verify(token))).toMatch(/ERR_JWS_SIGNATURE_VERIFICATION_FAILED/);
  });

  it.each([[undefined], [42], [['a']], [{ k: 1 }]])('a missing or non-string kid (%j)', async (kid) => {
    const { verify, key } = await setup();
    const token = rawRs256({ alg: 'RS256', kid }, standardClaims(ISSUER, AUDIENCE, NOW), key.privateKey);
    expect(await rejection(verify(token))).toBe('kid missing or not a string');
  });

  it.each(['jwk', 'jku', 'x5u', 'x5c'])('an embedded %s header pointing elsewhere', async (name) => {
    const { verify, key } = await setup();
    const token = rawRs256(
      { alg: 'RS256', kid: key.kid, [name]: name === 'jwk' ? key.publicJwk : 'https://evil.example/keys' },
      standardClaims(ISSUER, AUDIENCE, NOW),
      key.privateKey,
    );
    expect(await rejection(verify(token))).toBe(`header parameter ${name} not accepted`);
  });

  it('a tampered payload', async () => {
    const { verify, sign } = await setup();
    const { token } = await sign();
    const forged = tamperPayload(token, (c) => ({ ...c, scope: 'admin' }));
    expect(await rejection(verify(forged))).toMatch(/SIGNATURE_VERIFICATION_FAILED/);
  });

  it('a tampered signature', async () => {
    const { verify, sign } = await setup();
    const { token } = await sign();
    expect(await rejection(verify(tamperSignature(token)))).toMatch(/SIGNATURE_VERIFICATION_FAILED/);
  });

  it('an expired token (beyond the clock tolerance)', async () => {
    const { verify, sign } = await setup();
    const { token } = await sign({ now: NOW - 331_000, ttl: 300 });
    expect(await rejection(verify(token))).toMatch(/ERR_JWT_EXPIRED/);
  });

  it('accepts a token expired by less than the clock tolerance', async () => {
    const { verify, sign } = await setup();
    const { token } = await sign({ now: NOW - 310_000, ttl: 300 });
    await expect(verify(token)).resolves.toBeTruthy();
  });

  it('a token not yet valid', async () => {
    const { verify, sign } = await setup();
    const { token } = await sign({ now: NOW + 120_000 });
    expect(await rejection(verify(token))).toMatch(/nbf|iat/);
  });

  it('a wrong issuer', async () => {
    const { verify, key } = await setup();
    const claims = { ...standardClaims('https://evil.example', AUDIENCE, NOW) };
    const token = rawRs256({ alg: 'RS256', kid: key.kid }, claims, key.privateKey);
    expect(await rejection(verify(token))).toMatch(/unexpected "iss"/);
  });

  it('a wrong audience', async () => {
    const { verify, key } = await setup();
    const token = rawRs256(
      { alg: 'RS256', kid: key.kid },
      standardClaims(ISSUER, 'https://other.example', NOW),
      key.privateKey,
    );
    expect(await rejection(verify(token))).toMatch(/unexpected "aud"/);
  });

  it.each(['exp', 'iat', 'sub', 'jti', 'client_id', 'iss', 'aud'])('a token without %s', async (claim) => {
    const { verify, key } = await setup();
    const claims = standardClaims(ISSUER, AUDIENCE, NOW);
    delete claims[claim];
    const token = rawRs256({ alg: 'RS256', kid: key.kid }, claims, key.privateKey);
    expect(await rejection(verify(token))).toMatch(/claim|missing/);
  });

  it('a non-string scope', async () => {
    const { verify, key } = await setup();
    const token = rawRs256(
      { alg: 'RS256', typ: 'at+jwt', kid: key.kid },
      { ...standardClaims(ISSUER, AUDIENCE, NOW), scope: ['admin'] },
      key.privateKey,
    );
    expect(await rejection(verify(token))).toBe('scope is not a string');
  });

  it.each(['', 'a.b', 'a.b.c.d', `${'a'.repeat(9000)}.b.c`, 'a b.c.d', 'ä.b.c'])(
    'a malformed token %#',
    async (token) => {
      const { verify } = await setup();
      expect(await rejection(verify(token))).toBe('not a compact JWS');
    },
  );
});

describe('compact JWS headers', () => {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const token = (header: unknown) => `${b64(header)}.${b64({ sub: 's' })}.c2ln`;

  it('reads each encoded header as its own, frozen, however many distinct ones came before', () => {
    const first = parseCompactJws(token({ alg: 'RS256', kid: 'a' }), 8192)!;
    expect(first.header).toEqual({ alg: 'RS256', kid: 'a' });
    expect(Object.isFrozen(first.header)).toBe(true);
    expect(() => {
      (first.header as Record<string, unknown>).alg = 'none';
    }).toThrow(TypeError);
    // More distinct headers than the cache keeps: each still reads as itself.
    for (let i = 0; i < 100; i++) {
      expect(parseCompactJws(token({ alg: 'RS256', kid: `k${i}` }), 8192)!.header).toEqual({
        alg: 'RS256',
        kid: `k${i}`,
      });
    }
    expect(parseCompactJws(token({ alg: 'RS256', kid: 'a' }), 8192)!.header).toEqual({
      alg: 'RS256',
      kid: 'a',
    });
    expect(() => parseCompactJws(`${Buffer.from('[1]').toString('base64url')}.e30.c2ln`, 8192)).toThrow(
      'JWS Protected Header is invalid',
    );
  });
});
