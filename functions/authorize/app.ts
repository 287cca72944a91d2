// The authorize function: GET/POST /authorize — validates the request, signs the person in, asks for
// consent and redirects back to the client with a sealed, single-use authorization code.
import { createCodeSealer } from '../../shared/authorization-code.ts';
import { createMetadataDocuments, MetadataDocumentError } from '../../shared/client-metadata.ts';
import { splitScope } from '../../shared/clients.ts';
import type { AuthorizeConfig } from '../../shared/config.ts';
import { OAuthError } from '../../shared/errors.ts';
import { withHsts } from '../../shared/http/hsts.ts';
import { MAX_FORM_BYTES, mediaType, readBody } from '../../shared/http/params.ts';
import { methodNotAllowed, notFound, routePath } from '../../shared/http/respond.ts';
import type { App, RequestContext } from '../../shared/http/scf.ts';
import { type HttpRequest, type HttpResponse, LiteResponse, requestUrl } from '../../shared/http/web.ts';
import { newTokenId } from '../../shared/jwt/sign.ts';
import { verifyPassword } from '../../shared/password.ts';
import { createClientDirectory, createUserLookup, Registry } from '../../shared/registry.ts';
import { openStore } from '../../shared/store/open.ts';
import { type Store, StoreUnavailableError } from '../../shared/store/store.ts';
import { createThrottle } from '../../shared/throttle.ts';
import type { User } from '../../shared/users.ts';
import { htmlResponse, renderConsentPage, renderErrorPage, renderLoginPage } from './pages.ts';
import {
  type AuthorizationRequest,
  ErrorPage,
  parseRawParams,
  type RawParams,
  REQUEST_PARAMETERS,
  RedirectError,
  validateAuthorizationRequest,
} from './request.ts';
import { createSessionManager, type Session } from './session.ts';

export interface AuthorizeAppOptions {
  now?: () => number;
  /** Default: the one OAUTH_STORE names (the registry and the sign-in limits). */
  store?: Store;
}

