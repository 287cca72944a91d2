// Builders of hostile tokens for verification tests.
import { createSign, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

export interface ClaimsInput {
  [name: string]: unknown;
}

export function standardClaims(issuer: string, audience: string, now = Date.now(), ttl = 300): ClaimsInput {
  const iat = Math.floor(now / 1000);
  return {
    iss: issuer,
    sub: 'someone',
    aud: audience,
    iat,
    nbf: iat,
    exp: iat + ttl,
    jti: `jti-${Math.random().toString(36).slice(2)}`,
    client_id: 'confidential',
    scope: 'read',
  };
}

/** Signs any header and payload with RS256 over the given private key, no checks at all. */
export function rawRs256(header: Record<string, unknown>, payload: ClaimsInput, key: KeyObject): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const signature = createSign('RSA-SHA256').update(input).sign(key).toString('base64url');
  return `${input}.${signature}`;
}

export function unsigned(payload: ClaimsInput, alg = 'none'): string {
  return `${b64({ alg, typ: 'at+jwt' })}.${b64(payload)}.`;
}

export async function hs256(payload: ClaimsInput, secret: Uint8Array, kid: string): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: 'HS256', kid }).sign(secret);
}

export function tamperPayload(token: string, change: (claims: ClaimsInput) => ClaimsInput): string {
  const [h, p, s] = token.split('.');
  const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as ClaimsInput;
  return `${h}.${b64(change(claims))}.${s}`;
}

export function tamperSignature(token: string): string {
  const [h, p, s] = token.split('.');
  const sig = Buffer.from(s!, 'base64url');
  sig[10] = (sig[10] ?? 0) ^ 0xff;
  return `${h}.${p}.${sig.toString('base64url')}`;
}
