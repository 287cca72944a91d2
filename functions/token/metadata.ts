// RFC 8414 authorization server metadata: only what this deployment really serves.

import { ASSERTION_ALGS } from '../../shared/client-keys.ts';
import { SUPPORTED_LOCALES } from '../../shared/i18n/locales.ts';
import { SIGNING_ALG } from '../../shared/jwt/keys.ts';
import { SUPPORTED_CLAIMS } from '../../shared/oidc/claims.ts';
import type { TokenConfig } from './config.ts';

export function buildMetadata(config: Readonly<TokenConfig>): Record<string, unknown> {
  const scopes = new Set<string>();
  const grants = new Set<string>();
  const authMethods = new Set<string>();
  for (const client of config.clients.values()) {
    for (const s of client.scopes) scopes.add(s);
    for (const g of client.grantTypes) grants.add(g);
    authMethods.add(client.authMethod);
  }
  // Clients that register themselves, or are known by a metadata document, use the code flow.
  const { registration, metadataDocuments } = config.registry;
  if (registration !== 'off' || metadataDocuments) {
    for (const g of ['authorization_code', 'refresh_token']) grants.add(g);
    authMethods.add('none');
  }
  if (registration !== 'off')
    for (const m of ['client_secret_basic', 'client_secret_post']) authMethods.add(m);
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
    token_endpoint_auth_methods_supported: [
      'client_secret_basic',
      'client_secret_post',
      'private_key_jwt',
      'none',
    ].filter((m) => authMethods.has(m)),
    access_token_signing_alg_values_supported: [SIGNING_ALG],
    ...endpointAuthMetadata(base, authMethods),
    // RFC 7591 §3 and draft-ietf-oauth-client-id-metadata-document: only when enabled.
    ...(registration !== 'off' ? { registration_endpoint: `${base}/register` } : {}),
    ...(metadataDocuments ? { client_id_metadata_document_supported: true } : {}),
  };
}

/** RFC 8414 §2: introspection (RFC 7662) and revocation (RFC 7009), and how clients authenticate there. */
function endpointAuthMetadata(base: string, configured: ReadonlySet<string>): Record<string, unknown> {
  const methods = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'].filter((m) =>
    configured.has(m),
  );
  const jwt = configured.has('private_key_jwt');
  const algs = jwt ? { values: [...ASSERTION_ALGS] } : undefined;
  return {
    ...(algs ? { token_endpoint_auth_signing_alg_values_supported: algs.values } : {}),
    introspection_endpoint: `${base}/introspect`,
    // Public clients may not introspect (functions/token/introspect.ts).
    introspection_endpoint_auth_methods_supported: methods,
    ...(algs ? { introspection_endpoint_auth_signing_alg_values_supported: algs.values } : {}),
    revocation_endpoint: `${base}/revoke`,
    revocation_endpoint_auth_methods_supported: [...methods, ...(configured.has('none') ? ['none'] : [])],
    ...(algs ? { revocation_endpoint_auth_signing_alg_values_supported: algs.values } : {}),
  };
}

/**
 * OpenID Connect Discovery 1.0 §3: the RFC 8414 document and what an OpenID Provider adds. Everything
 * listed is served; what is not supported is said so where the default would claim otherwise.
 */
export function buildOpenIdMetadata(config: Readonly<TokenConfig>): Record<string, unknown> {
  const base = config.issuer;
  const metadata = buildMetadata(config);
  return {
    ...metadata,
    userinfo_endpoint: `${base}/userinfo`,
    // RP-Initiated Logout 1.0 §2.1, served by the authorize function.
    end_session_endpoint: `${base}/logout`,
    // OIDC Discovery §3: required even for a code-flow-only provider.
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [SIGNING_ALG],
    claims_supported: [...SUPPORTED_CLAIMS],
    claim_types_supported: ['normal'],
    // select_account is met by signing in again: a session holds one account.
    prompt_values_supported: ['none', 'login', 'consent', 'select_account'],
    claims_parameter_supported: false,
    request_parameter_supported: false,
    // OIDC Discovery §3: the default is true, so "not supported" has to be said.
    request_uri_parameter_supported: false,
    // The sign-in pages' languages (OIDC Core §3.1.2.1 ui_locales).
    ui_locales_supported: [...SUPPORTED_LOCALES],
  };
}
