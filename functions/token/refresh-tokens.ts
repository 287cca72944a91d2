// Refresh tokens: sealed (JWE) with their family and generation; the store keeps single use and
// family revocation. Rotated on every use (RFC 9700 §4.14.2); reuse of a rotated token revokes the
// whole family, since either the legitimate client or an attacker holds a stolen copy.

import type { UserClaims } from '../../shared/oidc/claims.ts';
import { createSealer, type Sealer, type SealKeys } from '../../shared/seal.ts';
import { type Store, storeKey } from '../../shared/store/store.ts';
import { newTokenId } from '../../shared/token-id.ts';

export interface RefreshClaims {
  [claim: string]: unknown;
  jti: string;
  /** Family id: the id of the authorization code the family started from. */
  fam: string;
  /** Generation within the family: 1 from the code, +1 per rotation. */
  gen: number;
  cid: string;
  sub: string;
  scope: string;
  /** Absolute end of the family (Unix seconds); rotation never extends it. */
  fexp: number;
  auth_time: number;
  /** The released user claims of the sign-in, for the access tokens of the family (UserInfo). */
  uc?: UserClaims;
  /** RFC 8707: the resources of the authorization request, when it named any; kept by rotation. */
  res?: string[];
}

export type RefreshSealer = Sealer<RefreshClaims>;

export function createRefreshSealer(keys: SealKeys): RefreshSealer {
  return createSealer<RefreshClaims>(keys, 'refresh token');
}

export interface FamilyStart {
  family: string;
  clientId: string;
  subject: string;
  scope: string;
  authTime: number;
  userClaims?: UserClaims;
  resources?: readonly string[];
}

export async function startFamily(
  sealer: RefreshSealer,
  start: FamilyStart,
  ttlSeconds: number,
  nowMs: number,
): Promise<string> {
  const fexp = Math.floor(nowMs / 1000) + ttlSeconds;
  return sealer.seal(
    {
      jti: newTokenId(),
      fam: start.family,
      gen: 1,
      cid: start.clientId,
      sub: start.subject,
      scope: start.scope,
      fexp,
      auth_time: start.authTime,
      ...(start.userClaims !== undefined ? { uc: start.userClaims } : {}),
      ...(start.resources ? { res: [...start.resources] } : {}),
    },
    ttlSeconds,
    nowMs,
  );
}

export async function rotate(sealer: RefreshSealer, previous: RefreshClaims, nowMs: number): Promise<string> {
  const remaining = previous.fexp - Math.floor(nowMs / 1000);
  return sealer.seal(
    { ...previous, jti: newTokenId(), gen: previous.gen + 1 },
    Math.max(1, remaining),
    nowMs,
  );
}

export function familyKey(family: string): string {
  return storeKey('family', family);
}

/** Revokes every refresh token of the family, for as long as any of them could still be valid. */
export function revokeFamily(store: Store, family: string, until: number): Promise<void> {
  return store.revoke(familyKey(family), until);
}
