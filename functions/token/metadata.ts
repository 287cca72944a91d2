// RFC 8414 authorization server metadata: only what this deployment really serves.
import type { TokenConfig } from '../../shared/config.ts';
import { SIGNING_ALG } from '../../shared/jwt/keys.ts';

export function buildMetadata(config: Readonly<TokenConfig>): Record<string, unknown> {
  const scopes = new Set<string>();
  const grants = new Set<string>();
  const authMethods = new Set<string>();
  for (const client of config.clients.values()) {
    for (const s of client.scopes) scopes.add(s);
    for (const g of client.grantTypes) grants.add(g);
    authMethods.add(client.authMethod);
  }
  const base = config.issuer;
  return {
    issuer: base,
    token_endpoint: `${base}/token`,
    jwks_uri: `${base}/.well-known/jwks.json`,
    scopes_supported: [...scopes].sort(),
    ...(grants.has('authorization_code')
      ? {
          authorization_endpoint: `${base}/authorize`,
          code_challenge_methods_supported: ['S256'],
          // RFC 9207 §3: every authorization response carries `iss`.
          authorization_response_iss_parameter_supported: true,
        }
      : {}),
    response_types_supported: grants.has('authorization_code') ? ['code'] : [],
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'].filter((g) =>
      grants.has(g),
    ),
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'].filter((m) =>
      authMethods.has(m),
    ),
    access_token_signing_alg_values_supported: [SIGNING_ALG],
  };
}
