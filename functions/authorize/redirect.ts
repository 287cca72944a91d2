// Back to the client (RFC 6749 §4.1.2): with a sealed, single-use authorization code, or with an error.
import { splitScope } from '../../shared/clients.ts';
import { type HttpRequest, type HttpResponse, LiteResponse } from '../../shared/http/web.ts';
import { claimsForScopes, userClaimsOf } from '../../shared/oidc/claims.ts';
import { newTokenId } from '../../shared/token-id.ts';
import type { User } from '../../shared/users.ts';
import type { AuthorizeDeps } from './deps.ts';
import type { PageContext } from './page-context.ts';
import type { Session } from './session.ts';

/** The code for this request and this user, sealed and bound to all the token endpoint will check. */
export async function issueCode(
  { codes, config, now }: Pick<AuthorizeDeps, 'codes' | 'config' | 'now'>,
  page: PageContext,
  session: Session,
  user: User,
  cookie?: string,
): Promise<HttpResponse> {
  const { request } = page;
  const scopes = splitScope(request.scope);
  // OIDC Core §5.4: the claims the granted scopes release, as the user record has them now.
  const released = scopes.includes('openid') ? claimsForScopes(userClaimsOf(user), scopes) : {};
  const code = await codes.seal(
    {
      jti: newTokenId(),
      cid: request.client.clientId,
      ruri: request.redirectUri,
      rsent: request.redirectUriSent,
      sub: user.sub,
      scope: request.scope,
      ...(request.codeChallenge !== undefined ? { cc: request.codeChallenge } : {}),
      ...(request.resources ? { res: request.resources } : {}),
      auth_time: session.auth_time ?? Math.floor(now() / 1000),
      ...(request.nonce !== undefined ? { nonce: request.nonce } : {}),
      ...(Object.keys(released).length > 0 ? { uc: released } : {}),
    },
    config.codeTtl,
    now(),
  );
  return redirectToClient(
    page.req,
    request.redirectUri,
    { code, state: request.state, iss: config.issuer },
    cookie,
  );
}

/**
 * RFC 6749 §4.1.2 with RFC 9207 `iss`. RFC 9700 §4.12: a redirect after a POST is 303, never 307, so
 * the browser does not re-post the form (with the password) to the client.
 */
export function redirectToClient(
  req: HttpRequest,
  redirectUri: string,
  params: Record<string, string | undefined>,
  cookie?: string,
): HttpResponse {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params))
    if (value !== undefined) url.searchParams.append(name, value);
  return new LiteResponse(null, {
    status: req.method === 'POST' ? 303 : 302,
    headers: {
      location: url.href,
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      ...(cookie ? { 'set-cookie': cookie } : {}),
    },
  });
}
