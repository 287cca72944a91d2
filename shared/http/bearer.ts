// Where a resource server finds the access token (RFC 6750 §2, and API Gateway's forms).
import { OAuthError } from '../errors.ts';
import { type AccessTokenVerifier, TokenRejected, type VerifiedAccessToken } from '../jwt/verify.ts';
import type { RequestLog } from '../log.ts';
import { isAccessTokenRevoked, requireStore } from '../revocation.ts';
import type { Store } from '../store/store.ts';
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

function fromCookie(header: string | null): string | undefined {
  if (!header) return undefined;
  let found: string | undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== 'id_token') continue;
    if (found !== undefined) throw refuse('invalid_request', 'more than one id_token cookie', 400);
    found = part
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
  }
  return found;
}

/**
 * The one access token of the request. RFC 6750 §2: a client MUST NOT use more than one method, and
 * RFC 9700 §2.2.3 / OAuth 2.1: never from the query string. `formToken` is the `access_token` of a
 * form-encoded body (RFC 6750 §2.2), for an endpoint that accepts one.
 */
export function extractAccessToken(req: HttpRequest, formToken?: string): string {
  const url = requestUrl(req);
  // Most requests have no query string: its parameters are not made into an object for nothing.
  if (url.search !== '' && (url.searchParams.has('access_token') || url.searchParams.has('id_token'))) {
    throw refuse('invalid_request', 'access tokens are not accepted in the query string', 400);
  }
  const authorization = req.headers.get('authorization');
  const cookie = fromCookie(req.headers.get('cookie'));
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
  if (formToken !== undefined && (header !== undefined || cookie !== undefined)) {
    throw refuse('invalid_request', 'more than one access token in the request', 400);
  }
  const token = header ?? cookie ?? formToken;
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

/** RFC 6750 §3.1: the token is good but lacks the scope the resource needs. */
export function insufficientScope(scope: string, description: string): OAuthError {
  return new OAuthError('insufficient_scope', description, {
    headers: {
      'www-authenticate': `Bearer realm="${REALM}", error="insufficient_scope", scope="${scope}", error_description="${description.replace(/["\\]/g, '')}"`,
    },
  });
}

/**
 * The claims of a valid access token, or RFC 6750 `invalid_token`: signature and claims by `verify`,
 * then, with a store, RFC 7009 revocation. The reason of a refusal goes to the log, never to the caller.
 */
export async function acceptAccessToken(
  token: string,
  verify: AccessTokenVerifier,
  store: Store | undefined,
  log: RequestLog,
): Promise<VerifiedAccessToken> {
  try {
    const claims = await verify(token);
    log.clientId = claims.client_id;
    if (store && (await requireStore(() => isAccessTokenRevoked(store, claims)))) {
      throw new TokenRejected('revoked');
    }
    return claims;
  } catch (error) {
    if (error instanceof TokenRejected) {
      log.detail = error.reason;
      throw invalidToken();
    }
    throw error;
  }
}
