// Refresh-token families: each token sealed (JWE) with its family and generation, rotated on every use
// (RFC 9700 §4.14.2); the store keeps each token's single use, and the family's revocation
// (shared/revocation.ts). Reuse of a rotated token revokes the whole family, since either the
// legitimate client or an attacker holds a stolen copy. The one place that decides whether a refresh
// token may still be used, for the refresh grant and for introspection alike.

import type { UserClaims } from '../../shared/oidc/claims.ts';
import { disabledKey } from '../../shared/registry.ts';
import { isFamilyRevoked, isFamilyRevokedOrRecorded, revokeFamily } from '../../shared/revocation.ts';
import { createSealer, type Sealer, type SealKeys } from '../../shared/seal.ts';
import { storeKey } from '../../shared/store/store.ts';
import { newTokenId } from '../../shared/token-id.ts';
import type { TokenDeps } from './issue.ts';

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

type RefreshSealer = Sealer<RefreshClaims>;

/** A refresh token opened: its claims, and the `iat` and `exp` of its seal. */
export type OpenedRefreshToken = RefreshClaims & { exp: number; iat: number };

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

/** Why a refresh token may not be used; the refresh grant answers each with invalid_grant. */
export type RefreshRefusal =
  /** Issued before the store lost its records: it may be one that was already rotated. */
  | 'predates-store'
  /** Its family was revoked (RFC 7009 §2.1, or a replayed code or refresh token). */
  | 'revoked'
  /** Its user was disabled with `npm run admin -- users disable`: the user keeps no grant. */
  | 'disabled'
  /** Already rotated: it came back (RFC 9700 §4.14.2). */
  | 'reused';

export interface RefreshFamilies {
  /** The token's claims; undefined for anything that is not one of ours (forged, expired, garbled). */
  open(token: string): Promise<OpenedRefreshToken | undefined>;
  /** The first refresh token of a family, from the authorization code that names it. */
  start(start: FamilyStart): Promise<string>;
  /**
   * Spends the token (its single use), or says why it is refused; a token that came back after its
   * rotation, or whose user was disabled, revokes its whole family.
   */
  redeem(claims: OpenedRefreshToken): Promise<RefreshRefusal | undefined>;
  /** The successor of a redeemed token: same grant and family end, a new id, the next generation. */
  rotate(claims: OpenedRefreshToken): Promise<string>;
  /** Whether the token could be redeemed now (introspection); changes nothing. */
  isLive(claims: OpenedRefreshToken): Promise<boolean>;
  /** Revokes the token's whole family, for as long as any of its members could still be valid. */
  revoke(claims: OpenedRefreshToken): Promise<void>;
}

// A token's single use: recorded when it is redeemed, until it would have expired.
const spentKey = (jti: string) => storeKey('refresh', jti);

export function createRefreshFamilies(deps: TokenDeps): RefreshFamilies {
  const { config, store } = deps;
  // One sealer (one derived key, imported once) for every reader and writer of refresh tokens.
  const sealer = createRefreshSealer(config.sealKeys);

  /**
   * The one decision of whether a refresh token may be used: `redeem` spends it (atomically, so
   * among concurrent uses exactly one wins), `inspect` only looks.
   */
  async function refusalOf(
    claims: OpenedRefreshToken,
    use: 'redeem' | 'inspect',
  ): Promise<RefreshRefusal | undefined> {
    // A refresh token issued before the store lost its records may be one that was already rotated,
    // or belong to a family that was revoked: refuse it rather than let it be redeemed twice.
    if (claims.iat < (await store.epoch())) return 'predates-store';
    // The family check comes before the consume: among concurrent uses of one token, the losers
    // revoke the family only after the winner's consume, so they can never make the winner lose too.
    // The family's revocation and its user's disabled record in one round trip; which of them, only
    // when one is there.
    if (await isFamilyRevokedOrRecorded(store, claims.fam, [disabledKey(claims.sub)])) {
      return (await isFamilyRevoked(store, claims.fam)) ? 'revoked' : 'disabled';
    }
    const unspent =
      use === 'redeem'
        ? await store.consumeOnce(spentKey(claims.jti), claims.exp)
        : (await store.get(spentKey(claims.jti))) === undefined;
    return unspent ? undefined : 'reused';
  }

  const revoke = (claims: OpenedRefreshToken) => revokeFamily(store, claims.fam, claims.fexp);

  return {
    open: (token) => sealer.open(token, deps.now()),

    start(start) {
      const nowMs = deps.now();
      const ttlSeconds = config.refreshTokenTtl;
      return sealer.seal(
        {
          jti: newTokenId(),
          fam: start.family,
          gen: 1,
          cid: start.clientId,
          sub: start.subject,
          scope: start.scope,
          // The family ends here: rotation never extends it.
          fexp: Math.floor(nowMs / 1000) + ttlSeconds,
          auth_time: start.authTime,
          ...(start.userClaims !== undefined ? { uc: start.userClaims } : {}),
          ...(start.resources ? { res: [...start.resources] } : {}),
        },
        ttlSeconds,
        nowMs,
      );
    },

    async redeem(claims) {
      const refusal = await refusalOf(claims, 'redeem');
      // RFC 9700 §4.14.2: an already rotated token came back: revoke the whole family. A disabled
      // user's family goes too.
      if (refusal === 'reused' || refusal === 'disabled') await revoke(claims);
      return refusal;
    },

    rotate(claims) {
      const nowMs = deps.now();
      const remaining = claims.fexp - Math.floor(nowMs / 1000);
      return sealer.seal(
        { ...claims, jti: newTokenId(), gen: claims.gen + 1 },
        Math.max(1, remaining),
        nowMs,
      );
    },

    isLive: async (claims) => (await refusalOf(claims, 'inspect')) === undefined,

    revoke,
  };
}
