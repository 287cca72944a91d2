// Configuration of each function, parsed once from the environment into a frozen typed object.
// Each function reads only the variables it needs (least privilege; SCF allows 4 KB per function).
import { type ClientRegistry, readClients } from './clients.ts';
import { type Env, EnvReader, readIssuer } from './env.ts';
import {
  importPublicKeys,
  importSigningKey,
  KeyFormatError,
  type SigningKey,
  type VerificationKey,
} from './jwt/keys.ts';
import type { AccessTokenTyp } from './jwt/sign.ts';

export interface TokenConfig {
  issuer: string;
  audience: string;
  signingKey: SigningKey;
  /** Public keys of retired signing keys, still published until their tokens expire. */
  retiredKeys: readonly VerificationKey[];
  secret: Uint8Array;
  clients: ClientRegistry;
  store: string;
  accessTokenTtl: number;
  accessTokenTyp: AccessTokenTyp;
  clockTolerance: number;
}

export interface BusinessConfig {
  issuer: string;
  audience: string;
  publicKeys: readonly VerificationKey[];
  clockTolerance: number;
}

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

function readTolerance(reader: EnvReader): number {
  return reader.integer('OAUTH_CLOCK_TOLERANCE', 30, 0, 300);
}

async function readKey<T>(
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

export async function loadTokenConfig(env: Env): Promise<Readonly<TokenConfig>> {
  const reader = new EnvReader(env);
  const issuer = readIssuer(reader);
  const audience = reader.required('OAUTH_AUDIENCE') ?? '';
  const signingKey = await readKey(reader, 'OAUTH_PRIVATE_KEY', true, importSigningKey);
  const retired = await readKey(reader, 'OAUTH_RETIRED_PUBLIC_KEYS', false, importPublicKeys);
  const secret = readSecret(reader);
  const clients = readClients(reader);
  const store = readStore(reader);
  const accessTokenTtl = reader.integer('OAUTH_ACCESS_TOKEN_TTL', 300, 60, 86_400);
  const accessTokenTyp = reader.oneOf<AccessTokenTyp>('OAUTH_ACCESS_TOKEN_TYP', 'at+jwt', ['at+jwt', 'JWT']);
  const clockTolerance = readTolerance(reader);
  return reader.finish({
    issuer,
    audience,
    signingKey: signingKey as SigningKey,
    retiredKeys: (retired ?? []).filter((k) => k.kid !== signingKey?.kid),
    secret,
    clients,
    store,
    accessTokenTtl,
    accessTokenTyp,
    clockTolerance,
  });
}

export async function loadBusinessConfig(env: Env): Promise<Readonly<BusinessConfig>> {
  const reader = new EnvReader(env);
  const issuer = readIssuer(reader);
  const audience = reader.required('OAUTH_AUDIENCE') ?? '';
  const publicKeys = await readKey(reader, 'OAUTH_PUBLIC_KEYS', true, importPublicKeys);
  const clockTolerance = readTolerance(reader);
  return reader.finish({ issuer, audience, publicKeys: publicKeys ?? [], clockTolerance });
}