const MAX_PASSWORD_LENGTH = 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function createAuthorizeApp(
  config: Readonly<AuthorizeConfig>,
  options: AuthorizeAppOptions = {},
): App {
  const now = options.now ?? Date.now;
  const sessions = createSessionManager(
    config.sealKeys,
    config.sessionTtl,
    new URL(config.issuer).protocol === 'https:',
  );
  const codes = createCodeSealer(config.sealKeys);
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
  const users = createUserLookup(config.users, registry);
  const throttle = createThrottle(store, now);
  const limits = config.registry;
  // An unknown username costs the same scrypt as a known one: no user enumeration by timing.
  const decoyHash = decoyPasswordHash(config.users.values().next().value?.passwordHash);

  async function handle(req: HttpRequest, ctx: RequestContext): Promise<HttpResponse> {
    const params = await readParams(req);
    // The client is looked up first (it may be in the store); the request is then checked against it.
    const ids = params.get('client_id');
    const found = ids?.length === 1 ? await findClient(ids[0]!) : undefined;
    const request = validateAuthorizationRequest(params, config, () => found);
    ctx.log.clientId = request.client.clientId;
    const page = new PageContext(req, params, request);
    const session = await sessions.read(req, now());
    const submitted = req.method === 'POST' && (params.has('csrf_token') || params.has('decision'));
    if (submitted || (req.method === 'POST' && params.has('username'))) {
      // The forms are protected by a token bound to the session cookie (RFC 9700 §4.7, CSRF).
      if (!session || !sessions.checkCsrf(session, params.get('csrf_token')?.[0])) {
        return page.login(await fresh(), 'Your sign-in page expired. Please sign in again.', 403);
      }
      if (params.has('decision')) return decide(page, session, params.get('decision')?.[0]);
      return signIn(page, params, ctx.sourceIp);
    }
    const user = session?.sub !== undefined ? await users.bySubject(session.sub) : undefined;
    if (session && user) return page.consent(session, user);
    return page.login(session ?? (await fresh()));
  }

  async function findClient(clientId: string) {
    try {
      return await clients.get(clientId);
    } catch (error) {
      // Nothing about the client can be trusted: an error page, never a redirect.
      if (error instanceof MetadataDocumentError) {
        throw new ErrorPage(400, `The application's metadata document cannot be used: ${error.message}.`);
      }
      throw error;
    }
  }

  /** A new anonymous session, and its cookie to set. */
  async function fresh(): Promise<{ session: Session; cookie: string }> {
    const session = sessions.newSession();
    return { session, cookie: await sessions.cookie(session, now()) };
  }

  async function signIn(page: PageContext, params: RawParams, address = 'unknown'): Promise<HttpResponse> {
    const username = params.get('username')?.[0]?.normalize('NFC');
    const password = params.get('password')?.[0];
    if (!username || !password) {
      return page.login(await fresh(), 'Enter your username and password.', 400, username);
    }
    // Password guessing is limited per username (known or not: no enumeration) and per address; the
    // limit holds even for the right password, so a guesser learns nothing once it is reached.
    const [userLimited, addressLimited] = await Promise.all([
      throttle.exhausted('login-user', username, limits.loginLimit),
      throttle.exhausted('login-ip', address, limits.loginAddressLimit),
    ]);
    if (userLimited || addressLimited) {
      const minutes = Math.ceil(limits.loginLimit.window / 60);
      const message = `Too many failed sign-ins. Wait up to ${minutes} minutes, then try again.`;
      return page.login(await fresh(), message, 429, username);
    }
    const user = await users.byUsername(username);
    const valid =
      password.length <= MAX_PASSWORD_LENGTH &&
      (await verifyPassword(password, user?.passwordHash ?? decoyHash)) &&
      user !== undefined;
    if (!valid) {
      await Promise.all([
        throttle.count('login-user', username, limits.loginLimit),
        throttle.count('login-ip', address, limits.loginAddressLimit),
      ]);
      return page.login(await fresh(), 'The username or password is not correct.', 401, username);
    }
    // A new session id at login (session fixation), then back to GET so a reload never re-posts.
    const session = sessions.newSession({ sub: user.sub, auth_time: Math.floor(now() / 1000) });
    const cookie = await sessions.cookie(session, now());
    return seeOther(page.selfUrl(), cookie);
  }

  async function decide(
    page: PageContext,
    session: Session,
    decision: string | undefined,
  ): Promise<HttpResponse> {
    const user = session.sub !== undefined ? await users.bySubject(session.sub) : undefined;
    if (!user) return page.login(await fresh(), 'Please sign in first.', 401);
    const { request } = page;
    if (decision === 'deny') {
      // RFC 6749 §4.1.2.1: the resource owner denied the request.
      throw new RedirectError(
        new OAuthError('access_denied', 'the user denied the request'),
        request.redirectUri,
        request.state,
      );
    }
    if (decision !== 'allow') {
      throw new RedirectError(
        new OAuthError('invalid_request', 'decision must be allow or deny'),
        request.redirectUri,
        request.state,
      );
    }
    const code = await codes.seal(
      {
        jti: newTokenId(),
        cid: request.client.clientId,
        ruri: request.redirectUri,
        rsent: request.redirectUriSent,
        sub: user.sub,
        scope: request.scope,
        ...(request.codeChallenge !== undefined ? { cc: request.codeChallenge } : {}),
        ...(request.resources ? { res: request.resources } : {}),
        auth_time: session.auth_time ?? Math.floor(now() / 1000),
      },
      config.codeTtl,
      now(),
    );
    return redirectToClient(page.req, request.redirectUri, {
      code,
      state: request.state,
      iss: config.issuer,
    });
  }

  class PageContext {
    readonly fields: Record<string, string | readonly string[]> = {};
    constructor(
      readonly req: HttpRequest,
      params: RawParams,
      readonly request: AuthorizationRequest,
    ) {
      for (const name of REQUEST_PARAMETERS) {
        const values = params.get(name);
        // RFC 8707 §2: every resource is carried forward; other parameters occur once.
        if (values !== undefined) this.fields[name] = name === 'resource' ? values : values[0]!;
      }
    }

    get action(): string {
      return new URL(this.req.url).pathname;
    }

    selfUrl(): string {
      const pairs = Object.entries(this.fields).flatMap(([name, value]) =>
        (typeof value === 'string' ? [value] : value).map((v): [string, string] => [name, v]),
      );
      return `${this.action}?${new URLSearchParams(pairs).toString()}`;
    }

    login(
      state: Session | { session: Session; cookie: string },
      error?: string,
      status = 200,
      username?: string,
    ): HttpResponse {
      const { session, cookie } = 'sid' in state ? { session: state, cookie: undefined } : state;
      const body = renderLoginPage({
        action: this.action,
        clientId: this.request.client.clientId,
        fields: { ...this.fields, csrf_token: sessions.csrfToken(session) },
        ...(username !== undefined ? { username } : {}),
        ...(error !== undefined ? { error } : {}),
      });
      return htmlResponse('Sign in', body, { status, ...(cookie ? { setCookie: cookie } : {}) });
    }

    consent(session: Session, user: User): HttpResponse {
      const body = renderConsentPage({
        action: this.action,
        clientId: this.request.client.clientId,
        username: user.username,
        scopes: splitScope(this.request.scope),
        ...(documents &&
        !config.clients.has(this.request.client.clientId) &&
        /^https?:/.test(this.request.client.clientId)
          ? {
              published: {
                host: new URL(this.request.client.clientId).host,
                redirectHost: new URL(this.request.redirectUri).host,
              },
            }
          : {}),
        fields: { ...this.fields, csrf_token: sessions.csrfToken(session) },
      });
      // The consent form's POST is answered with a redirect to the client: CSP form-action must allow it.
      return htmlResponse('Allow access?', body, { formTargets: [new URL(this.request.redirectUri).origin] });
    }
  }

  const app: App = async (req, ctx) => {
    if (routePath(req) !== '/authorize') return notFound();
    // OAuth 2.1 §4.1.1: the authorization endpoint supports GET and may support POST.
    if (req.method !== 'GET' && req.method !== 'POST') methodNotAllowed(['GET', 'POST']);
    try {
      return await handle(req, ctx);
    } catch (error) {
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
        return htmlResponse('Error', renderErrorPage(error.description), { status: error.status });
      }
      // The registry or the sign-in limits could not be read: fail closed, never sign in unchecked.
      if (error instanceof StoreUnavailableError) {
        ctx.log.error = 'temporarily_unavailable';
        return htmlResponse('Error', renderErrorPage(STORE_DOWN), { status: 503, retryAfter: 5 });
      }
      throw error;
    }
  };
  // A store handed in belongs to the caller; one opened here is closed with the app.
  if (!options.store) app.dispose = () => store.close();
  return withHsts(app, config.issuer);
}

