// RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.6): exchanging an authorization code for tokens.
import { type CodeClaims, createCodeSealer } from '../../shared/authorization-code.ts';
import type { Client } from '../../shared/clients.ts';
import { OAuthError } from '../../shared/errors.ts';
import type { Params } from '../../shared/http/params.ts';
import { readSealedClaims } from '../../shared/oidc/claims.ts';
import { isValidVerifier, verifyPkce } from '../../shared/pkce.ts';
import { revokeFamily } from '../../shared/revocation.ts';
import { storeKey } from '../../shared/store/store.ts';
import { type GrantHandler, issueTokenResponse, narrowResources, type TokenDeps } from './issue.ts';
import type { RefreshFamilies } from './refresh-family.ts';

// A code's single use: recorded when it is redeemed, until it would have expired.
const redeemedKey = (jti: string) => storeKey('code', jti);

const invalidGrant = (description: string) => new OAuthError('invalid_grant', description);

export function createAuthorizationCodeGrant(deps: TokenDeps, families: RefreshFamilies): GrantHandler {
  const codes = createCodeSealer(deps.config.sealKeys);

  return async (client, params) => {
    if (!client.grantTypes.has('authorization_code')) {
      throw new OAuthError('unauthorized_client', 'this client may not use the authorization code grant');
    }
    const code = params.code;
    if (code === undefined) throw new OAuthError('invalid_request', 'code is missing');
    const claims = await codes.open(code, deps.now());
    if (!claims) throw invalidGrant('the authorization code is invalid or expired');
    checkBinding(claims, client, params);
    // RFC 8707 §2.2: within the resources of the authorization request; checked before the code is spent.
    const resources = narrowResources(deps, client, params, claims.res);
    // A code issued before the store lost its records may have been redeemed in them already.
    if (claims.iat < (await deps.store.epoch())) {
      throw invalidGrant('the authorization code predates a restart of the token store; start again');
    }

    // Every check that a replay by the wrong party would fail comes before this point, so an invalid
    // replay burns nothing and revokes nothing. RFC 6749 §4.1.2: the code is single use.
    const first = await deps.store.consumeOnce(redeemedKey(claims.jti), claims.exp);
    if (!first) {
      // RFC 6749 §4.1.2 / RFC 9700 §4.2.4: a second valid redemption revokes what the first one got.
      const nowSeconds = Math.floor(deps.now() / 1000);
      await revokeFamily(deps.store, claims.jti, nowSeconds + deps.config.refreshTokenTtl);
      throw invalidGrant('the authorization code was already used');
    }

    // The code's id names the family: a replay that revokes it revokes this access token too.
    const grant = {
      subject: claims.sub,
      clientId: client.clientId,
      scope: claims.scope,
      grantId: claims.jti,
      authTime: claims.auth_time,
      ...(claims.nonce !== undefined ? { nonce: claims.nonce } : {}),
      ...(claims.uc !== undefined ? { userClaims: readSealedClaims(claims.uc) } : {}),
      resources,
    };
    if (!client.grantTypes.has('refresh_token')) return issueTokenResponse(deps, grant);
    const refreshToken = await families.start({
      family: claims.jti,
      clientId: client.clientId,
      subject: claims.sub,
      scope: claims.scope,
      authTime: claims.auth_time,
      ...(grant.userClaims !== undefined ? { userClaims: grant.userClaims } : {}),
      ...(claims.res ? { resources: claims.res } : {}),
    });
    return issueTokenResponse(deps, grant, { refresh_token: refreshToken });
  };
}

function checkBinding(claims: CodeClaims, client: Client, params: Params): void {
  // RFC 6749 §4.1.3: the code was issued to this client.
  if (claims.cid !== client.clientId)
    throw invalidGrant('the authorization code was issued to another client');
  // RFC 6749 §4.1.3: redirect_uri must be identical when it was in the authorization request.
  if (claims.rsent && params.redirect_uri === undefined) {
    throw new OAuthError(
      'invalid_request',
      'redirect_uri is required: it was sent with the authorization request',
    );
  }
  if (params.redirect_uri !== undefined && params.redirect_uri !== claims.ruri) {
    throw invalidGrant('redirect_uri does not match the authorization request');
  }
  const verifier = params.code_verifier;
  if (claims.cc === undefined) {
    // RFC 9700 §2.1.1: a public client's code is only ever redeemed with PKCE.
    if (client.isPublic) throw invalidGrant('a public client must use PKCE');
    // RFC 9700 §2.1.1: a verifier for a code issued without a challenge is a PKCE downgrade attempt.
    if (verifier !== undefined)
      throw invalidGrant('code_verifier sent but the authorization request had no code_challenge');
    return;
  }
  // RFC 7636 §4.6: the verifier must be present and hash to the challenge.
  if (verifier === undefined) throw invalidGrant('code_verifier is missing');
  if (!isValidVerifier(verifier))
    throw new OAuthError('invalid_request', 'code_verifier must be 43–128 unreserved characters');
  if (!verifyPkce(verifier, claims.cc)) throw invalidGrant('code_verifier does not match the code_challenge');
}
