// RFC 7662: token introspection, for resource servers registered as confidential clients.
// Policy: a confidential client registered with `introspection: true` may introspect any of our
// access tokens (that is what a resource server does); any other confidential client learns only about
// tokens issued to itself; a refresh token is reported only to the client it was issued to; public
// clients may not call.

import { OAuthError } from '../../shared/errors.ts';
import { json, NO_STORE } from '../../shared/http/respond.ts';
import type { RequestContext } from '../../shared/http/scf.ts';
import type { HttpRequest, HttpResponse } from '../../shared/http/web.ts';
import { requireStore } from '../../shared/revocation.ts';
import { type ClientAuthenticator, readAuthenticatedForm } from './client-auth.ts';
import type { TokenLookup } from './lookup.ts';

const INACTIVE = { active: false } as const;

export interface TokenStateDeps {
  issuer: string;
  authenticate: ClientAuthenticator;
  lookup: TokenLookup;
}

export async function handleIntrospection(
  { issuer, authenticate, lookup }: TokenStateDeps,
  req: HttpRequest,
  ctx: RequestContext,
): Promise<HttpResponse> {
  const { params, client } = await readAuthenticatedForm(authenticate, req, ctx);
  // RFC 7662 §2.1: the endpoint requires authorization; a public client's client_id proves nothing.
  if (client.isPublic) {
    throw new OAuthError('invalid_client', 'introspection is open to confidential clients only', {
      status: 401,
    });
  }
  const token = params.token;
  if (token === undefined) throw new OAuthError('invalid_request', 'token is missing');
  // RFC 7662 §2.1: token_type_hint is only a hint; both kinds are looked up whatever it says.

  const found = await requireStore(() => lookup(token));
  // RFC 7662 §2.2: unknown, expired, revoked, or not this caller's to see: just {"active": false}.
  if (!found) return json(INACTIVE, 200, NO_STORE);
  if (found.kind === 'access_token') {
    const c = found.claims;
    // RFC 7662 §4: the answer would tell this client who another client's users are and what they may
    // do; only a client allowed to introspect learns about tokens that are not its own.
    if (!client.mayIntrospect && c.client_id !== client.clientId) return json(INACTIVE, 200, NO_STORE);
    return json(
      {
        active: true,
        ...(c.scope ? { scope: c.scope } : {}),
        client_id: c.client_id,
        sub: c.sub,
        exp: c.exp,
        iat: c.iat,
        ...(typeof c.nbf === 'number' ? { nbf: c.nbf } : {}),
        aud: c.aud,
        iss: c.iss,
        jti: c.jti,
        token_type: 'Bearer',
      },
      200,
      NO_STORE,
    );
  }
  const { info } = found;
  if (info.clientId !== client.clientId || !(await requireStore(() => info.isLive()))) {
    return json(INACTIVE, 200, NO_STORE);
  }
  return json(
    {
      active: true,
      ...(info.scope ? { scope: info.scope } : {}),
      client_id: info.clientId,
      sub: info.subject,
      exp: info.exp,
      iat: info.iat,
      iss: issuer,
    },
    200,
    NO_STORE,
  );
}
