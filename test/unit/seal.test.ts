// Sealed values are RFC 7516 JWE compact (`dir` + A256GCM): jose opens what the sealer seals and the
// sealer opens what jose seals, and anything altered, misdirected or expired opens as nothing.
import { createCipheriv, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { EncryptJWT, jwtDecrypt } from 'jose';
import { describe, expect, it } from 'vitest';
import { createSealer, deriveKey, deriveSealKeys } from '../../shared/seal.ts';

const SECRET = new Uint8Array(randomBytes(32));
const NOW = 1_800_000_000_000;
const CLAIMS = {
  jti: 'abc',
  cid: 'client',
  scope: 'read write',
  sub: 'user-1',
  n: 3,
  nested: { a: [1, 'é'] },
};
const KEYS = deriveSealKeys(SECRET, ['authorization code', 'session cookie']);
const sealer = createSealer<typeof CLAIMS>(KEYS, 'authorization code');

function replacePart(value: string, index: number, part: string): string {
  const parts = value.split('.');
  parts[index] = part;
  return parts.join('.');
}

/** A JWE compact value with any protected header, authenticated under the purpose's key. */
function sealRaw(header: object, claims: object): string {
  const encodedHeader = Buffer.from(JSON.stringify(header)).toString('base64url');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', deriveKey(SECRET, 'authorization code'), iv);
  cipher.setAAD(Buffer.from(encodedHeader, 'ascii'));
  const body = JSON.stringify({ ...claims, iat: NOW / 1000, exp: NOW / 1000 + 60 });
  const ciphertext = Buffer.concat([cipher.update(body, 'utf8'), cipher.final()]);
  return [encodedHeader, '', iv, ciphertext, cipher.getAuthTag()]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

function flipFirstChar(part: string): string {
  return (part[0] === 'A' ? 'B' : 'A') + part.slice(1);
}

describe('interoperability with jose (RFC 7516)', () => {
  it('jose opens a sealed value with the derived key, with exp and iat set', async () => {
    const sealed = await sealer.seal(CLAIMS, 60, NOW);
    const { payload, protectedHeader } = await jwtDecrypt(sealed, deriveKey(SECRET, 'authorization code'), {
      currentDate: new Date(NOW),
    });
    expect(protectedHeader).toEqual({ alg: 'dir', enc: 'A256GCM', typ: 'authorization-code' });
    expect(payload).toEqual({ ...CLAIMS, iat: NOW / 1000, exp: NOW / 1000 + 60 });
  });

  it('opens what jose seals in the same form', async () => {
    const sealed = await new EncryptJWT(CLAIMS)
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', typ: 'authorization-code' })
      .setIssuedAt(NOW / 1000)
      .setExpirationTime(NOW / 1000 + 60)
      .encrypt(deriveKey(SECRET, 'authorization code'));
    expect(await sealer.open(sealed, NOW)).toEqual({ ...CLAIMS, iat: NOW / 1000, exp: NOW / 1000 + 60 });
  });

  it('uses a fresh IV for every value', async () => {
    const a = await sealer.seal(CLAIMS, 60, NOW);
    const b = await sealer.seal(CLAIMS, 60, NOW);
    expect(a.split('.')[2]).not.toBe(b.split('.')[2]);
    expect(a).not.toBe(b);
  });
});

describe('what opens as nothing', () => {
  it('a value sealed for another purpose or with another secret', async () => {
    const session = createSealer(KEYS, 'session cookie');
    expect(await session.open(await sealer.seal(CLAIMS, 60, NOW), NOW)).toBeUndefined();
    const other = createSealer(
      deriveSealKeys(new Uint8Array(randomBytes(32)), ['authorization code']),
      'authorization code',
    );
    expect(await other.open(await sealer.seal(CLAIMS, 60, NOW), NOW)).toBeUndefined();
  });

  it('an expired value: exp is the first second it no longer opens', async () => {
    const sealed = await sealer.seal(CLAIMS, 60, NOW);
    expect(await sealer.open(sealed, NOW + 59_999)).toBeDefined();
    expect(await sealer.open(sealed, NOW + 60_000)).toBeUndefined();
  });

  it('any altered part: header, encrypted key, IV, ciphertext, tag', async () => {
    const sealed = await sealer.seal(CLAIMS, 60, NOW);
    const parts = sealed.split('.');
    for (const index of [0, 2, 3, 4]) {
      expect(
        await sealer.open(replacePart(sealed, index, flipFirstChar(parts[index]!)), NOW),
      ).toBeUndefined();
    }
    expect(await sealer.open(replacePart(sealed, 1, 'AAAA'), NOW)).toBeUndefined();
    expect(await sealer.open(`${sealed}.`, NOW)).toBeUndefined();
    expect(await sealer.open(sealed.slice(0, -1), NOW)).toBeUndefined();
  });

  it('a header this sealer does not write, even when authenticated: zip, crit, kid, another typ', async () => {
    const written = { alg: 'dir', enc: 'A256GCM', typ: 'authorization-code' };
    // The helper is sound: with the header the sealer writes, its value opens.
    expect(await sealer.open(sealRaw(written, CLAIMS), NOW)).toBeDefined();
    for (const header of [
      { ...written, zip: 'DEF' },
      { ...written, crit: ['exp'], exp: 1 },
      { ...written, kid: 'x' },
      { ...written, typ: 'JWT' },
      { alg: 'dir', enc: 'A256GCM' },
    ]) {
      expect(await sealer.open(sealRaw(header, CLAIMS), NOW)).toBeUndefined();
    }
  });

  it('a value without exp or iat', async () => {
    const key = deriveKey(SECRET, 'authorization code');
    const header = { alg: 'dir', enc: 'A256GCM', typ: 'authorization-code' } as const;
    const noExp = await new EncryptJWT(CLAIMS)
      .setProtectedHeader(header)
      .setIssuedAt(NOW / 1000)
      .encrypt(key);
    const noIat = await new EncryptJWT(CLAIMS)
      .setProtectedHeader(header)
      .setExpirationTime(NOW / 1000 + 60)
      .encrypt(key);
    expect(await sealer.open(noExp, NOW)).toBeUndefined();
    expect(await sealer.open(noIat, NOW)).toBeUndefined();
  });

  it('anything else, without throwing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), async (value) => {
        expect(await sealer.open(value, NOW)).toBeUndefined();
      }),
      { numRuns: 2000 },
    );
    expect(await sealer.open('a'.repeat(9000), NOW)).toBeUndefined();
  });
});
