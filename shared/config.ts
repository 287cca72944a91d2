// The readers every function's configuration shares: secrets and derived keys, key variables, the
// store, the clock tolerance. Each function reads its own variables in its own `config.ts`, once, into
// a frozen typed object (least privilege; SCF allows 4 KB of environment per function).
import type { EnvReader } from './env.ts';
import { decodeCanonicalBase64url } from './jwt/compact.ts';
import { KeyFormatError } from './jwt/keys.ts';
import type { AccessTokenTyp } from './jwt/sign.ts';
import {
  deriveSealKeys,
  type KeyedPurpose,
  SEAL_KEY_VARIABLES,
  type SealKeys,
  type SealPurpose,
} from './seal.ts';

export function readSecret(reader: EnvReader, name = 'OAUTH_SECRET'): Uint8Array {
  const raw = reader.required(name);
  if (raw === undefined) return new Uint8Array();
  if (!/^[A-Za-z0-9_-]+$/.test(raw)) {
    reader.report(`${name} must be base64url (A–Z, a–z, 0–9, "-", "_"; no padding)`);
    return new Uint8Array();
  }
  const bytes = Buffer.from(raw, 'base64url');
  if (bytes.byteLength < 32)
    reader.report(`${name} must encode at least 32 random bytes, got ${bytes.byteLength}`);
  return new Uint8Array(bytes);
}

/**
 * The derived keys of `purposes`: from OAUTH_SECRET (one secret, for development and simple setups),
 * or each from its own variable (SEAL_KEY_VARIABLES, printed by `npm run keys`), so that a function
 * holds only what it needs. Both at once is ambiguous and refused.
 */
export function readSealKeys(reader: EnvReader, purposes: readonly KeyedPurpose[]): SealKeys {
  const names = purposes.map((p) => SEAL_KEY_VARIABLES[p]);
  const given = names.filter((name) => reader.optional(name) !== undefined);
  if (reader.optional('OAUTH_SECRET') !== undefined) {
    if (given.length > 0) {
      reader.report(
        `OAUTH_SECRET and ${given.join(', ')} are both set: give either the one secret or this function's own keys`,
      );
    }
    const secret = readSecret(reader);
    return secret.byteLength >= 32 ? deriveSealKeys(secret, purposes) : {};
  }
  if (given.length === 0) {
    reader.report(`OAUTH_SECRET is missing (or give this function's own keys: ${names.join(', ')})`);
    return {};
  }
  const keys: Partial<Record<SealPurpose, Uint8Array>> = {};
  for (const purpose of purposes) {
    const name = SEAL_KEY_VARIABLES[purpose];
    const raw = reader.required(name);
    if (raw === undefined) continue;
    const bytes = /^[A-Za-z0-9_-]{43}$/.test(raw) ? decodeCanonicalBase64url(raw) : undefined;
    if (!bytes)
      reader.report(`${name} must be 32 bytes in base64url (43 characters), as npm run keys prints it`);
    else keys[purpose] = new Uint8Array(bytes);
  }
  return Object.freeze(keys);
}

export function readStore(reader: EnvReader, name = 'OAUTH_STORE'): string {
  const raw = reader.optional(name) ?? 'memory';
  if (raw === 'memory') return raw;
  if (/^rediss?:\/\//.test(raw)) {
    try {
      new URL(raw);
      return raw;
    } catch {
      // falls through to the report below
    }
  }
  reader.report(`${name} must be "memory" or a redis:// or rediss:// URL`);
  return 'memory';
}

export function readTolerance(reader: EnvReader): number {
  return reader.integer('OAUTH_CLOCK_TOLERANCE', 30, 0, 300);
}

/** A key variable read with `load`; a format problem is reported under the variable's name. */
export async function readKey<T>(
  reader: EnvReader,
  name: string,
  required: boolean,
  load: (v: string) => Promise<T>,
) {
  const raw = required ? reader.required(name) : reader.optional(name);
  if (raw === undefined) return undefined;
  try {
    return await load(raw);
  } catch (error) {
    if (!(error instanceof KeyFormatError)) throw error;
    reader.report(`${name} ${error.message}`);
    return undefined;
  }
}

/** OAUTH_AUDIENCE, required: the audience of access tokens (RFC 9068 §3), the business API's URL. */
export function readAudience(reader: EnvReader): string {
  return reader.required('OAUTH_AUDIENCE') ?? '';
}

/** OAUTH_ACCESS_TOKEN_TYP: the `typ` access tokens carry (RFC 9068 `at+jwt`, or `JWT` for older resource servers). */
export function readAccessTokenTyp(reader: EnvReader): AccessTokenTyp {
  return reader.oneOf<AccessTokenTyp>('OAUTH_ACCESS_TOKEN_TYP', 'at+jwt', ['at+jwt', 'JWT']);
}
