// OpenID Connect UserInfo (OIDC Core §5.3): GET or POST with an access token holding `openid`; the
// claims the granted scopes release, as the user record (OAUTH_USERS) had them at sign-in: the
// authorize function sealed them into the code, and they travel sealed in the access token.
// Errors are RFC 6750's.
import { invalidToken } from '../../shared/http/bearer.ts';
import { mediaType, readForm } from '../../shared/http/params.ts';
import { json, NO_STORE } from '../../shared/http/respond.ts';
import type { RequestContext } from '../../shared/http/scf.ts';
import type { HttpRequest, HttpResponse } from '../../shared/http/web.ts';
import { claimsForScopes, readSealedClaims } from '../../shared/oidc/claims.ts';
import { createGuard } from '../../shared/resource-server/guard.ts';
import { authenticateBearer } from '../../shared/revocation.ts';
import type { TokenDeps } from './issue.ts';

export type UserInfoHandler = (req: HttpRequest, ctx: RequestContext) => Promise<HttpResponse>;

export function createUserInfoHandler(deps: TokenDeps): UserInfoHandler {
  const { config } = deps;
  // UserInfo is the authorization server's own resource: its audience is the default one,
  // OAUTH_AUDIENCE. RFC 8707 §2: a token issued (or narrowed) for other resources only is not for it
  // and is refused as invalid_token. The token function's own keys: the current one and retired ones
  // still in their window (never the next ones, which sign nothing yet). OIDC Core §5.3: only a token
  // granted `openid` (403 insufficient_scope, scope="openid", otherwise).
  const guard = createGuard({
    keys: [config.signingKey, ...config.retiredKeys],
    issuer: config.issuer,
    audience: config.audience,
    scopes: ['openid'],
    clockTolerance: config.clockTolerance,
    accessTokenTyp: config.accessTokenTyp,
    now: deps.now,
    resourceMetadata: false,
  });

  return async (req, ctx) => {
    // RFC 6750 §2.2: a POST may carry the token as the form parameter access_token.
    const form =
      req.method === 'POST' && mediaType(req) === 'application/x-www-form-urlencoded'
        ? await readForm(req)
        : undefined;
    const { claims, scopes } = await authenticateBearer(guard, req, ctx.log, deps.store, form?.access_token);
    // Signed by us and unexpired, so the sealed claims are ours: a value that does not open is a fault.
    const sealed =
      typeof claims.uic === 'string' ? await deps.userClaims.open(claims.uic, deps.now()) : undefined;
    if (typeof claims.uic === 'string' && !sealed)
      throw invalidToken('the access token is invalid or expired');
    // OIDC Core §5.3.2: sub always; the other claims as the token's (possibly narrowed) scope releases.
    return json({ sub: claims.sub, ...claimsForScopes(readSealedClaims(sealed), scopes) }, 200, NO_STORE);
  };
}
