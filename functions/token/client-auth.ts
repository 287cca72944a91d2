// Client authentication at the token, introspection and revocation endpoints (RFC 6749 §2.3).

import { type Client, type ClientSource, secretMatches } from '../../shared/clients.ts';
import { OAuthError } from '../../shared/errors.ts';
import { type Params, parseBasicAuth, readForm } from '../../shared/http/params.ts';
import type { HttpRequest } from '../../shared/http/web.ts';
import type { AssertionVerifier } from './client-assertion.ts';

export type ClientAuthenticator = (req: HttpRequest, params: Params) => Promise<Client>;

function invalidClient(basic: boolean, description = 'client authentication failed'): OAuthError {
  // RFC 6749 §5.2: 401 with WWW-Authenticate naming the scheme the client tried.
  return new OAuthError('invalid_client', description, {
    status: 401,
    headers: basic ? { 'www-authenticate': 'Basic realm="token", charset="UTF-8"' } : {},
  });
}

/** `verifyAssertion` enables RFC 7523 `private_key_jwt`; without it client assertions are refused. */
export function createClientAuthenticator(
  clients: ClientSource,
  verifyAssertion?: AssertionVerifier,
): ClientAuthenticator {
  return async (req, params) => {
    const authorization = req.headers.get('authorization');
    const basic = parseBasicAuth(authorization);
    if (authorization !== null && !basic) {
      throw invalidClient(false, 'the Authorization header must use the Basic scheme here');
    }
    const viaPost = params.client_secret !== undefined;
    const viaAssertion = params.client_assertion !== undefined || params.client_assertion_type !== undefined;
    // RFC 6749 §2.3: a client MUST NOT use more than one authentication method in each request.
    if ([basic !== undefined, viaPost, viaAssertion].filter(Boolean).length > 1) {
      throw new OAuthError('invalid_request', 'use exactly one client authentication method');
    }
    if (viaAssertion) {
      if (!verifyAssertion) throw invalidClient(false, 'client assertions are not accepted for this client');
      return verifyAssertion(clients, params);
    }

    if (basic) {
      if (params.client_id !== undefined && params.client_id !== basic.clientId) {
        throw new OAuthError('invalid_request', 'client_id differs from the authenticated client');
      }
      const client = await clients.get(basic.clientId);
      if (client?.authMethod !== 'client_secret_basic' || !secretMatches(client, basic.clientSecret)) {
        throw invalidClient(true);
      }
      return client;
    }

    const clientId = params.client_id;
    if (clientId === undefined) throw invalidClient(false, 'client authentication is required');
    const client = await clients.get(clientId);
    if (!client) throw invalidClient(false);
    if (viaPost) {
      if (client.authMethod !== 'client_secret_post' || !secretMatches(client, params.client_secret!)) {
        throw invalidClient(false);
      }
      return client;
    }
    // No credentials: only a public client may do that (RFC 6749 §2.1), and PKCE protects its grants.
    if (client.authMethod !== 'none') throw invalidClient(false);
    return client;
  };
}

/**
 * The form body of a client-authenticated endpoint (token, introspection, revocation) and the client
 * it authenticates, recorded in the request log.
 */
export async function readAuthenticatedForm(
  authenticate: ClientAuthenticator,
  req: HttpRequest,
  ctx: { log: { clientId?: string } },
): Promise<{ params: Params; client: Client }> {
  const params = await readForm(req);
  const client = await authenticate(req, params);
  ctx.log.clientId = client.clientId;
  return { params, client };
}
