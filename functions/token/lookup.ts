// What a token presented to introspection or revocation is: one of our access tokens (a JWT signed by
// the current or a retired key) or one of our refresh tokens, and whether it is still live.
import {
  createAccessTokenVerifier,
  TokenRejected,
  type VerifiedAccessToken,
} from '../../shared/jwt/verify.ts';
import { isAccessTokenRevoked } from '../../shared/revocation.ts';
import type { TokenDeps } from './issue.ts';
import type { RefreshFamilies } from './refresh-family.ts';

export interface RefreshTokenInfo {
  clientId: string;
  subject: string;
  scope: string;
  exp: number;
  iat: number;
  /** Revokes the token's whole family (RFC 7009 §2.1 with RFC 9700 §4.14.2 lineage). */
  revoke(): Promise<void>;
  /** False once it could no longer be redeemed: rotated, revoked with its family, its user disabled. */
  isLive(): Promise<boolean>;
}

export type FoundToken =
  | { kind: 'access_token'; claims: VerifiedAccessToken }
  | { kind: 'refresh_token'; info: RefreshTokenInfo };

export type TokenLookup = (token: string) => Promise<FoundToken | undefined>;

// A JWS has three dot-separated parts (our access tokens); a JWE five (our sealed refresh tokens).
const parts = (token: string) => token.split('.').length;

export function createTokenLookup(deps: TokenDeps, families: RefreshFamilies): TokenLookup {
  const { config } = deps;
  const verify = createAccessTokenVerifier({
    // Only keys that sign or signed: the next key has signed nothing yet.
    keys: [config.signingKey, ...config.retiredKeys],
    issuer: config.issuer,
    // Tokens for any of the resources this server issues for are its own (RFC 8707).
    audience: config.resources,
    // The authorization server's clock is the reference: no grace beyond exp here.
    clockToleranceSeconds: 0,
    accessTokenTyp: config.accessTokenTyp,
    now: deps.now,
  });

  return async (token) => {
    if (parts(token) === 3) {
      let claims: VerifiedAccessToken;
      try {
        claims = await verify(token);
      } catch (error) {
        if (error instanceof TokenRejected) return undefined;
        throw error;
      }
      if (await isAccessTokenRevoked(deps.store, claims)) return undefined;
      return { kind: 'access_token', claims };
    }
    if (parts(token) === 5) {
      const claims = await families.open(token);
      if (!claims) return undefined;
      const info: RefreshTokenInfo = {
        clientId: claims.cid,
        subject: claims.sub,
        scope: claims.scope,
        exp: claims.exp,
        iat: claims.iat,
        // RFC 7009 §2.1: revoking a refresh token revokes the grant: its whole family.
        revoke: () => families.revoke(claims),
        // The refresh grant's own decision: introspection reports live what it would redeem.
        isLive: () => families.isLive(claims),
      };
      return { kind: 'refresh_token', info };
    }
    return undefined;
  };
}
