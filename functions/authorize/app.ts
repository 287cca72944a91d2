// The authorize function: GET/POST /authorize — validates the request, signs the person in, asks for
// consent and redirects back to the client with a sealed, single-use authorization code — and the
// end-session endpoint, GET/POST /logout. Here: the routes, the shared dependencies, the error pages.
import { createCodeSealer } from '../../shared/authorization-code.ts';
import { createMetadataDocuments, MetadataDocumentError } from '../../shared/client-metadata.ts';
import { OAuthError } from '../../shared/errors.ts';
import { withHsts } from '../../shared/http/hsts.ts';
import { methodNotAllowed, notFound, routePath } from '../../shared/http/respond.ts';
import type { App, RequestContext } from '../../shared/http/scf.ts';
import type { HttpRequest, HttpResponse } from '../../shared/http/web.ts';
import { negotiateLocale } from '../../shared/i18n/locales.ts';
import { createIdTokenHintReader } from '../../shared/jwt/id-token-hint.ts';
import {
  type ClientDirectory,
  createClientDirectory,
  createUserLookup,
  Registry,
} from '../../shared/registry.ts';
import { openStore } from '../../shared/store/open.ts';
import { type Store, StoreUnavailableError } from '../../shared/store/store.ts';
import { createThrottle } from '../../shared/throttle.ts';
import { handleAuthorize } from './authorize.ts';
import type { AuthorizeConfig } from './config.ts';
import type { AuthorizeDeps } from './deps.ts';
import { handleLogout } from './logout.ts';
import { htmlResponse, PageText, renderErrorPage } from './pages.ts';
import { redirectToClient } from './redirect.ts';
import { ErrorPage, RedirectError, readRawParams } from './request.ts';
import { createSessionManager } from './session.ts';
import { decoyPasswordHash } from './sign-in.ts';

export interface AuthorizeAppOptions {
  now?: () => number;
  /** Default: the one OAUTH_STORE names (the registry and the sign-in limits). */
  store?: Store;
}

export function createAuthorizeApp(
  config: Readonly<AuthorizeConfig>,
  options: AuthorizeAppOptions = {},
): App {
  const now = options.now ?? Date.now;
  const store = options.store ?? openStore(config.store);
  const registry = new Registry(store, now);
  // OAUTH_CLIENTS and OAUTH_USERS first: a registry entry never shadows them.
  const documents = config.registry.metadataDocuments
    ? createMetadataDocuments({
        store,
        scopes: config.registry.scopes,
        allowLoopback: config.registry.metadataDocumentsOnLoopback,
        now,
      })
    : undefined;
  const clients = createClientDirectory({
    clients: config.clients,
    registry,
    now,
    ...(documents ? { documents } : {}),
  });
  const deps: AuthorizeDeps = {
    config,
    now,
    sessions: createSessionManager(
      config.sealKeys,
      config.sessionTtl,
      new URL(config.issuer).protocol === 'https:',
    ),
    codes: createCodeSealer(config.sealKeys),
    users: createUserLookup(config.users, registry),
    findClient: clientFinder(clients),
    throttle: createThrottle(store, now),
    readIdTokenHint: createIdTokenHintReader(config.publicKeys, config.issuer),
    // An unknown username costs the same scrypt as a known one: no user enumeration by timing.
    decoyHash: decoyPasswordHash(config.users.values().next().value?.passwordHash),
  };

  const app: App = async (req, ctx) => {
    const path = routePath(req);
    if (path !== '/authorize' && path !== '/logout') return notFound();
    // OAuth 2.1 §4.1.1: the authorization endpoint supports GET and may support POST; so does the
    // end-session endpoint (RP-Initiated Logout 1.0 §2).
    if (req.method !== 'GET' && req.method !== 'POST') methodNotAllowed(['GET', 'POST']);
    let text = pageText(config, req, undefined);
    try {
      const params = await readRawParams(req);
      // OIDC Core §3.1.2.1 ui_locales, then Accept-Language, then OAUTH_DEFAULT_LOCALE.
      text = pageText(config, req, params.get('ui_locales')?.[0]);
      if (path === '/logout') return await handleLogout(deps, req, params, text);
      return await handleAuthorize(deps, req, params, text, ctx);
    } catch (error) {
      return answerError(config, req, ctx, text, error);
    }
  };
  // A store handed in belongs to the caller; one opened here is closed with the app.
  if (!options.store) app.dispose = () => store.close();
  return withHsts(app, config.issuer);
}

function pageText(
  config: Readonly<AuthorizeConfig>,
  req: HttpRequest,
  uiLocales: string | undefined,
): PageText {
  return new PageText(negotiateLocale(uiLocales, req.headers.get('accept-language'), config.defaultLocale));
}

/** Looks a client up; a metadata document that cannot be used is an error page. */
function clientFinder(clients: ClientDirectory): AuthorizeDeps['findClient'] {
  return async (clientId) => {
    try {
      return await clients.get(clientId);
    } catch (error) {
      // Nothing about the client can be trusted: an error page, never a redirect.
      if (error instanceof MetadataDocumentError) {
        throw new ErrorPage(400, 'metadataDocumentUnusable', { detail: error.message });
      }
      throw error;
    }
  };
}

/**
 * The answer to a request refused: an error at the client's redirect URI once it is trusted, otherwise
 * an error page in the person's language. Anything else goes on to the error boundary.
 */
function answerError(
  config: Readonly<AuthorizeConfig>,
  req: HttpRequest,
  ctx: RequestContext,
  text: PageText,
  error: unknown,
): HttpResponse {
  if (error instanceof RedirectError) {
    ctx.log.error = error.error.error;
    return redirectToClient(req, error.redirectUri, {
      error: error.error.error,
      error_description: error.error.description,
      state: error.state,
      iss: config.issuer,
    });
  }
  if (error instanceof ErrorPage || error instanceof OAuthError) {
    ctx.log.error = error instanceof OAuthError ? error.error : 'invalid_request';
    // An OAuthError's description is the protocol's (English): shown as the detail of a translated line.
    const message =
      error instanceof ErrorPage
        ? text.t(error.key, error.values)
        : text.t('requestRefused', { detail: error.description });
    return htmlResponse(text, 'errorTitle', renderErrorPage(text, message), { status: error.status });
  }
  // The registry or the sign-in limits could not be read: fail closed, never sign in unchecked.
  if (error instanceof StoreUnavailableError) {
    ctx.log.error = 'temporarily_unavailable';
    return htmlResponse(text, 'errorTitle', renderErrorPage(text, text.t('storeUnavailable')), {
      status: 503,
      retryAfter: 5,
    });
  }
  throw error;
}
