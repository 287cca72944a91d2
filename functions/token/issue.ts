// Issuing access tokens and the RFC 6749 §5.1 token response.
import type { Client } from '../../shared/clients.ts';
import { splitScope } from '../../shared/clients.ts';
import { OAuthError } from '../../shared/errors.ts';
import { type Params, paramValues } from '../../shared/http/params.ts';
import { json, NO_STORE } from '../../shared/http/respond.ts';
import type { HttpResponse } from '../../shared/http/web.ts';
import { signAccessToken } from '../../shared/jwt/sign.ts';
import type { UserClaims } from '../../shared/oidc/claims.ts';
import { allowedResources, audienceOf, defaultResources, selectResources } from '../../shared/resources.ts';
import type { Store } from '../../shared/store/store.ts';
import type { TokenConfig } from './config.ts';
import { issueIdToken, type UserClaimsSealer } from './id-token.ts';
import { accessTokenLifetime } from './rotation.ts';

export interface TokenDeps {
  config: Readonly<TokenConfig>;
  now: () => number;
  /** Single use, rotation and revocation across instances. */
  store: Store;
  /** Seals the user claims an access token carries for UserInfo. */
  userClaims: UserClaimsSealer;
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

/** One grant of POST /token, called once the client is authenticated. */
export type GrantHandler = (client: Client, params: Params) => Promise<HttpResponse>;

export interface Grant {
  subject: string;
  clientId: string;
  scope: string;
  /** RFC 8707: the resources the token is for, its `aud`. */
  resources: readonly string[];
  /** The refresh-token family, when the grant has one (authorization code, refresh). */
  grantId?: string;
  /** When the person signed in: a grant with a person behind it (code, refresh) and `openid` gets an ID token. */
  authTime?: number;
  /** OIDC Core §3.1.2.1: the nonce of the authorization request, returned in the ID token. */
  nonce?: string;
  /** The user's claims released at consent: sealed into the access token for UserInfo. */
  userClaims?: UserClaims;
}

export async function issueAccessToken(deps: TokenDeps, grant: Grant) {
  const { config } = deps;
  const now = deps.now();
  const ttlSeconds = accessTokenLifetime(config.accessTokenTtl, config.signingKeyNotAfter, now);
  // UserInfo (OIDC Core §5.3) answers from the token alone: the token function holds no user list (SCF's
  // 4 KB of environment has no room for it), so the claims released at consent travel with the grant,
  // sealed, readable only here. Only when there are some, and openid is still granted.
  const userClaims =
    grant.userClaims !== undefined &&
    Object.keys(grant.userClaims).length > 0 &&
    splitScope(grant.scope).includes('openid')
      ? await deps.userClaims.seal(grant.userClaims, ttlSeconds, now)
      : undefined;
  return signAccessToken(config.signingKey, {
    issuer: config.issuer,
    audience: audienceOf(grant.resources),
    subject: grant.subject,
    clientId: grant.clientId,
    scope: grant.scope,
    ttlSeconds,
    now,
    typ: config.accessTokenTyp,
    ...(grant.grantId ? { grantId: grant.grantId } : {}),
    ...(userClaims !== undefined ? { userClaims } : {}),
  });
}

export async function issueTokenResponse(
  deps: TokenDeps,
  grant: Grant,
  extra: Record<string, string> = {},
): Promise<HttpResponse> {
  const { token, claims } = await issueAccessToken(deps, grant);
  // OIDC Core §3.1.3.3: with the `openid` scope the token response carries an ID token. Never for
  // client_credentials, where no person signed in (no authTime).
  const idToken =
    grant.authTime !== undefined && splitScope(grant.scope).includes('openid')
      ? issueIdToken(deps, {
          subject: grant.subject,
          clientId: grant.clientId,
          authTime: grant.authTime,
          ...(grant.nonce !== undefined ? { nonce: grant.nonce } : {}),
          accessToken: token,
        })
      : undefined;
  return json(
    {
      access_token: token,
      token_type: 'Bearer',
      // Shorter than the configured lifetime while a key rotation caps it.
      expires_in: claims.exp - claims.iat,
      ...(grant.scope ? { scope: grant.scope } : {}),
      ...(idToken !== undefined ? { id_token: idToken } : {}),
      ...extra,
    },
    200,
    NO_STORE,
  );
}
