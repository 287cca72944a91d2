// Refresh tokens at introspection and revocation: opened with the refresh sealer; live unless
// rotated (its jti consumed), revoked with its family, or older than the store's records.
import { storeKey } from '../../shared/store/store.ts';
import type { TokenDeps } from './issue.ts';
import { createRefreshSealer, familyKey, type RefreshSealer, revokeFamily } from './refresh-tokens.ts';
import type { RefreshTokenReader } from './token-lookup.ts';

export function createRefreshTokenReader(deps: TokenDeps, refreshSealer?: RefreshSealer): RefreshTokenReader {
  const sealer = refreshSealer ?? createRefreshSealer(deps.config.sealKeys);
  return async (token) => {
    const claims = await sealer.open(token, deps.now());
    if (!claims) return undefined;
    return {
      clientId: claims.cid,
      subject: claims.sub,
      scope: claims.scope,
      exp: claims.exp,
      iat: claims.iat,
      // RFC 7009 §2.1: revoking a refresh token revokes the grant: its whole family.
      revoke: () => revokeFamily(deps.store, claims.fam, claims.fexp),
      async isLive() {
        // The refresh grant refuses a token older than the store's records; so does introspection.
        if (claims.iat < (await deps.store.epoch())) return false;
        if (await deps.store.isRevoked(familyKey(claims.fam))) return false;
        // A rotated refresh token was consumed when it was redeemed: it can never be redeemed again.
        return (await deps.store.get(storeKey('refresh', claims.jti))) === undefined;
      },
    };
  };
}
