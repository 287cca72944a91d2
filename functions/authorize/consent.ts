// Consent: the person's decision on the consent form, and the consents remembered in the session so
// that a client is not asked again for scopes it was given.
import { splitScope } from '../../shared/clients.ts';
import { OAuthError } from '../../shared/errors.ts';
import type { HttpResponse } from '../../shared/http/web.ts';
import { type AuthorizeDeps, freshSession } from './deps.ts';
import type { PageContext } from './page-context.ts';
import { issueCode } from './redirect.ts';
import { type AuthorizationRequest, RedirectError } from './request.ts';
import type { Session } from './session.ts';

const MAX_CONSENTS_JSON = 1500;

/** Whether the session holds a consent of this client to every scope the request asks for. */
export function hasConsent(session: Session, request: AuthorizationRequest): boolean {
  const granted = session.consents?.find(([clientId]) => clientId === request.client.clientId)?.[1];
  if (granted === undefined) return false;
  const have = new Set(splitScope(granted));
  return splitScope(request.scope).every((s) => have.has(s));
}

/** The consent form posted: `allow` issues the code (and remembers the consent), `deny` says so to the client. */
export async function decide(
  deps: AuthorizeDeps,
  page: PageContext,
  session: Session,
  decision: string | undefined,
): Promise<HttpResponse> {
  const user = session.sub !== undefined ? await deps.users.bySubject(session.sub) : undefined;
  if (!user) return page.login(await freshSession(deps), 'signInFirst', 401);
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
  const cookie = await deps.sessions.cookie(remembered, deps.now());
  return issueCode(deps, page, remembered, user, cookie);
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
