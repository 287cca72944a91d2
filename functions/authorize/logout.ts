// RP-Initiated Logout 1.0: GET/POST /logout (the end_session_endpoint). The person confirms on a page
// protected like the others (CSRF token bound to the session cookie); signing out ends the session
// cookie, and with it the remembered consents. The person is sent back only to a post_logout_redirect_uri
// the client registered, with its state.
import type { Client } from '../../shared/clients.ts';
import type { HttpRequest, HttpResponse } from '../../shared/http/web.ts';
import type { IdTokenHint } from '../../shared/jwt/id-token-hint.ts';
import type { AuthorizeDeps } from './deps.ts';
import { htmlResponse, type PageText, renderSignedOutPage, renderSignOutPage } from './pages.ts';
import { redirectToClient } from './redirect.ts';
import { ErrorPage, type RawParams } from './request.ts';

/** The parameters of RP-Initiated Logout 1.0 §2 the confirmation form carries forward. */
const LOGOUT_PARAMETERS = [
  'id_token_hint',
  'client_id',
  'post_logout_redirect_uri',
  'state',
  'ui_locales',
] as const;

export type LogoutDeps = Pick<
  AuthorizeDeps,
  'config' | 'sessions' | 'readIdTokenHint' | 'users' | 'findClient' | 'now'
>;

interface LogoutRequest {
  client?: Client;
  /** Where to send the person afterwards: registered for the client, with state appended. */
  returnTo?: URL;
  fields: Record<string, string>;
}

/** RP-Initiated Logout 1.0 §2-§3: every check before anything is shown or anyone is redirected. */
async function validateLogoutRequest(params: RawParams, deps: LogoutDeps): Promise<LogoutRequest> {
  const fields: Record<string, string> = {};
  for (const name of LOGOUT_PARAMETERS) {
    const values = params.get(name) ?? [];
    if (values.length > 1) throw new ErrorPage(400, 'repeatedParameter');
    if (values[0] !== undefined) fields[name] = values[0];
  }
  let hint: IdTokenHint | undefined;
  if (fields.id_token_hint !== undefined) {
    // §2: the OP MUST validate that it was the issuer of the ID token (expired ones are fine).
    hint = deps.readIdTokenHint(fields.id_token_hint);
    if (!hint) throw new ErrorPage(400, 'badIdTokenHint');
  }
  let client: Client | undefined;
  if (fields.client_id !== undefined) {
    client = await deps.findClient(fields.client_id);
    if (!client) throw new ErrorPage(400, 'unknownClient');
    // §2: with both, the client must be one the ID token was issued to.
    if (hint && !hint.aud.includes(client.clientId)) throw new ErrorPage(400, 'badIdTokenHint');
  } else if (hint && hint.aud.length === 1) {
    client = await deps.findClient(hint.aud[0]!);
  }
  let returnTo: URL | undefined;
  const uri = fields.post_logout_redirect_uri;
  if (uri !== undefined) {
    if (!client) throw new ErrorPage(400, 'logoutNeedsClient');
    // §3.1: exact match with a registered post_logout_redirect_uri, never an open redirect.
    if (!client.postLogoutRedirectUris.includes(uri)) throw new ErrorPage(400, 'unregisteredLogoutRedirect');
    returnTo = new URL(uri);
    // §3: the state is passed back as it came.
    if (fields.state !== undefined) returnTo.searchParams.append('state', fields.state);
  }
  return { ...(client ? { client } : {}), ...(returnTo ? { returnTo } : {}), fields };
}

export async function handleLogout(
  deps: LogoutDeps,
  req: HttpRequest,
  params: RawParams,
  text: PageText,
): Promise<HttpResponse> {
  const request = await validateLogoutRequest(params, deps);
  const { sessions, now } = deps;
  const session = await sessions.read(req, now());
  const user = session?.sub !== undefined ? await deps.users.bySubject(session.sub) : undefined;
  const action = new URL(req.url).pathname;
  const formTargets = request.returnTo ? [request.returnTo.origin] : [];

  if (req.method === 'POST') {
    if (!session || !sessions.checkCsrf(session, params.get('csrf_token')?.[0])) {
      throw new ErrorPage(403, 'sessionExpired');
    }
    if (params.get('decision')?.[0] !== 'logout') {
      return htmlResponse(text, 'signOutTitle', renderSignedOutPage(text, 'notSignedOutText'));
    }
    return signedOut(req, request, text, sessions.clearCookie());
  }
  // Nobody is signed in here: there is nothing to end, and nothing to ask.
  if (!session || !user) return signedOut(req, request, text, session ? sessions.clearCookie() : undefined);
  const body = renderSignOutPage(text, {
    action,
    username: user.username,
    ...(request.client ? { clientId: request.client.clientId } : {}),
    fields: { ...request.fields, csrf_token: sessions.csrfToken(session) },
  });
  // The confirmation's POST is answered with a redirect to the client: CSP form-action must allow it.
  return htmlResponse(text, 'signOutTitle', body, { formTargets });
}

function signedOut(req: HttpRequest, request: LogoutRequest, text: PageText, cookie?: string): HttpResponse {
  if (request.returnTo) return redirectToClient(req, request.returnTo.href, {}, cookie);
  return htmlResponse(text, 'signedOutTitle', renderSignedOutPage(text, 'signedOutText'), {
    ...(cookie ? { setCookie: cookie } : {}),
  });
}
