// RFC 7009: token revocation. A refresh token revokes its whole family; an access token's jti is
// denied until the token expires. Public clients authenticate with their client_id alone.

import { OAuthError } from '../../shared/errors.ts';
import { NO_STORE } from '../../shared/http/respond.ts';
import type { RequestContext } from '../../shared/http/scf.ts';
import { type HttpRequest, type HttpResponse, LiteResponse } from '../../shared/http/web.ts';
import { requireStore, revokeAccessToken } from '../../shared/revocation.ts';
import type { Store } from '../../shared/store/store.ts';
import { readAuthenticatedForm } from './client-auth.ts';
import type { TokenStateDeps } from './introspect.ts';

export interface RevocationDeps extends TokenStateDeps {
  /** Seconds a verifier may still accept a token after its exp: the denial outlives the token by that much. */
  clockTolerance: number;
  store: Store;
}

export async function handleRevocation(
  { authenticate, lookup, clockTolerance, store }: RevocationDeps,
  req: HttpRequest,
  ctx: RequestContext,
): Promise<HttpResponse> {
  const { params, client } = await readAuthenticatedForm(authenticate, req, ctx);
  const token = params.token;
  if (token === undefined) throw new OAuthError('invalid_request', 'token is missing');
  // RFC 7009 §2.1: token_type_hint only speeds the search; we find the kind from the token itself.

  await requireStore(async () => {
    const found = await lookup(token);
    // RFC 7009 §2.2: an invalid, unknown or already expired token is answered 200 all the same.
    if (!found) return;
    const owner = found.kind === 'access_token' ? found.claims.client_id : found.info.clientId;
    // RFC 7009 §2.1: the server verifies the token was issued to the client asking for revocation.
    // Another client's token is left alone and answered 200 like an invalid one (RFC 7009 §2.2), so
    // the answer never tells whether someone else's token is valid.
    if (owner !== client.clientId) return;
    if (found.kind === 'access_token') {
      await revokeAccessToken(store, found.claims.jti, found.claims.exp + clockTolerance);
    } else {
      await found.info.revoke();
    }
  });
  return new LiteResponse(null, { status: 200, headers: NO_STORE });
}
