// The token function: POST /token, /introspect, /revoke, and the well-known metadata and JWKS documents.

import { createMetadataDocuments, MetadataDocumentError } from '../../shared/client-metadata.ts';
import { OAuthError } from '../../shared/errors.ts';
import { withHsts } from '../../shared/http/hsts.ts';
import { methodNotAllowed, notFound, routePath } from '../../shared/http/respond.ts';
import type { App, RequestContext } from '../../shared/http/scf.ts';
import { type HttpRequest, type HttpResponse, LiteResponse } from '../../shared/http/web.ts';
import { buildJwks } from '../../shared/jwt/keys.ts';
import { createClientDirectory, Registry } from '../../shared/registry.ts';
import { requireStore } from '../../shared/revocation.ts';
import { openStore } from '../../shared/store/open.ts';
import type { Store } from '../../shared/store/store.ts';
import { createThrottle } from '../../shared/throttle.ts';
import { createAssertionVerifier } from './client-assertion.ts';
import { type ClientAuthenticator, createClientAuthenticator, readAuthenticatedForm } from './client-auth.ts';
import type { TokenConfig } from './config.ts';
import { createAuthorizationCodeGrant } from './grant-authorization-code.ts';
import { handleClientCredentials } from './grant-client-credentials.ts';
import { createRefreshTokenGrant } from './grant-refresh-token.ts';
import { createUserClaimsSealer } from './id-token.ts';
import { handleIntrospection } from './introspect.ts';
import type { GrantHandler, TokenDeps } from './issue.ts';
import { createTokenLookup } from './lookup.ts';
import { buildMetadata, buildOpenIdMetadata } from './metadata.ts';
import { createRefreshFamilies } from './refresh-family.ts';
import { handleRegistration } from './register.ts';
import { handleRevocation } from './revoke.ts';
import { accessTokenLifetime } from './rotation.ts';
import { createUserInfoHandler } from './userinfo.ts';

export interface TokenAppOptions {
  now?: () => number;
  /** Default: the one OAUTH_STORE names. */
  store?: Store;
}

