// RFC 6749 §4.4: the client credentials grant.
import type { Client } from '../../shared/clients.ts';
import { OAuthError } from '../../shared/errors.ts';
import type { Params } from '../../shared/http/params.ts';
import type { HttpResponse } from '../../shared/http/web.ts';
import { clientResources, grantScope, issueTokenResponse, type TokenDeps } from './issue.ts';

export async function handleClientCredentials(
  deps: TokenDeps,
  client: Client,
  params: Params,
): Promise<HttpResponse> {
  if (!client.grantTypes.has('client_credentials')) {
    throw new OAuthError('unauthorized_client', 'this client may not use the client_credentials grant');
  }
  const scope = grantScope(client, params.scope);
  const resources = clientResources(deps, client, params);
  // RFC 9068 §2.2: with no resource owner, `sub` is the client's own identifier.
  return issueTokenResponse(deps, { subject: client.clientId, clientId: client.clientId, scope, resources });
}
