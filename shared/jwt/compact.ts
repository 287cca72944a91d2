// Strict reading of an RS256 compact JWS (RFC 7515 §7.1) for verification with node:crypto.

import type { KeyObject } from 'node:crypto';
import { verify } from 'node:crypto';

/**
 * Why a compact JWS was refused; callers turn it into their own error. Codes and messages are
 * jose's for the same failure, so logs read the same whichever library refused.
 */
export class CompactJwsError extends Error {
  override readonly name = 'CompactJwsError';
  constructor(
    readonly code: 'ERR_JWS_INVALID' | 'ERR_JWT_INVALID',
    message: string,
  ) {
    super(message);
  }
}

// Three base64url parts and nothing else: whitespace, padding or a fourth part is refused up front.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

// The base64url alphabet (RFC 4648 §5), by value: a character's index is the six bits it encodes.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Base64url without padding (RFC 7515 §2), canonical only: undefined for a length of 1 mod 4 (no whole
 * byte) and for a last character whose unused low bits are not zero (RFC 4648 §3.5). Buffer.from
 * ignores those bits, so without this check 4 or 16 spellings of one part would decode alike and one
 * valid token would have many valid forms. The caller has checked the alphabet; this is the check the
 * sealer's re-encoding makes, without re-encoding.
 */
export function decodeCanonicalBase64url(part: string): Buffer | undefined {
  const rest = part.length % 4;
  if (rest === 1) return undefined;
  if (rest !== 0) {
    const last = ALPHABET.indexOf(part[part.length - 1]!);
    // 2 characters carry 1 byte (4 spare bits), 3 characters carry 2 bytes (2 spare bits).
    if ((last & (rest === 2 ? 0x0f : 0x03)) !== 0) return undefined;
  }
  return Buffer.from(part, 'base64url');
}

function decodeBase64url(part: string, what: string): Buffer {
  const bytes = decodeCanonicalBase64url(part);
  if (!bytes) throw new CompactJwsError('ERR_JWS_INVALID', `Failed to base64url decode the ${what}`);
  return bytes;
}

// The error is made only when thrown: constructing one captures a stack trace, which cost more than
// the rest of the header's decoding on every request.
/**
 * A JOSE header or claims set (RFC 7515 §4, RFC 7519 §7.2): strict UTF-8 JSON whose value is an
 * object, not an array or null. Undefined for anything else.
 */
export function readJsonObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(utf8.decode(bytes));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function decodeJsonObject(part: string, error: () => CompactJwsError): Record<string, unknown> {
  const bytes = decodeCanonicalBase64url(part);
  const parsed = bytes && readJsonObject(bytes);
  if (!parsed) throw error();
  return parsed;
}

/** The claims set (RFC 7519 §7.2 step 10): strict UTF-8 JSON, an object, not an array or null. */
export function decodeClaims(jws: CompactJws): Record<string, unknown> {
  return decodeJsonObject(
    jws.payload,
    () => new CompactJwsError('ERR_JWT_INVALID', 'JWT Claims Set must be a top-level JSON object'),
  );
}

export interface CompactJws {
  /** Frozen: what the token says, not to be changed by a reader. */
  header: Readonly<Record<string, unknown>>;
  /** The encoded payload part, decoded only once the signature is known good. */
  payload: string;
  signingInput: string;
  signature: string;
}

function readHeader(encoded: string): Readonly<Record<string, unknown>> {
  return Object.freeze(
    decodeJsonObject(
      encoded,
      () => new CompactJwsError('ERR_JWS_INVALID', 'JWS Protected Header is invalid'),
    ),
  );
}

/**
 * Splits and reads the header (RFC 7515 §4: a JSON object); nothing is trusted until `verifyRs256`
 * says so. Returns undefined for anything that is not three base64url parts within `maxLength`.
 */
export function parseCompactJws(token: string, maxLength: number): CompactJws | undefined {
  if (token.length > maxLength || !COMPACT_JWS.test(token)) return undefined;
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  return {
    header: readHeader(token.slice(0, first)),
    payload: token.slice(first + 1, second),
    signingInput: token.slice(0, second),
    signature: token.slice(second + 1),
  };
}

/** RS256 = RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3), node:crypto's default padding for RSA keys. */
export function verifyRs256(jws: CompactJws, key: KeyObject): boolean {
  const signature = decodeBase64url(jws.signature, 'signature');
  // The parts matched the base64url alphabet above, so the signing input is ASCII.
  return verify('sha256', Buffer.from(jws.signingInput, 'latin1'), key, signature);
}
