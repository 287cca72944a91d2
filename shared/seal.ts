// Sealed values: JWE compact, `dir` + A256GCM (encrypted and authenticated), under a key derived
// from OAUTH_SECRET for one purpose only, so a value sealed for one purpose never opens as another.
import { hkdfSync, webcrypto } from 'node:crypto';
import { EncryptJWT, type JWTPayload, jwtDecrypt } from 'jose';

export type SealPurpose = 'authorization code' | 'refresh token' | 'session cookie' | 'csrf token';

/** RFC 5869 HKDF-SHA256 with a distinct `info` per purpose: the raw secret is never used as a key. */
export function deriveKey(secret: Uint8Array, purpose: SealPurpose): Uint8Array {
  if (secret.byteLength < 32) throw new TypeError('the secret must be at least 32 bytes');
  return new Uint8Array(hkdfSync('sha256', secret, new Uint8Array(), `scf-oauth2 ${purpose}`, 32));
}

export interface Sealer<T extends JWTPayload> {
  /** Seals `claims` with `exp` = now + ttl. */
  seal(claims: T, ttlSeconds: number, nowMs: number): Promise<string>;
  /** The claims, or undefined for anything forged, tampered, sealed for another purpose or expired. */
  open(value: string, nowMs: number): Promise<(T & { exp: number; iat: number }) | undefined>;
}

const MAX_SEALED_LENGTH = 8192;

export function createSealer<T extends JWTPayload>(secret: Uint8Array, purpose: SealPurpose): Sealer<T> {
  const raw = deriveKey(secret, purpose);
  const typ = purpose.replace(/ /g, '-');
  // Imported once per instance, on first use: given raw bytes, jose imports them into WebCrypto
  // again for every seal and every open.
  let imported: Promise<webcrypto.CryptoKey> | undefined;
  const aesKey = () =>
    (imported ??= webcrypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']));
  return {
    async seal(claims, ttlSeconds, nowMs) {
      const iat = Math.floor(nowMs / 1000);
      return new EncryptJWT(claims)
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', typ })
        .setIssuedAt(iat)
        .setExpirationTime(iat + ttlSeconds)
        .encrypt(await aesKey());
    },
    async open(value, nowMs) {
      if (value.length > MAX_SEALED_LENGTH) return undefined;
      try {
        const { payload } = await jwtDecrypt(value, await aesKey(), {
          keyManagementAlgorithms: ['dir'],
          contentEncryptionAlgorithms: ['A256GCM'],
          typ,
          currentDate: new Date(nowMs),
          requiredClaims: ['exp', 'iat'],
        });
        return payload as T & { exp: number; iat: number };
      } catch {
        return undefined;
      }
    },
  };
}
