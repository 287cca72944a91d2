// RFC 6749 §6: the refresh token grant, with rotation and reuse detection (RFC 9700 §4.14.2).
import { splitScope } from '../../shared/clients.ts';
import { OAuthError } from '../../shared/errors.ts';
import { readSealedClaims } from '../../shared/oidc/claims.ts';
import { Registry } from '../../shared/registry.ts';
import { storeKey } from '../../shared/store/store.ts';
import type { GrantHandler } from './authorization-code.ts';
import { issueTokenResponse, narrowResources, type TokenDeps } from './issue.ts';
import {
  createRefreshSealer,
  familyKey,
  type RefreshSealer,
  revokeFamily,
  rotate,
} from './refresh-tokens.ts';

export function createRefreshTokenGrant(deps: TokenDeps, refreshSealer?: RefreshSealer): GrantHandler {
  const sealer = refreshSealer ?? createRefreshSealer(deps.config.sealKeys);
  const registry = new Registry(deps.store, deps.now);

  return async (client, params) => {
    if (!client.grantTypes.has('refresh_token')) {
      throw new OAuthError('unauthorized_client', 'this client may not use the refresh_token grant');
    }
    const token = params.refresh_token;
    if (token === undefined) throw new OAuthError('invalid_request', 'refresh_token is missing');
    const claims = await sealer.open(token, deps.now());
    if (!claims) throw new OAuthError('invalid_grant', 'the refresh token is invalid or expired');
    // RFC 6749 §6: the refresh token was issued to the authenticated client. A wrong client revokes nothing.
    if (claims.cid !== client.clientId) {
      throw new OAuthError('invalid_grant', 'the refresh token was issued to another client');
    }
    // RFC 6749 §6: the scope may narrow, never widen; omitted means the scope originally granted.
    const granted = splitScope(claims.scope);
    const requested = splitScope(params.scope);
    if (requested.some((s) => !granted.includes(s))) {
      throw new OAuthError('invalid_scope', 'the requested scope exceeds the scope originally granted');
    }
    const scope = requested.length > 0 ? [...new Set(requested)].join(' ') : claims.scope;
    // RFC 8707 §2.2: the access token may be for fewer resources than the grant; the grant stays whole.
    const resources = narrowResources(deps, client, params, claims.res);

    // A refresh token issued before the store lost its records may be one that was already rotated,
    // or belong to a family that was revoked: refuse it rather than let it be redeemed twice.
    if (claims.iat < (await deps.store.epoch())) {
      throw new OAuthError(
        'invalid_grant',
        'the refresh token predates a restart of the token store; sign in again',
      );
    }
    // The family check comes before the consume: among concurrent uses of one token, the losers
    // revoke the family only after the winner's consume, so they can never make the winner lose too.
    if (await deps.store.isRevoked(familyKey(claims.fam))) {
      throw new OAuthError('invalid_grant', 'the grant was revoked');
    }
    // A user disabled with `npm run admin -- users disable` keeps no grant.
    if (await registry.isSubjectDisabled(claims.sub)) {
      await revokeFamily(deps.store, claims.fam, claims.fexp);
      throw new OAuthError('invalid_grant', 'the grant was revoked');
    }
    if (!(await deps.store.consumeOnce(storeKey('refresh', claims.jti), claims.exp))) {
      // RFC 9700 §4.14.2: an already rotated token came back: revoke the whole family.
      await revokeFamily(deps.store, claims.fam, claims.fexp);
      throw new OAuthError('invalid_grant', 'the refresh token was already used; the grant is revoked');
    }
    // RFC 6749 §6: the new refresh token keeps the scope of the one it replaces.
    const next = await rotate(sealer, claims, deps.now());
    return issueTokenResponse(
      deps,
      // OIDC Core §12.2: a refreshed ID token keeps the sub and the auth_time of the sign-in.
      {
        subject: claims.sub,
        clientId: client.clientId,
        scope,
        grantId: claims.fam,
        resources,
        authTime: claims.auth_time,
        ...(claims.uc !== undefined ? { userClaims: readSealedClaims(claims.uc) } : {}),
      },
      { refresh_token: next },
    );
  };
}
