// Resource indicator tests (RFC 8707): the resources this test server issues tokens for, a client
// limited to one of them, and the client credentials request that asks for them.
import type { HttpResponse } from '../../shared/http/web.ts';
import type { Harness } from './authorize-flow.ts';
import { AUDIENCE, basic, CONFIDENTIAL_SECRET, form, testClients } from './fixtures.ts';

export const MCP_RESOURCE = 'https://mcp.example/mcp';
export const OTHER_RESOURCE = 'https://reports.example';

/** A confidential client for client credentials that may have tokens for MCP_RESOURCE only. */
export const LIMITED_CLIENT = {
  client_id: 'limited',
  client_secret: CONFIDENTIAL_SECRET,
  grant_types: ['client_credentials'],
  scope: 'read',
  resources: [MCP_RESOURCE],
};

/** OAUTH_RESOURCES with the test audience and both resources, and the clients with LIMITED_CLIENT. */
export const RESOURCES_ENV = {
  OAUTH_RESOURCES: JSON.stringify([AUDIENCE, MCP_RESOURCE, OTHER_RESOURCE]),
  OAUTH_CLIENTS: JSON.stringify([...testClients, LIMITED_CLIENT]),
};

/** POST /token with client_credentials as `client` (its secret CONFIDENTIAL_SECRET), `pairs` added (`resource`…). */
export function clientCredentials(
  h: Pick<Harness, 'token'>,
  pairs: [string, string][],
  client = 'confidential',
): Promise<HttpResponse> {
  return h.token(
    form(new URLSearchParams([['grant_type', 'client_credentials'], ...pairs]).toString(), {
      authorization: basic(client, CONFIDENTIAL_SECRET),
    }),
  );
}
