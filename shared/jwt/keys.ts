// Signing and verification keys: import from PEM / base64 PEM / JWK, RFC 7638 thumbprints, the JWKS.
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';

export const SIGNING_ALG = 'RS256';
const MIN_RSA_BITS = 2048;

export interface PublicJwk {
  kty: 'RSA';
  n: string;
  e: string;
  kid: string;
  alg: typeof SIGNING_ALG;
  use: 'sig';
}

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicJwk: Readonly<PublicJwk>;
}

export interface VerificationKey {
  readonly kid: string;
  readonly publicKey: KeyObject;
  readonly publicJwk: Readonly<PublicJwk>;
}

/** Thrown with a message safe to show: it never contains key material. */
export class KeyFormatError extends Error {
  override readonly name = 'KeyFormatError';
}

function decodePemOrBase64(value: string): string {
  if (value.includes('-----BEGIN')) return value.replace(/\\n/g, '\n');
  const compact = value.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact)) {
    throw new KeyFormatError('is neither a PEM, base64 of a PEM, nor a JWK');
  }
  const decoded = Buffer.from(compact, 'base64').toString('utf8');
  if (!decoded.includes('-----BEGIN')) {
    throw new KeyFormatError('is neither a PEM, base64 of a PEM, nor a JWK');
  }
  return decoded;
}

function parseJwk(value: string): JWK {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new KeyFormatError('looks like JSON but does not parse');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new KeyFormatError('must be a JSON object (a JWK)');
  }
  return parsed as JWK;
}

function checkRsa(key: KeyObject): void {
  if (key.asymmetricKeyType !== 'rsa') {
    throw new KeyFormatError(
      `must be an RSA key for ${SIGNING_ALG}, got ${key.asymmetricKeyType ?? 'unknown'}`,
    );
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) throw new KeyFormatError(`must be at least ${MIN_RSA_BITS} bits, got ${bits}`);
}

async function describePublic(publicKey: KeyObject): Promise<Readonly<PublicJwk>> {
  const { n, e } = publicKey.export({ format: 'jwk' });
  if (!n || !e) throw new KeyFormatError('has no RSA modulus or exponent');
  // RFC 7638 §3: the thumbprint of the required members is the key id. §3.2–3.3: for RSA, e, kty
  // and n in that order, no whitespace; base64url values need no escaping. node:crypto's SHA-256
  // rather than jose's (WebCrypto), so no cold start initializes WebCrypto to import a key.
  const kid = createHash('sha256')
    .update(JSON.stringify({ e, kty: 'RSA', n }))
    .digest('base64url');
  return Object.freeze({ kty: 'RSA', n, e, kid, alg: SIGNING_ALG, use: 'sig' });
}

/** `value` is a PKCS#8 (or PKCS#1) PEM, base64 of that PEM, or a private RSA JWK. */
export async function importSigningKey(value: string): Promise<SigningKey> {
  const text = value.trim();
  let privateKey: KeyObject;
  try {
    if (text.startsWith('{')) {
      const jwk = parseJwk(text);
      if (jwk.kty !== 'RSA' || typeof jwk.d !== 'string')
        throw new KeyFormatError('must be a private RSA JWK');
      privateKey = createPrivateKey({ key: jwk as never, format: 'jwk' });
    } else {
      privateKey = createPrivateKey({ key: decodePemOrBase64(text), format: 'pem' });
    }
  } catch (error) {
    if (error instanceof KeyFormatError) throw error;
    throw new KeyFormatError('could not be read as a private key');
  }
  checkRsa(privateKey);
  const publicKey = createPublicKey(privateKey);
  const publicJwk = await describePublic(publicKey);
  return Object.freeze({ kid: publicJwk.kid, privateKey, publicKey, publicJwk });
}

