// Issuing access tokens and the RFC 6749 §5.1 token response.
import type { Client } from '../../shared/clients.ts';
import { splitScope } from '../../shared/clients.ts';
import type { TokenConfig } from '../../shared/config.ts';
import { OAuthError } from '../../shared/errors.ts';
import { type Params, paramValues } from '../../shared/http/params.ts';
import { json, NO_STORE } from '../../shared/http/respond.ts';
import type { HttpResponse } from '../../shared/http/web.ts';
import { signAccessToken } from '../../shared/jwt/sign.ts';
import { allowedResources, audienceOf, defaultResources, selectResources } from '../../shared/resources.ts';
import { accessTokenLifetime } from '../../shared/rotation.ts';
import type { Store } from '../../shared/store/store.ts';

export interface TokenDeps {
  config: Readonly<TokenConfig>;
  now: () => number;
  /** Single use, rotation and revocation across instances. */
  store: Store;
}

/**
 * RFC 6749 §3.3: the granted scope is the requested one if every token of it is registered for the
 * client; with no request, the client's registered scope.
 */
export function grantScope(client: Client, requested: string | undefined): string {
  if (requested === undefined) return client.scopes.join(' ');
  const tokens = splitScope(requested);
  if (tokens.length === 0) return client.scopes.join(' ');
  const unknown = tokens.find((s) => !client.scopes.includes(s));
  if (unknown !== undefined)
    throw new OAuthError('invalid_scope', 'a requested scope is not allowed for this client');
  return [...new Set(tokens)].join(' ');
}

/** The `resource` parameters of a token request (RFC 8707 §2: it may repeat). */
export function requestedResources(params: Params): string[] {
  return paramValues(params, 'resource');
}

/**
 * RFC 8707 §2.2: what the client was granted (a code's or refresh token's resources, or, when they
 * name none, the default audience); the request may narrow it, never widen it.
 */
export function narrowResources(
  deps: TokenDeps,
  client: Client,
  params: Params,
  granted: readonly string[] | undefined,
): string[] {
  const { config } = deps;
  return selectResources(
    requestedResources(params),
    granted ?? defaultResources(client, config.resources, config.audience),
  );
}

/** The client credentials grant: any resource the client may have; none asked for, the default. */
export function clientResources(deps: TokenDeps, client: Client, params: Params): string[] {
  const { config } = deps;
  const requested = requestedResources(params);
  if (requested.length === 0) return defaultResources(client, config.resources, config.audience);
  return selectResources(requested, allowedResources(client, config.resources));
}

export interface Grant {
  subject: string;
  clientId: string;
  scope: string;
  /** RFC 8707: the resources the token is for, its `aud`. */
  resources: readonly string[];
  /** The refresh-token family, when the grant has one (authorization code, refresh). */
  grantId?: string;
}

export async function issueAccessToken(deps: TokenDeps, grant: Grant) {
  const { config } = deps;
  const now = deps.now();
  return signAccessToken(config.signingKey, {
    issuer: config.issuer,
    audience: audienceOf(grant.resources),
    subject: grant.subject,
    clientId: grant.clientId,
    scope: grant.scope,
    ttlSeconds: accessTokenLifetime(config.accessTokenTtl, config.signingKeyNotAfter, now),
    now,
    typ: config.accessTokenTyp,
    ...(grant.grantId ? { grantId: grant.grantId } : {}),
  });
}

export async function issueTokenResponse(
  deps: TokenDeps,
  grant: Grant,
  extra: Record<string, string> = {},
): Promise<HttpResponse> {
  const { token, claims } = await issueAccessToken(deps, grant);
  return json(
    {
      access_token: token,
      token_type: 'Bearer',
      // Shorter than the configured lifetime while a key rotation caps it.
      expires_in: claims.exp - claims.iat,
      ...(grant.scope ? { scope: grant.scope } : {}),
      ...extra,
    },
    200,
    NO_STORE,
  );
}
