// The login session: one sealed cookie (HttpOnly, SameSite=Lax, Secure on https, short-lived) that
// holds a random session id and, after login, the subject. The CSRF token of every form is an HMAC of
// the session id, so a form only validates with the cookie it was rendered for.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readCookie } from '../../shared/http/cookies.ts';
import { type HttpRequest, requestUrl } from '../../shared/http/web.ts';
import { createSealer, deriveKey } from '../../shared/seal.ts';

export interface Session {
  [claim: string]: unknown;
  sid: string;
  sub?: string;
  auth_time?: number;
}

export interface SessionManager {
  read(req: HttpRequest, nowMs: number): Promise<Session | undefined>;
  /** A Set-Cookie value carrying `session`. */
  cookie(req: HttpRequest, session: Session, nowMs: number): Promise<string>;
  newSession(fields?: Omit<Session, 'sid'>): Session;
  csrfToken(session: Session): string;
  checkCsrf(session: Session, token: string | undefined): boolean;
}

function isSecure(req: HttpRequest): boolean {
  return requestUrl(req).protocol === 'https:';
}

/** `__Host-` (RFC 6265bis §4.1.3.2) pins the cookie to this host, https and Path=/. */
function cookieName(req: HttpRequest): string {
  return isSecure(req) ? '__Host-oauth_session' : 'oauth_session';
}

export function createSessionManager(secret: Uint8Array, ttlSeconds: number): SessionManager {
  const sealer = createSealer<Session>(secret, 'session cookie');
  const csrfKey = deriveKey(secret, 'csrf token');
  const csrfFor = (session: Session) => createHmac('sha256', csrfKey).update(session.sid).digest('base64url');

  return {
    async read(req, nowMs) {
      const value = readCookie(req.headers.get('cookie'), cookieName(req));
      if (!value) return undefined;
      const session = await sealer.open(value, nowMs);
      return session && typeof session.sid === 'string' ? session : undefined;
    },
    async cookie(req, session, nowMs) {
      const value = await sealer.seal(session, ttlSeconds, nowMs);
      const secure = isSecure(req) ? '; Secure' : '';
      return `${cookieName(req)}=${value}; Path=/; Max-Age=${ttlSeconds}; HttpOnly; SameSite=Lax${secure}`;
    },
    newSession(fields = {}) {
      return { ...fields, sid: randomBytes(16).toString('base64url') };
    },
    csrfToken: csrfFor,
    checkCsrf(session, token) {
      if (token === undefined) return false;
      const expected = Buffer.from(csrfFor(session));
      const presented = Buffer.from(token);
      return presented.length === expected.length && timingSafeEqual(presented, expected);
    },
  };
}
