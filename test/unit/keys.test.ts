import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildJwks, importPublicKeys, importSigningKey, KeyFormatError } from '../../shared/jwt/keys.ts';
import { testKeys } from '../support/fixtures.ts';

// RFC 7638 §3.1: the example RSA key and its SHA-256 thumbprint.
const RFC7638_JWK = {
  kty: 'RSA',
  n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
  e: 'AQAB',
  alg: 'RS256',
  kid: '2011-04-29',
};
const RFC7638_THUMBPRINT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';

describe('signing keys', () => {
  it('reads a PKCS#8 PEM', async () => {
    const keys = await testKeys();
    const key = await importSigningKey(keys.privatePem);
    expect(key.kid).toBe(keys.kid);
    expect(key.publicJwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: keys.kid });
  });

  it('reads the same PEM base64-encoded, with or without line breaks', async () => {
    const keys = await testKeys();
    const b64 = Buffer.from(keys.privatePem).toString('base64');
    expect((await importSigningKey(b64)).kid).toBe(keys.kid);
    expect((await importSigningKey(b64.replace(/(.{64})/g, '$1\n'))).kid).toBe(keys.kid);
  });

  it('reads a PEM whose newlines were escaped as \\n in a single-line variable', async () => {
    const keys = await testKeys();
    expect((await importSigningKey(keys.privatePem.replace(/\n/g, '\\n'))).kid).toBe(keys.kid);
  });

  it('reads a private JWK', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = privateKey.export({ format: 'jwk' });
    const key = await importSigningKey(JSON.stringify(jwk));
    expect(key.publicJwk.n).toBe(jwk.n);
  });

  it('reads a PKCS#1 PEM too', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    expect((await importSigningKey(pem)).publicJwk.kty).toBe('RSA');
  });

  it('refuses an RSA key under 2048 bits', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await expect(importSigningKey(pem)).rejects.toThrow('must be at least 2048 bits, got 1024');
  });

  it('refuses a key that is not RSA', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await expect(importSigningKey(pem)).rejects.toThrow('must be an RSA key for RS256, got ec');
  });

  it('refuses a public JWK where a private key is needed', async () => {
    await expect(importSigningKey(JSON.stringify(RFC7638_JWK))).rejects.toThrow('must be a private RSA JWK');
  });

  it.each([
    '',
    'garbage',
    '{"kty":',
    `-----BEGIN ${'PRIVATE'} KEY-----\nAAAA\n-----END ${'PRIVATE'} KEY-----`,
  ])('refuses %j with a KeyFormatError', async (value) => {
    await expect(importSigningKey(value)).rejects.toBeInstanceOf(KeyFormatError);
  });
});

describe('public keys and the JWKS', () => {
  it('computes the RFC 7638 §3.1 thumbprint as the kid, whatever kid the input had', async () => {
    const [key] = await importPublicKeys(JSON.stringify(RFC7638_JWK));
    expect(key?.kid).toBe(RFC7638_THUMBPRINT);
  });

  it('reads a JWKS, a JWK array, one JWK and a PEM, dropping duplicates', async () => {
    const keys = await testKeys();
    const jwk = keys.publicJwk;
    expect(await importPublicKeys(JSON.stringify({ keys: [jwk, RFC7638_JWK] }))).toHaveLength(2);
    expect(await importPublicKeys(JSON.stringify([jwk, jwk]))).toHaveLength(1);
    expect((await importPublicKeys(keys.publicPem))[0]?.kid).toBe(keys.kid);
    expect((await importPublicKeys(Buffer.from(keys.publicPem).toString('base64')))[0]?.kid).toBe(keys.kid);
  });

  it('refuses an empty key set', async () => {
    await expect(importPublicKeys('{"keys":[]}')).rejects.toThrow('holds no key');
  });

  it('publishes only public members', async () => {
    const key = await importSigningKey((await testKeys()).privatePem);
    const jwks = buildJwks([key]);
    expect(Object.keys(jwks.keys[0]!).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
  });
});
