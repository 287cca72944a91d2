// The login session: one sealed cookie (HttpOnly, SameSite=Lax, Secure when the issuer is https, short-lived) that
// holds a random session id and, after login, the subject. The CSRF token of every form is an HMAC of
// the session id, so a form only validates with the cookie it was rendered for.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readCookie } from '../../shared/http/cookies.ts';
import type { HttpRequest } from '../../shared/http/web.ts';
import { createSealer, type SealKeys, sealKey } from '../../shared/seal.ts';

export interface Session {
  [claim: string]: unknown;
  sid: string;
  sub?: string;
  auth_time?: number;
}

export interface SessionManager {
  read(req: HttpRequest, nowMs: number): Promise<Session | undefined>;
  /** A Set-Cookie value carrying `session`. */
  cookie(session: Session, nowMs: number): Promise<string>;
  newSession(fields?: Omit<Session, 'sid'>): Session;
  csrfToken(session: Session): string;
  checkCsrf(session: Session, token: string | undefined): boolean;
}

/**
 * `__Host-` (RFC 6265bis §4.1.3.2) pins the cookie to this host, https and Path=/. Whether to use it,
 * and `Secure`, follows the issuer's scheme, never the request's: the scheme a request claims comes
 * from X-Forwarded-Proto, which a client or a misconfigured proxy can set to http.
 */
function cookieName(secure: boolean): string {
  return secure ? '__Host-oauth_session' : 'oauth_session';
}

/** `secure`: the issuer is https (only a loopback issuer may be http, env.ts). */
export function createSessionManager(keys: SealKeys, ttlSeconds: number, secure: boolean): SessionManager {
  const name = cookieName(secure);
  const attributes = `Path=/; Max-Age=${ttlSeconds}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  const sealer = createSealer<Session>(keys, 'session cookie');
  const csrfKey = sealKey(keys, 'csrf token');
  const csrfFor = (session: Session) => createHmac('sha256', csrfKey).update(session.sid).digest('base64url');

  return {
    async read(req, nowMs) {
      const value = readCookie(req.headers.get('cookie'), name);
      if (!value) return undefined;
      const session = await sealer.open(value, nowMs);
      return session && typeof session.sid === 'string' ? session : undefined;
    },
    async cookie(session, nowMs) {
      const value = await sealer.seal(session, ttlSeconds, nowMs);
      return `${name}=${value}; ${attributes}`;
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
