// The authorize function: GET/POST /authorize — validates the request, signs the person in, asks for
// consent and redirects back to the client with a sealed, single-use authorization code.
import { createCodeSealer } from '../../shared/authorization-code.ts';
import { createMetadataDocuments, MetadataDocumentError } from '../../shared/client-metadata.ts';
import { splitScope } from '../../shared/clients.ts';
import { OAuthError, type OAuthErrorCode } from '../../shared/errors.ts';
import { withHsts } from '../../shared/http/hsts.ts';
import { MAX_FORM_BYTES, mediaType, readBody } from '../../shared/http/params.ts';
import { methodNotAllowed, notFound, routePath } from '../../shared/http/respond.ts';
import type { App, RequestContext } from '../../shared/http/scf.ts';
import { type HttpRequest, type HttpResponse, LiteResponse, requestUrl } from '../../shared/http/web.ts';
import type { StringKey } from '../../shared/i18n/locales.ts';
import { negotiateLocale } from '../../shared/i18n/locales.ts';
import { createIdTokenHintReader, type IdTokenHint } from '../../shared/jwt/id-token-hint.ts';
import { claimsForScopes, userClaimsOf } from '../../shared/oidc/claims.ts';
import { verifyPassword } from '../../shared/password.ts';
import { createClientDirectory, createUserLookup, Registry } from '../../shared/registry.ts';
import { openStore } from '../../shared/store/open.ts';
import { type Store, StoreUnavailableError } from '../../shared/store/store.ts';
import { createThrottle } from '../../shared/throttle.ts';
import { newTokenId } from '../../shared/token-id.ts';
import type { User } from '../../shared/users.ts';
import type { AuthorizeConfig } from './config.ts';
import { handleLogout } from './logout.ts';
import { htmlResponse, PageText, renderConsentPage, renderErrorPage, renderLoginPage } from './pages.ts';
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
const MAX_CONSENTS_JSON = 1500;
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
  const readIdTokenHint = createIdTokenHintReader(config.publicKeys, config.issuer);
  // An unknown username costs the same scrypt as a known one: no user enumeration by timing.
  const decoyHash = decoyPasswordHash(config.users.values().next().value?.passwordHash);

  async function handle(
    req: HttpRequest,
    ctx: RequestContext,
    page: { text: PageText },
  ): Promise<HttpResponse> {
    const params = await readParams(req);
    // OIDC Core §3.1.2.1 ui_locales, then Accept-Language, then OAUTH_DEFAULT_LOCALE.
    page.text = pageText(req, params.get('ui_locales')?.[0]);
    // The client is looked up first (it may be in the store); the request is then checked against it.
    const ids = params.get('client_id');
    const found = ids?.length === 1 ? await findClient(ids[0]!) : undefined;
    const request = validateAuthorizationRequest(params, config, () => found);
    ctx.log.clientId = request.client.clientId;
    return handleRequest(req, new PageContext(req, params, request, page.text), ctx.sourceIp);
  }

  async function handleRequest(
    req: HttpRequest,
    page: PageContext,
    address: string | undefined,
  ): Promise<HttpResponse> {
    const { params, request } = page;
    const session = await sessions.read(req, now());
    const submitted = req.method === 'POST' && (params.has('csrf_token') || params.has('decision'));
    if (submitted || (req.method === 'POST' && params.has('username'))) {
      // The forms are protected by a token bound to the session cookie (RFC 9700 §4.7, CSRF).
      if (!session || !sessions.checkCsrf(session, params.get('csrf_token')?.[0])) {
        return page.login(await fresh(), 'sessionExpired', 403);
      }
      if (params.has('decision')) return decide(page, session, params.get('decision')?.[0]);
      return signIn(page, session, params, address);
    }
    const hint = readHint(request);
    // A session's user is looked up again on every request: a user disabled since the sign-in
    // (npm run admin -- users disable) or removed has no single sign-on.
    const user = session?.sub !== undefined ? await users.bySubject(session.sub) : undefined;
    const signedIn =
      session && user && !needsSignIn(request, session, user, hint) ? { session, user } : undefined;
    const remembered = signedIn !== undefined && hasConsent(signedIn.session, request);
    if (request.prompt.has('none')) {
      // OIDC Core §3.1.2.6: prompt=none never shows a page; what would need one is an error.
      if (!signedIn) throw promptNone(request, 'login_required', 'the user is not signed in');
      if (request.loginHint !== undefined && request.loginHint.normalize('NFC') !== signedIn.user.username) {
        throw promptNone(
          request,
          'interaction_required',
          'the user signed in is not the one login_hint names',
        );
      }
      if (!remembered)
        throw promptNone(request, 'consent_required', 'the user has not consented to this request');
      return issueCode(page, signedIn.session, signedIn.user);
    }
    if (!signedIn) {
      const hinted = hint ? (await users.bySubject(hint.sub))?.username : request.loginHint;
      return page.login(session ?? (await fresh()), undefined, 200, hinted);
    }
    // Consent given earlier in this session to these scopes for this client is not asked again.
    if (remembered && !request.prompt.has('consent')) return issueCode(page, signedIn.session, signedIn.user);
    return page.consent(signedIn.session, signedIn.user);
  }

  /** OIDC Core §3.1.2.1 id_token_hint: one of our ID tokens, issued to this client, or an error. */
  function readHint(request: AuthorizationRequest): IdTokenHint | undefined {
    if (request.idTokenHint === undefined) return undefined;
    const hint = readIdTokenHint(request.idTokenHint);
    if (!hint?.aud.includes(request.client.clientId)) {
      throw new RedirectError(
        new OAuthError(
          'invalid_request',
          'id_token_hint is not an ID token this server issued to this client',
        ),
        request.redirectUri,
        request.state,
      );
    }
    return hint;
  }

  /**
   * Whether the person must sign in (again): prompt=login, a sign-in older than max_age (OIDC Core
   * §3.1.2.1: at max_age seconds or more it MUST re-authenticate), or another person than the hint names.
   */
  function needsSignIn(
    request: AuthorizationRequest,
    session: Session,
    user: User,
    hint?: IdTokenHint,
  ): boolean {
    if (request.prompt.has('login')) return true;
    if (request.maxAge !== undefined) {
      const elapsed = Math.floor(now() / 1000) - (session.auth_time ?? 0);
      if (elapsed >= request.maxAge) return true;
    }
    return hint !== undefined && hint.sub !== user.sub;
  }

  function hasConsent(session: Session, request: AuthorizationRequest): boolean {
    const granted = session.consents?.find(([clientId]) => clientId === request.client.clientId)?.[1];
    if (granted === undefined) return false;
    const have = new Set(splitScope(granted));
    return splitScope(request.scope).every((s) => have.has(s));
  }

  function promptNone(
    request: AuthorizationRequest,
    error: OAuthErrorCode,
    description: string,
  ): RedirectError {
    return new RedirectError(new OAuthError(error, description), request.redirectUri, request.state);
  }

  function pageText(req: HttpRequest, uiLocales: string | undefined): PageText {
    return new PageText(negotiateLocale(uiLocales, req.headers.get('accept-language'), config.defaultLocale));
  }

  async function findClient(clientId: string) {
    try {
      return await clients.get(clientId);
    } catch (error) {
      // Nothing about the client can be trusted: an error page, never a redirect.
      if (error instanceof MetadataDocumentError) {
        throw new ErrorPage(400, 'metadataDocumentUnusable', { detail: error.message });
      }
      throw error;
    }
  }

  /** A new anonymous session, and its cookie to set. */
  async function fresh(): Promise<{ session: Session; cookie: string }> {
    const session = sessions.newSession();
    return { session, cookie: await sessions.cookie(session, now()) };
  }

  async function signIn(
    page: PageContext,
    previous: Session,
    params: RawParams,
    address = 'unknown',
  ): Promise<HttpResponse> {
    const username = params.get('username')?.[0]?.normalize('NFC');
    const password = params.get('password')?.[0];
    if (!username || !password) {
      return page.login(await fresh(), 'enterCredentials', 400, username);
    }
    // Password guessing is limited per username (known or not: no enumeration) and per address; the
    // limit holds even for the right password, so a guesser learns nothing once it is reached.
    const [userLimited, addressLimited] = await Promise.all([
      throttle.exhausted('login-user', username, limits.loginLimit),
      throttle.exhausted('login-ip', address, limits.loginAddressLimit),
    ]);
    if (userLimited || addressLimited) {
      const minutes = Math.ceil(limits.loginLimit.window / 60);
      return page.login(await fresh(), 'tooManySignIns', 429, username, { minutes: String(minutes) });
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
      return page.login(await fresh(), 'wrongCredentials', 401, username);
    }
    // OIDC Core §3.1.2.1: the client asked for the person its id_token_hint names; another will not do.
    const hint = readHint(page.request);
    if (hint && hint.sub !== user.sub) return page.login(await fresh(), 'wrongAccount', 401);
    // A new session id at login (session fixation), then back to GET so a reload never re-posts. The
    // consents given earlier in the session stay only if the same person signed in again.
    const session = sessions.newSession({
      sub: user.sub,
      auth_time: Math.floor(now() / 1000),
      ...(previous.sub === user.sub && previous.consents ? { consents: previous.consents } : {}),
    });
    const cookie = await sessions.cookie(session, now());
    return seeOther(page.afterSignInUrl(), cookie);
  }

  async function decide(
    page: PageContext,
    session: Session,
    decision: string | undefined,
  ): Promise<HttpResponse> {
    const user = session.sub !== undefined ? await users.bySubject(session.sub) : undefined;
    if (!user) return page.login(await fresh(), 'signInFirst', 401);
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
    // Remembered for the rest of the session (until it ends or the person signs out).
    const remembered = rememberConsent(session, request);
    const cookie = await sessions.cookie(remembered, now());
    return issueCode(page, remembered, user, cookie);
  }

  /** The session with this client's granted scopes added; the oldest consents go first when it fills. */
  function rememberConsent(session: Session, request: AuthorizationRequest): Session {
    const clientId = request.client.clientId;
    const others = (session.consents ?? []).filter(([id]) => id !== clientId);
    const before = session.consents?.find(([id]) => id === clientId)?.[1];
    const scope = [...new Set([...splitScope(before), ...splitScope(request.scope)])].join(' ');
    const consents: [string, string][] = [...others, [clientId, scope]];
    // The cookie stays well under 4 KB (RFC 6265 §6.1).
    while (consents.length > 1 && JSON.stringify(consents).length > MAX_CONSENTS_JSON) consents.shift();
    return { ...session, consents };
  }

  async function issueCode(
    page: PageContext,
    session: Session,
    user: User,
    cookie?: string,
  ): Promise<HttpResponse> {
    const { request } = page;
    const scopes = splitScope(request.scope);
    // OIDC Core §5.4: the claims the granted scopes release, as the user record has them now.
    const released = scopes.includes('openid') ? claimsForScopes(userClaimsOf(user), scopes) : {};
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
        ...(request.nonce !== undefined ? { nonce: request.nonce } : {}),
        ...(Object.keys(released).length > 0 ? { uc: released } : {}),
      },
      config.codeTtl,
      now(),
    );
    return redirectToClient(
      page.req,
      request.redirectUri,
      { code, state: request.state, iss: config.issuer },
      cookie,
    );
  }

  class PageContext {
    readonly fields: Record<string, string | readonly string[]> = {};
    constructor(
      readonly req: HttpRequest,
      readonly params: RawParams,
      readonly request: AuthorizationRequest,
      readonly text: PageText,
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

    /**
     * This request again, as a GET, after a sign-in: without what asked for it. prompt=login (or
     * select_account) and max_age are met by the sign-in that just happened, and would ask again for ever.
     * Every `resource` is carried forward (RFC 8707 §2).
     */
    afterSignInUrl(): string {
      const fields = new URLSearchParams(
        Object.entries(this.fields).flatMap(([name, value]) =>
          (typeof value === 'string' ? [value] : value).map((v): [string, string] => [name, v]),
        ),
      );
      fields.delete('max_age');
      const prompt = splitScope(fields.get('prompt') ?? undefined).filter(
        (p) => p !== 'login' && p !== 'select_account',
      );
      if (prompt.length > 0) fields.set('prompt', prompt.join(' '));
      else fields.delete('prompt');
      return `${this.action}?${fields.toString()}`;
    }

    login(
      state: Session | { session: Session; cookie: string },
      error?: StringKey,
      status = 200,
      username?: string,
      errorValues?: Readonly<Record<string, string>>,
    ): HttpResponse {
      const { session, cookie } = 'sid' in state ? { session: state, cookie: undefined } : state;
      const body = renderLoginPage(this.text, {
        action: this.action,
        clientId: this.request.client.clientId,
        fields: { ...this.fields, csrf_token: sessions.csrfToken(session) },
        ...(username !== undefined ? { username } : {}),
        ...(error !== undefined ? { error } : {}),
        ...(errorValues !== undefined ? { errorValues } : {}),
      });
      return htmlResponse(this.text, 'signInTitle', body, {
        status,
        ...(cookie ? { setCookie: cookie } : {}),
      });
    }

    consent(session: Session, user: User): HttpResponse {
      const body = renderConsentPage(this.text, {
        action: this.action,
        clientId: this.request.client.clientId,
        username: user.username,
        scopes: splitScope(this.request.scope),
        descriptions: config.scopeDescriptions,
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
      return htmlResponse(this.text, 'consentTitle', body, {
        formTargets: [new URL(this.request.redirectUri).origin],
      });
    }
  }

  const logoutDeps = { config, sessions, readIdTokenHint, users, findClient, now };

  const app: App = async (req, ctx) => {
    const path = routePath(req);
    if (path !== '/authorize' && path !== '/logout') return notFound();
    // OAuth 2.1 §4.1.1: the authorization endpoint supports GET and may support POST; so does the
    // end-session endpoint (RP-Initiated Logout 1.0 §2).
    if (req.method !== 'GET' && req.method !== 'POST') methodNotAllowed(['GET', 'POST']);
    const page = { text: pageText(req, undefined) };
    try {
      if (path === '/logout') {
        const params = await readParams(req);
        page.text = pageText(req, params.get('ui_locales')?.[0]);
        return await handleLogout(logoutDeps, req, params, page.text);
      }
      return await handle(req, ctx, page);
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
        const { text } = page;
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
        const { text } = page;
        return htmlResponse(text, 'errorTitle', renderErrorPage(text, text.t('storeUnavailable')), {
          status: 503,
          retryAfter: 5,
        });
      }
      throw error;
    }
  };
  // A store handed in belongs to the caller; one opened here is closed with the app.
  if (!options.store) app.dispose = () => store.close();
  return withHsts(app, config.issuer);
}

async function readParams(req: HttpRequest): Promise<RawParams> {
  if (req.method === 'GET') return parseRawParams(requestUrl(req).search.slice(1));
  if (mediaType(req) !== 'application/x-www-form-urlencoded') {
    throw new ErrorPage(415, 'formMediaType');
  }
  let text: string;
  try {
    text = utf8.decode(await readBody(req, MAX_FORM_BYTES));
  } catch (error) {
    if (error instanceof OAuthError) throw error;
    throw new ErrorPage(400, 'formEncoding');
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
  cookie?: string,
): HttpResponse {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params))
    if (value !== undefined) url.searchParams.append(name, value);
  return new LiteResponse(null, {
    status: req.method === 'POST' ? 303 : 302,
    headers: {
      location: url.href,
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      ...(cookie ? { 'set-cookie': cookie } : {}),
    },
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