async function importOnePublic(item: unknown): Promise<VerificationKey> {
  let publicKey: KeyObject;
  try {
    if (typeof item === 'string') {
      publicKey = createPublicKey({ key: decodePemOrBase64(item.trim()), format: 'pem' });
    } else if (item && typeof item === 'object' && (item as JWK).kty === 'RSA') {
      const { n, e } = item as JWK;
      if ('d' in (item as object)) throw new KeyFormatError('holds a private key; give public keys only');
      publicKey = createPublicKey({ key: { kty: 'RSA', n, e } as never, format: 'jwk' });
    } else {
      throw new KeyFormatError('must hold RSA public JWKs or PEMs');
    }
  } catch (error) {
    if (error instanceof KeyFormatError) throw error;
    throw new KeyFormatError('could not be read as a public key');
  }
  checkRsa(publicKey);
  const publicJwk = await describePublic(publicKey);
  return Object.freeze({ kid: publicJwk.kid, publicKey, publicJwk });
}

/**
 * `value` is a JWKS (`{"keys":[…]}`), a JSON array of JWKs, one public JWK, or a PEM (plain or base64).
 * Key ids are always recomputed as RFC 7638 thumbprints, whatever `kid` the input carried.
 */
export async function importPublicKeys(value: string): Promise<VerificationKey[]> {
  const text = value.trim();
  let items: unknown[];
  if (text.startsWith('{') || text.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new KeyFormatError('looks like JSON but does not parse');
    }
    if (Array.isArray(parsed)) items = parsed;
    else if (parsed && typeof parsed === 'object' && Array.isArray((parsed as { keys?: unknown }).keys)) {
      items = (parsed as { keys: unknown[] }).keys;
    } else items = [parsed];
  } else {
    items = [text];
  }
  if (items.length === 0) throw new KeyFormatError('holds no key');
  const keys = await Promise.all(items.map(importOnePublic));
  return [...new Map(keys.map((k) => [k.kid, k])).values()];
}

/**
 * The keys of a JWKS document fetched from an issuer's `jwks_uri` (RFC 7517 §5). Only RSA keys for
 * signatures are taken (RFC 7517 §4.2–4.4: no `use` or `use: sig`, no `alg` or RS256); others, and any
 * key that cannot be read, are skipped rather than failing the set. A key keeps the `kid` the document
 * gives it (RFC 7517 §4.5: that is what tokens name), or its RFC 7638 thumbprint when it has none.
 */
export async function importJwks(document: unknown): Promise<VerificationKey[]> {
  const items = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(items)) throw new KeyFormatError('is not a JWKS (no "keys" array)');
  const keys: VerificationKey[] = [];
  for (const item of items) {
    const jwk = item as JWK | null;
    if (!jwk || typeof jwk !== 'object' || jwk.kty !== 'RSA') continue;
    if ((jwk.use !== undefined && jwk.use !== 'sig') || (jwk.alg !== undefined && jwk.alg !== SIGNING_ALG)) {
      continue;
    }
    try {
      const key = await importOnePublic(jwk);
      keys.push(typeof jwk.kid === 'string' && jwk.kid !== '' ? { ...key, kid: jwk.kid } : key);
    } catch (error) {
      if (!(error instanceof KeyFormatError)) throw error;
    }
  }
  return keys;
}

/** The public JWKS document: current key first, then keys still inside their rotation window. */
export function buildJwks(keys: readonly { publicJwk: Readonly<PublicJwk> }[]): { keys: PublicJwk[] } {
  return { keys: keys.map((k) => ({ ...k.publicJwk })) };
}

/**
 * API Gateway's `OauthConfig.PublicKey` (what `gatewayPublicKey` writes): an RSA public JWK as JSON,
 * read as every other public key is.
 */
export async function importGatewayPublicKey(value: string): Promise<VerificationKey> {
  const text = value.trim();
  if (!text.startsWith('{')) throw new KeyFormatError('must be an RSA public JWK as JSON');
  return importOnePublic(parseJwk(text));
}

/** The public key in the form API Gateway's `OauthConfig.PublicKey` expects. */
export function gatewayPublicKey(jwk: Readonly<PublicJwk>): string {
  return JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n, kid: jwk.kid, alg: jwk.alg });
}
