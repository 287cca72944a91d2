// Password hashes for OAUTH_USERS: scrypt (RFC 7914), compared in constant time.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

// N = 2^15, r = 8, p = 1: ~32 MiB and tens of milliseconds, OWASP's scrypt floor.
const DEFAULT = { N: 32768, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
const FORMAT = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]{22,})\$([A-Za-z0-9_-]{43})$/;

function derive(password: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** `scrypt$N$r$p$salt$hash`, base64url parts. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, DEFAULT.N, DEFAULT.r, DEFAULT.p);
  return `scrypt$${DEFAULT.N}$${DEFAULT.r}$${DEFAULT.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export function isPasswordHash(value: string): boolean {
  const m = FORMAT.exec(value);
  if (!m) return false;
  const N = Number(m[1]);
  return N >= 1024 && N <= 1_048_576 && (N & (N - 1)) === 0 && Number(m[2]) >= 1 && Number(m[3]) >= 1;
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const m = FORMAT.exec(hash);
  if (!m || !isPasswordHash(hash)) return false;
  const key = await derive(
    password,
    Buffer.from(m[4]!, 'base64url'),
    Number(m[1]),
    Number(m[2]),
    Number(m[3]),
  );
  return timingSafeEqual(key, Buffer.from(m[5]!, 'base64url'));
}