const STORE_DOWN = 'Sign-in is unavailable for a moment. Please try again shortly.';

async function readParams(req: HttpRequest): Promise<RawParams> {
  if (req.method === 'GET') return parseRawParams(requestUrl(req).search.slice(1));
  if (mediaType(req) !== 'application/x-www-form-urlencoded') {
    throw new ErrorPage(415, 'The form must be sent as application/x-www-form-urlencoded.');
  }
  let text: string;
  try {
    text = utf8.decode(await readBody(req, MAX_FORM_BYTES));
  } catch (error) {
    if (error instanceof OAuthError) throw error;
    throw new ErrorPage(400, 'The form is not valid UTF-8.');
  }
  return parseRawParams(text);
}

/**
 * RFC 6749 §4.1.2 with RFC 9207 `iss`. RFC 9700 §4.12: a redirect after a POST is 303, never 307, so
 * the browser does not re-post the form (with the password) to the client.
 */
function redirectToClient(
  req: HttpRequest,
  redirectUri: string,
  params: Record<string, string | undefined>,
): HttpResponse {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params))
    if (value !== undefined) url.searchParams.append(name, value);
  return new LiteResponse(null, {
    status: req.method === 'POST' ? 303 : 302,
    headers: { location: url.href, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' },
  });
}

function seeOther(location: string, cookie: string): HttpResponse {
  return new LiteResponse(null, {
    status: 303,
    headers: { location, 'cache-control': 'no-store', 'set-cookie': cookie },
  });
}

/** A well-formed hash with the parameters of a real one, for usernames that do not exist. */
function decoyPasswordHash(like: string | undefined): string {
  const params = like?.split('$').slice(1, 4).join('$') ?? '32768$8$1';
  return `scrypt$${params}$${'A'.repeat(22)}$${'A'.repeat(43)}`;
}
