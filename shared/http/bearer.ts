// Where a resource server finds the access token (RFC 6750 §2, and API Gateway's forms).
import { OAuthError } from '../errors.ts';
import { readSoleCookie } from './cookies.ts';
import { type HttpRequest, requestUrl } from './web.ts';

const REALM = 'work';

/**
 * The `WWW-Authenticate` value (RFC 6750 §3). `attributes` come first: the realm, or RFC 9728 §5.1's
 * `resource_metadata` and RFC 6750 §3.1's `scope`.
 */
export function bearerChallenge(
  error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope',
  description?: string,
  attributes: Readonly<Record<string, string>> = { realm: REALM },
): string {
  const parts = Object.entries(attributes).map(([name, value]) => `${name}="${quoted(value)}"`);
  if (error) parts.push(`error="${error}"`);
  if (description) parts.push(`error_description="${quoted(description)}"`);
  return `Bearer ${parts.join(', ')}`;
}

function quoted(value: string): string {
  return value.replace(/["\\]/g, '');
}

/** Where a resource takes its access token from, and how it words its challenge. */
export interface BearerOptions {
  /**
   * Also take the token from the cookie of this name (none by default: the business function passes
   * OAUTH_BEARER_COOKIE when it is set; the kit never does).
   */
  cookie?: string;
  challenge?: typeof bearerChallenge;
  /** The `access_token` of a form-encoded body (RFC 6750 §2.2), for an endpoint that accepts one. */
  formToken?: string | undefined;
}

function refuse(
  error: 'invalid_request' | 'invalid_token',
  description: string,
  status = 401,
  challenge = bearerChallenge,
): OAuthError {
  return new OAuthError(error, description, {
    status,
    headers: { 'www-authenticate': challenge(error, description) },
  });
}

// `Bearer <jwt>` (RFC 6750 §2.1) or API Gateway's `Bearer id_token="<jwt>"`.
const AUTHORIZATION = /^Bearer +(?:id_token="([^"]*)"|([A-Za-z0-9._~+/-]+=*)) *$/i;

function fromCookie(header: string | null, name: string): string | undefined {
  const read = readSoleCookie(header, name, { unquote: true });
  if (read.doubled) throw refuse('invalid_request', `more than one ${name} cookie`, 400);
  return read.value;
}

/**
 * The one access token of the request. RFC 6750 §2: a client MUST NOT use more than one method, and
 * RFC 9700 §2.2.3 / OAuth 2.1: never from the query string. A cookie is read only when `options.cookie`
 * names one (OAUTH_BEARER_COOKIE): the browser sends a cookie with every request, cross-site ones
 * too, so a cookie credential is open to CSRF and cookie tossing (RFC 6750 §5.3 / §2) wherever no
 * gateway stands in front.
 */
export function extractAccessToken(req: HttpRequest, options: BearerOptions = {}): string {
  const challenge = options.challenge ?? bearerChallenge;
  const url = requestUrl(req);
  // Most requests have no query string: its parameters are not made into an object for nothing.
  if (url.search !== '' && (url.searchParams.has('access_token') || url.searchParams.has('id_token'))) {
    throw refuse('invalid_request', 'access tokens are not accepted in the query string', 400, challenge);
  }
  const authorization = req.headers.get('authorization');
  const cookie =
    options.cookie === undefined ? undefined : fromCookie(req.headers.get('cookie'), options.cookie);
  let header: string | undefined;
  if (authorization !== null) {
    const match = AUTHORIZATION.exec(authorization);
    if (!match) {
      if (!/^Bearer( |$)/i.test(authorization)) {
        throw refuse('invalid_request', 'use the Bearer scheme', 400, challenge);
      }
      throw refuse('invalid_token', 'malformed bearer token', 401, challenge);
    }
    header = match[1] ?? match[2];
  }
  if (header !== undefined && cookie !== undefined && header !== cookie) {
    throw refuse('invalid_request', 'more than one access token in the request', 400, challenge);
  }
  const formToken = options.formToken;
  if (formToken !== undefined && (header !== undefined || cookie !== undefined)) {
    throw refuse('invalid_request', 'more than one access token in the request', 400, challenge);
  }
  const token = header ?? cookie ?? formToken;
  if (!token) {
    // RFC 6750 §3.1: a request with no authentication information gets a challenge without an error code.
    throw new OAuthError('invalid_token', 'an access token is required', {
      status: 401,
      headers: { 'www-authenticate': challenge() },
    });
  }
  return token;
}

export function invalidToken(description = 'the access token is invalid or expired'): OAuthError {
  return refuse('invalid_token', description);
}
