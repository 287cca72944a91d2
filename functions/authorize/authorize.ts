// GET/POST /authorize: the request checked against its client, then what it needs next (a sign-in, a
// consent or the code), as the forms posted, prompt, the session and the consents it remembers decide.
import { OAuthError, type OAuthErrorCode } from '../../shared/errors.ts';
import type { RequestContext } from '../../shared/http/scf.ts';
import type { HttpRequest, HttpResponse } from '../../shared/http/web.ts';
import { decide, hasConsent } from './consent.ts';
import { type AuthorizeDeps, freshSession } from './deps.ts';
import { PageContext } from './page-context.ts';
import type { PageText } from './pages.ts';
import { issueCode } from './redirect.ts';
import {
  type AuthorizationRequest,
  type RawParams,
  RedirectError,
  validateAuthorizationRequest,
} from './request.ts';
import { needsSignIn, readHint, signIn } from './sign-in.ts';

export async function handleAuthorize(
  deps: AuthorizeDeps,
  req: HttpRequest,
  params: RawParams,
  text: PageText,
  ctx: RequestContext,
): Promise<HttpResponse> {
  // The client is looked up first (it may be in the store); the request is then checked against it.
  const ids = params.get('client_id');
  const found = ids?.length === 1 ? await deps.findClient(ids[0]!) : undefined;
  const request = validateAuthorizationRequest(params, deps.config, () => found);
  ctx.log.clientId = request.client.clientId;
  const page = new PageContext(deps, req, params, request, text);

  const { sessions, users, now } = deps;
  const session = await sessions.read(req, now());
  const submitted = req.method === 'POST' && (params.has('csrf_token') || params.has('decision'));
  if (submitted || (req.method === 'POST' && params.has('username'))) {
    // The forms are protected by a token bound to the session cookie (RFC 9700 §4.7, CSRF).
    if (!session || !sessions.checkCsrf(session, params.get('csrf_token')?.[0])) {
      return page.login(await freshSession(deps), 'sessionExpired', 403);
    }
    if (params.has('decision')) return decide(deps, page, session, params.get('decision')?.[0]);
    return signIn(deps, page, session, ctx.sourceIp);
  }
  const hint = readHint(deps, request);
  // A session's user is looked up again on every request: a user disabled since the sign-in
  // (npm run admin -- users disable) or removed has no single sign-on.
  const user = session?.sub !== undefined ? await users.bySubject(session.sub) : undefined;
  const signedIn =
    session && user && !needsSignIn(now, request, session, user, hint) ? { session, user } : undefined;
  const remembered = signedIn !== undefined && hasConsent(signedIn.session, request);
  if (request.prompt.has('none')) {
    // OIDC Core §3.1.2.6: prompt=none never shows a page; what would need one is an error.
    if (!signedIn) throw promptNone(request, 'login_required', 'the user is not signed in');
    if (request.loginHint !== undefined && request.loginHint.normalize('NFC') !== signedIn.user.username) {
      throw promptNone(request, 'interaction_required', 'the user signed in is not the one login_hint names');
    }
    if (!remembered)
      throw promptNone(request, 'consent_required', 'the user has not consented to this request');
    return issueCode(deps, page, signedIn.session, signedIn.user);
  }
  if (!signedIn) {
    const hinted = hint ? (await users.bySubject(hint.sub))?.username : request.loginHint;
    return page.login(session ?? (await freshSession(deps)), undefined, 200, hinted);
  }
  // Consent given earlier in this session to these scopes for this client is not asked again.
  if (remembered && !request.prompt.has('consent'))
    return issueCode(deps, page, signedIn.session, signedIn.user);
  return page.consent(signedIn.session, signedIn.user);
}

function promptNone(
  request: AuthorizationRequest,
  error: OAuthErrorCode,
  description: string,
): RedirectError {
  return new RedirectError(new OAuthError(error, description), request.redirectUri, request.state);
}
