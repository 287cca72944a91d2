// Signing in at the authorization endpoint: whether the session's sign-in will do, the password check,
// its limits per username and per address, and the decoy hash that makes an unknown username cost
// what a known one does.
import { OAuthError } from '../../shared/errors.ts';
import { type HttpResponse, LiteResponse } from '../../shared/http/web.ts';
import type { IdTokenHint } from '../../shared/jwt/id-token-hint.ts';
import { verifyPassword } from '../../shared/password.ts';
import type { User } from '../../shared/users.ts';
import { type AuthorizeDeps, freshSession } from './deps.ts';
import type { PageContext } from './page-context.ts';
import { type AuthorizationRequest, RedirectError } from './request.ts';
import type { Session } from './session.ts';

const MAX_PASSWORD_LENGTH = 1024;

/** A well-formed hash with the parameters of a real one, for usernames that do not exist. */
export function decoyPasswordHash(like: string | undefined): string {
  const params = like?.split('$').slice(1, 4).join('$') ?? '32768$8$1';
  return `scrypt$${params}$${'A'.repeat(22)}$${'A'.repeat(43)}`;
}

/** OIDC Core §3.1.2.1 id_token_hint: one of our ID tokens, issued to this client, or an error. */
export function readHint(
  { readIdTokenHint }: Pick<AuthorizeDeps, 'readIdTokenHint'>,
  request: AuthorizationRequest,
): IdTokenHint | undefined {
  if (request.idTokenHint === undefined) return undefined;
  const hint = readIdTokenHint(request.idTokenHint);
  if (!hint?.aud.includes(request.client.clientId)) {
    throw new RedirectError(
      new OAuthError('invalid_request', 'id_token_hint is not an ID token this server issued to this client'),
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
export function needsSignIn(
  now: () => number,
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

/** The sign-in form posted: a new signed-in session and back to the request, or the form again. */
export async function signIn(
  deps: AuthorizeDeps,
  page: PageContext,
  previous: Session,
  address = 'unknown',
): Promise<HttpResponse> {
  const { config, now, sessions, throttle, users } = deps;
  const limits = config.registry;
  const username = page.params.get('username')?.[0]?.normalize('NFC');
  const password = page.params.get('password')?.[0];
  if (!username || !password) {
    return page.login(await freshSession(deps), 'enterCredentials', 400, username);
  }
  // Password guessing is limited per username (known or not: no enumeration) and per address; the
  // limit holds even for the right password, so a guesser learns nothing once it is reached.
  const [userLimited, addressLimited] = await Promise.all([
    throttle.exhausted('login-user', username, limits.loginLimit),
    throttle.exhausted('login-ip', address, limits.loginAddressLimit),
  ]);
  if (userLimited || addressLimited) {
    const minutes = Math.ceil(limits.loginLimit.window / 60);
    return page.login(await freshSession(deps), 'tooManySignIns', 429, username, {
      minutes: String(minutes),
    });
  }
  const user = await users.byUsername(username);
  const valid =
    password.length <= MAX_PASSWORD_LENGTH &&
    (await verifyPassword(password, user?.passwordHash ?? deps.decoyHash)) &&
    user !== undefined;
  if (!valid) {
    await Promise.all([
      throttle.count('login-user', username, limits.loginLimit),
      throttle.count('login-ip', address, limits.loginAddressLimit),
    ]);
    return page.login(await freshSession(deps), 'wrongCredentials', 401, username);
  }
  // OIDC Core §3.1.2.1: the client asked for the person its id_token_hint names; another will not do.
  const hint = readHint(deps, page.request);
  if (hint && hint.sub !== user.sub) return page.login(await freshSession(deps), 'wrongAccount', 401);
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

function seeOther(location: string, cookie: string): HttpResponse {
  return new LiteResponse(null, {
    status: 303,
    headers: { location, 'cache-control': 'no-store', 'set-cookie': cookie },
  });
}
