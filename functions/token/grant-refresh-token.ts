// RFC 6749 §6: the refresh token grant, with rotation and reuse detection (RFC 9700 §4.14.2).
import { splitScope } from '../../shared/clients.ts';
import { OAuthError } from '../../shared/errors.ts';
import { readSealedClaims } from '../../shared/oidc/claims.ts';
import { type GrantHandler, issueTokenResponse, narrowResources, type TokenDeps } from './issue.ts';
import type { RefreshFamilies, RefreshRefusal } from './refresh-family.ts';

const REFUSED: Record<RefreshRefusal, string> = {
  'predates-store': 'the refresh token predates a restart of the token store; sign in again',
  revoked: 'the grant was revoked',
  disabled: 'the grant was revoked',
  reused: 'the refresh token was already used; the grant is revoked',
};

export function createRefreshTokenGrant(deps: TokenDeps, families: RefreshFamilies): GrantHandler {
  return async (client, params) => {
    if (!client.grantTypes.has('refresh_token')) {
      throw new OAuthError('unauthorized_client', 'this client may not use the refresh_token grant');
    }
    const token = params.refresh_token;
    if (token === undefined) throw new OAuthError('invalid_request', 'refresh_token is missing');
    const claims = await families.open(token);
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

    // Every check of the request comes before this point: a refused request spends nothing.
    const refusal = await families.redeem(claims);
    if (refusal) throw new OAuthError('invalid_grant', REFUSED[refusal]);
    // RFC 6749 §6: the new refresh token keeps the scope of the one it replaces.
    const next = await families.rotate(claims);
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
