// Sealed values: JWE compact, `dir` + A256GCM (encrypted and authenticated), under a key derived
// from OAUTH_SECRET (or given alone, SEAL_KEY_VARIABLES) for one purpose only, so a value sealed for one purpose never opens as another.
// AES-GCM runs through node:crypto on the calling thread: WebCrypto would send every seal and open
// to the libuv threadpool and back, and load its implementation at every cold start. The format is
// RFC 7516's, so any JWE library opens what this seals, and the other way round.
import {
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  hkdfSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { decodeCanonicalBase64url, readJsonObject } from './jwt/compact.ts';

export type SealPurpose = 'authorization code' | 'refresh token' | 'session cookie' | 'csrf token';

/** The claims of a sealed value: a JSON object, as a JWT claims set is (RFC 7519 §7.1). */
export type SealedClaims = { [claim: string]: unknown };

/** RFC 5869 HKDF-SHA256 with a distinct `info` per purpose: the raw secret is never used as a key. */
export function deriveKey(secret: Uint8Array, purpose: SealPurpose): Uint8Array {
  if (secret.byteLength < 32) throw new TypeError('the secret must be at least 32 bytes');
  return new Uint8Array(hkdfSync('sha256', secret, new Uint8Array(), `scf-oauth2 ${purpose}`, 32));
}

/**
 * The variable that carries each purpose's derived key when a function is given its own keys instead
 * of OAUTH_SECRET: each function holds only the purposes it needs (least privilege), so the
 * internet-facing authorize function cannot mint refresh tokens.
 */
export const SEAL_KEY_VARIABLES: Readonly<Record<SealPurpose, string>> = Object.freeze({
  'authorization code': 'OAUTH_CODE_KEY',
  'refresh token': 'OAUTH_REFRESH_TOKEN_KEY',
  'session cookie': 'OAUTH_SESSION_KEY',
  'csrf token': 'OAUTH_CSRF_KEY',
});

/** What each function seals or opens: the authorize function writes codes, the token function reads them. */
export const AUTHORIZE_PURPOSES: readonly SealPurpose[] = [
  'authorization code',
  'session cookie',
  'csrf token',
];
export const TOKEN_PURPOSES: readonly SealPurpose[] = ['authorization code', 'refresh token'];

/** The derived keys a function holds, by purpose; a purpose it does not hold is absent. */
export type SealKeys = Readonly<Partial<Record<SealPurpose, Uint8Array>>>;

/** The keys of `purposes`, derived from one secret (a development or one-secret setup). */
export function deriveSealKeys(secret: Uint8Array, purposes: readonly SealPurpose[]): SealKeys {
  return Object.freeze(Object.fromEntries(purposes.map((p) => [p, deriveKey(secret, p)])));
}

/** The key of `purpose`; a function asking for one it was not given is a programming error. */
export function sealKey(keys: SealKeys, purpose: SealPurpose): Uint8Array {
  const key = keys[purpose];
  if (!key) throw new TypeError(`this function holds no ${purpose} key`);
  return key;
}

export interface Sealer<T extends SealedClaims> {
  /** Seals `claims` with `iat` = now and `exp` = now + ttl. */
  seal(claims: T, ttlSeconds: number, nowMs: number): Promise<string>;
  /** The claims, or undefined for anything forged, tampered, sealed for another purpose or expired. */
  open(value: string, nowMs: number): Promise<(T & { exp: number; iat: number }) | undefined>;
}

const MAX_SEALED_LENGTH = 8192;
// RFC 7518 §5.3: A256GCM uses a 96-bit IV and a 128-bit authentication tag.
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** Base64url of exactly `bytes` bytes, or undefined: no padding, no other alphabet, no spare bits. */
function decodePart(part: string, bytes?: number): Buffer | undefined {
  if (!BASE64URL.test(part)) return undefined;
  const decoded = decodeCanonicalBase64url(part);
  if (!decoded) return undefined;
  if (bytes !== undefined && decoded.length !== bytes) return undefined;
  return decoded;
}

export function createSealer<T extends SealedClaims>(keys: SealKeys, purpose: SealPurpose): Sealer<T> {
  const key: KeyObject = createSecretKey(sealKey(keys, purpose));
  const typ = purpose.replace(/ /g, '-');
  // RFC 7516 §5.1 step 13-14: the encoded protected header is both the first part and the AAD.
  // It is the same for every value of one purpose.
  const header = base64url(JSON.stringify({ alg: 'dir', enc: 'A256GCM', typ }));
  const aad = Buffer.from(header, 'ascii');

  return {
    async seal(claims, ttlSeconds, nowMs) {
      const iat = Math.floor(nowMs / 1000);
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(aad);
      const plaintext = Buffer.from(JSON.stringify({ ...claims, iat, exp: iat + ttlSeconds }), 'utf8');
      const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      // RFC 7516 §7.1: header . encrypted key (empty with `dir`) . IV . ciphertext . tag.
      return `${header}..${iv.toString('base64url')}.${ciphertext.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
    },

    async open(value, nowMs) {
      if (typeof value !== 'string' || value.length > MAX_SEALED_LENGTH) return undefined;
      const parts = value.split('.');
      if (parts.length !== 5) return undefined;
      const [protectedHeader, encryptedKey, ivPart, ciphertextPart, tagPart] = parts as [
        string,
        string,
        string,
        string,
        string,
      ];
      // `dir` carries no encrypted key (RFC 7518 §4.5).
      if (encryptedKey !== '') return undefined;
      const headerBytes = decodePart(protectedHeader);
      const parsedHeader = headerBytes && readJsonObject(headerBytes);
      // Only what this sealer writes: no other algorithm, no `zip`, no `crit` extension, this purpose.
      if (
        !parsedHeader ||
        Object.keys(parsedHeader).length !== 3 ||
        parsedHeader.alg !== 'dir' ||
        parsedHeader.enc !== 'A256GCM' ||
        parsedHeader.typ !== typ
      ) {
        return undefined;
      }
      const iv = decodePart(ivPart, IV_BYTES);
      const tag = decodePart(tagPart, TAG_BYTES);
      const ciphertext = decodePart(ciphertextPart);
      if (!iv || !tag || !ciphertext) return undefined;

      let plaintext: Buffer;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
        // The AAD is the header part exactly as received (RFC 7516 §5.2 step 14).
        decipher.setAAD(Buffer.from(protectedHeader, 'ascii'));
        decipher.setAuthTag(tag);
        plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
      } catch {
        return undefined;
      }
      const claims = readJsonObject(plaintext);
      if (!claims) return undefined;
      // RFC 7519 §4.1.4-4.1.6: exp and iat are required numbers; the value is expired at exp.
      const now = Math.floor(nowMs / 1000);
      const { exp, iat, nbf } = claims;
      if (typeof exp !== 'number' || typeof iat !== 'number' || !Number.isFinite(exp)) return undefined;
      if (exp <= now) return undefined;
      if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now)) return undefined;
      return claims as T & { exp: number; iat: number };
    },
  };
}
