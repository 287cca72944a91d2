// OpenID Connect UserInfo (OIDC Core §5.3): GET or POST with an access token holding `openid`; the
// claims the granted scopes release, as the user record (OAUTH_USERS) had them at sign-in: the
// authorize function sealed them into the code, and they travel sealed in the access token.
// Errors are RFC 6750's.
import { splitScope } from '../../shared/clients.ts';
import {
  acceptAccessToken,
  extractAccessToken,
  insufficientScope,
  invalidToken,
} from '../../shared/http/bearer.ts';
import { mediaType, readForm } from '../../shared/http/params.ts';
import { json, NO_STORE } from '../../shared/http/respond.ts';
import type { RequestContext } from '../../shared/http/scf.ts';
import type { HttpRequest, HttpResponse } from '../../shared/http/web.ts';
import { createAccessTokenVerifier } from '../../shared/jwt/verify.ts';
import { claimsForScopes, readSealedClaims } from '../../shared/oidc/claims.ts';
import type { TokenDeps } from './issue.ts';

export type UserInfoHandler = (req: HttpRequest, ctx: RequestContext) => Promise<HttpResponse>;

export function createUserInfoHandler(deps: TokenDeps): UserInfoHandler {
  const { config } = deps;
  // The token function's own keys: the current one and retired ones still in their window (never the
  // next ones, which sign nothing yet).
  const verify = createAccessTokenVerifier({
    keys: [config.signingKey, ...config.retiredKeys],
    issuer: config.issuer,
    audience: config.audience,
    clockToleranceSeconds: config.clockTolerance,
    accessTokenTyp: config.accessTokenTyp,
    now: deps.now,
  });

  return async (req, ctx) => {
    // RFC 6750 §2.2: a POST may carry the token as the form parameter access_token.
    const form =
      req.method === 'POST' && mediaType(req) === 'application/x-www-form-urlencoded'
        ? await readForm(req)
        : undefined;
    const token = extractAccessToken(req, form?.access_token);
    const claims = await acceptAccessToken(token, verify, deps.store, ctx.log);
    const scopes = splitScope(claims.scope);
    // OIDC Core §5.3: UserInfo answers only to a token issued for an OpenID Connect request.
    if (!scopes.includes('openid')) {
      throw insufficientScope('openid', 'the access token was not granted the openid scope');
    }
    // Signed by us and unexpired, so the sealed claims are ours: a value that does not open is a fault.
    const sealed =
      typeof claims.uic === 'string' ? await deps.userClaims.open(claims.uic, deps.now()) : undefined;
    if (typeof claims.uic === 'string' && !sealed)
      throw invalidToken('the access token is invalid or expired');
    // OIDC Core §5.3.2: sub always; the other claims as the token's (possibly narrowed) scope releases.
    return json({ sub: claims.sub, ...claimsForScopes(readSealedClaims(sealed), scopes) }, 200, NO_STORE);
  };
}