export function createTokenApp(config: Readonly<TokenConfig>, options: TokenAppOptions = {}): App {
  const deps: TokenDeps = {
    config,
    now: options.now ?? Date.now,
    store: options.store ?? openStore(config.store),
    userClaims: createUserClaimsSealer(config.sealKeys),
  };
  // OAUTH_CLIENTS first, then the registry in the store; a store that is down is a 503.
  const registry = new Registry(deps.store, deps.now);
  // Built once: every reader and writer of refresh tokens shares its sealer (one derived key).
  const families = createRefreshFamilies(deps);
  const storeGrants: Record<string, GrantHandler> = {
    authorization_code: createAuthorizationCodeGrant(deps, families),
    refresh_token: createRefreshTokenGrant(deps, families),
  };
  const documents = config.registry.metadataDocuments
    ? createMetadataDocuments({
        store: deps.store,
        scopes: config.registry.scopes,
        allowLoopback: config.registry.metadataDocumentsOnLoopback,
        now: deps.now,
      })
    : undefined;
  const directory = createClientDirectory({
    clients: config.clients,
    registry,
    now: deps.now,
    ...(documents ? { documents } : {}),
  });
  const clients = {
    get: (id: string) =>
      requireStore(() =>
        directory.get(id).catch((error: unknown) => {
          if (!(error instanceof MetadataDocumentError)) throw error;
          throw new OAuthError('invalid_client', 'client authentication failed', {
            status: 401,
            cause: error.message,
          });
        }),
      ),
  };
  const registration = {
    config: config.registry,
    registry,
    throttle: createThrottle(deps.store, deps.now),
    now: deps.now,
  };
  const authenticate = createClientAuthenticator(
    clients,
    createAssertionVerifier({
      issuer: config.issuer,
      store: deps.store,
      clockTolerance: config.clockTolerance,
      now: deps.now,
    }),
  );
  const tokenState = {
    issuer: config.issuer,
    authenticate,
    lookup: createTokenLookup(deps, families),
    clockTolerance: config.clockTolerance,
    store: deps.store,
  };
  // Built once per instance: these documents change only with the configuration.
  const metadataBody = JSON.stringify(buildMetadata(config));
  const openIdMetadataBody = JSON.stringify(buildOpenIdMetadata(config));
  const userInfo = createUserInfoHandler(deps);
  // The current key, the next one (published before it signs) and retired ones still in their window.
  const jwksBody = JSON.stringify(buildJwks([config.signingKey, ...config.nextKeys, ...config.retiredKeys]));
  const documentHeaders = {
    'content-type': 'application/json;charset=UTF-8',
    'cache-control': 'public, max-age=300',
  };

  const app: App = async (req, ctx) => {
    const path = routePath(req);
    switch (path) {
      case '/token':
        if (req.method !== 'POST') methodNotAllowed(['POST']);
        return handleToken(deps, authenticate, storeGrants, req, ctx);
      case '/introspect':
        if (req.method !== 'POST') methodNotAllowed(['POST']);
        return handleIntrospection(tokenState, req, ctx);
      case '/revoke':
        if (req.method !== 'POST') methodNotAllowed(['POST']);
        return handleRevocation(tokenState, req, ctx);
      case '/register':
        // RFC 7591: off unless OAUTH_REGISTRATION says otherwise, and then absent from the metadata.
        if (config.registry.registration === 'off') return notFound();
        if (req.method !== 'POST') methodNotAllowed(['POST']);
        return handleRegistration(registration, req, ctx);
      case '/.well-known/oauth-authorization-server':
        if (req.method !== 'GET' && req.method !== 'HEAD') methodNotAllowed(['GET']);
        return new LiteResponse(metadataBody, { headers: documentHeaders });
      case '/.well-known/openid-configuration':
        if (req.method !== 'GET' && req.method !== 'HEAD') methodNotAllowed(['GET']);
        return new LiteResponse(openIdMetadataBody, { headers: documentHeaders });
      case '/userinfo':
        // OIDC Core §5.3.1: UserInfo supports GET and POST.
        if (req.method !== 'GET' && req.method !== 'POST') methodNotAllowed(['GET', 'POST']);
        return userInfo(req, ctx);
      case '/.well-known/jwks.json':
        if (req.method !== 'GET' && req.method !== 'HEAD') methodNotAllowed(['GET']);
        return new LiteResponse(jwksBody, { headers: documentHeaders });
      default:
        return notFound();
    }
  };
  // A store handed in belongs to the caller; one opened here is closed with the app.
  if (!options.store) app.dispose = () => deps.store.close();
  return withHsts(app, config.issuer);
}

async function handleToken(
  deps: TokenDeps,
  authenticate: ClientAuthenticator,
  storeGrants: Record<string, GrantHandler>,
  req: HttpRequest,
  ctx: RequestContext,
): Promise<HttpResponse> {
  // Past the signing key's switch time nothing can be signed: answer 503 before the client's
  // assertion, code or refresh token is consumed, so the retry that Retry-After asks for still works
  // (a spent refresh token presented again would revoke its whole family, RFC 9700 §4.14.2).
  accessTokenLifetime(deps.config.accessTokenTtl, deps.config.signingKeyNotAfter, deps.now());
  const { params, client } = await readAuthenticatedForm(authenticate, req, ctx);
  const grantType = params.grant_type;
  if (grantType === undefined) throw new OAuthError('invalid_request', 'grant_type is missing');
  switch (grantType) {
    case 'client_credentials':
      return handleClientCredentials(deps, client, params);
    case 'authorization_code':
    case 'refresh_token':
      // A grant that needs the store answers 503 when it is unreachable, and issues nothing.
      return requireStore(() => storeGrants[grantType]!(client, params));
    default:
      throw new OAuthError('unsupported_grant_type', 'this grant type is not supported');
  }
}
