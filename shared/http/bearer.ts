// Where a resource server finds the access token (RFC 6750 §2, and API Gateway's forms).
import { OAuthError } from '../errors.ts';
import { type HttpRequest, requestUrl } from './web.ts';

const REALM = 'work';

export function bearerChallenge(error?: 'invalid_request' | 'invalid_token', description?: string): string {
  let value = `Bearer realm="${REALM}"`;
  if (error) value += `, error="${error}"`;
  if (description) value += `, error_description="${description.replace(/["\\]/g, '')}"`;
  return value;
}

function refuse(error: 'invalid_request' | 'invalid_token', description: string, status = 401): OAuthError {
  return new OAuthError(error, description, {
    status,
    headers: { 'www-authenticate': bearerChallenge(error, description) },
  });
}

// `Bearer <jwt>` (RFC 6750 §2.1) or API Gateway's `Bearer id_token="<jwt>"`.
const AUTHORIZATION = /^Bearer +(?:id_token="([^"]*)"|([A-Za-z0-9._~+/-]+=*)) *$/i;

function fromCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  let found: string | undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    if (found !== undefined) throw refuse('invalid_request', `more than one ${name} cookie`, 400);
    found = part
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
  }
  return found;
}

/**
 * The one access token of the request. RFC 6750 §2: a client MUST NOT use more than one method, and
 * RFC 9700 §2.2.3 / OAuth 2.1: never from the query string. A cookie is read only when `cookieName`
 * is given (OAUTH_BEARER_COOKIE): the browser sends a cookie with every request, cross-site ones
 * too, so a cookie credential is open to CSRF and cookie tossing (RFC 6750 §5.3 / §2) wherever no
 * gateway stands in front.
 */
export function extractAccessToken(req: HttpRequest, cookieName?: string): string {
  const url = requestUrl(req);
  // Most requests have no query string: its parameters are not made into an object for nothing.
  if (url.search !== '' && (url.searchParams.has('access_token') || url.searchParams.has('id_token'))) {
    throw refuse('invalid_request', 'access tokens are not accepted in the query string', 400);
  }
  const authorization = req.headers.get('authorization');
  const cookie = cookieName === undefined ? undefined : fromCookie(req.headers.get('cookie'), cookieName);
  let header: string | undefined;
  if (authorization !== null) {
    const match = AUTHORIZATION.exec(authorization);
    if (!match) {
      if (!/^Bearer( |$)/i.test(authorization)) throw refuse('invalid_request', 'use the Bearer scheme', 400);
      throw refuse('invalid_token', 'malformed bearer token');
    }
    header = match[1] ?? match[2];
  }
  if (header !== undefined && cookie !== undefined && header !== cookie) {
    throw refuse('invalid_request', 'more than one access token in the request', 400);
  }
  const token = header ?? cookie;
  if (!token) {
    // RFC 6750 §3.1: a request with no authentication information gets a challenge without an error code.
    throw new OAuthError('invalid_token', 'an access token is required', {
      status: 401,
      headers: { 'www-authenticate': bearerChallenge() },
    });
  }
  return token;
}

export function invalidToken(description = 'the access token is invalid or expired'): OAuthError {
  return refuse('invalid_token', description);
}
