// RFC 7523 §2.2 / §3: client authentication with a JWT the client signs with its own key
// (`private_key_jwt`), checked against the keys registered in its `jwks`.
import type { JWTPayload } from 'jose';
import { ASSERTION_ALGS } from '../../shared/client-keys.ts';
import type { Client, ClientSource } from '../../shared/clients.ts';
import { OAuthError } from '../../shared/errors.ts';
import type { Params } from '../../shared/http/params.ts';
import { decodeCanonicalBase64url } from '../../shared/jwt/compact.ts';
import { requireStore } from '../../shared/revocation.ts';
import { type Store, storeKey } from '../../shared/store/store.ts';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** An assertion is for one request: it may not be valid for more than this many seconds ahead. */
export const MAX_ASSERTION_LIFETIME = 300;
const MAX_ASSERTION_LENGTH = 8192;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const FORBIDDEN_HEADERS = ['jwk', 'jku', 'x5u', 'x5c', 'crit'];
// A used assertion: its client's and its own id, kept until it expires.
const assertionKey = (clientId: string, jti: string) => storeKey('assertion', `${clientId}:${jti}`);
/** draft-ietf-oauth-rfc7523bis §4: the explicit type of a client authentication JWT. */
export const CLIENT_ASSERTION_TYP = 'client-authentication+jwt';

/**
 * draft-ietf-oauth-rfc7523bis §4: a `typ` is optional, but when present it must be ours (media type
 * names compare case-insensitively, and the `application/` prefix may be left out: RFC 7515 §4.1.9).
 */
function isAcceptedTyp(typ: unknown): boolean {
  if (typ === undefined) return true;
  return typeof typ === 'string' && typ.toLowerCase().replace(/^application\//, '') === CLIENT_ASSERTION_TYP;
}

/**
 * draft-ietf-oauth-rfc7523bis §4 (audience injection): `aud` is the issuer identifier alone, as a
 * string or an array of that one value. The token endpoint URL, or an array that merely contains the
 * issuer, would also be accepted by another server the client uses the same key with.
 */
function isIssuerAlone(aud: unknown, issuer: string): boolean {
  return aud === issuer || (Array.isArray(aud) && aud.length === 1 && aud[0] === issuer);
}

export interface AssertionOptions {
  issuer: string;
  store: Store;
  clockTolerance: number;
  now: () => number;
}

/** Authenticates the client of `params` from its assertion (whichever endpoint it was sent to). */
export type AssertionVerifier = (clients: ClientSource, params: Params) => Promise<Client>;

function refuse(reason: string): OAuthError {
  // The reason is logged; the client learns only that authentication failed (RFC 6749 §5.2).
  return new OAuthError('invalid_client', 'client authentication failed', { status: 401, cause: reason });
}

export function createAssertionVerifier(options: AssertionOptions): AssertionVerifier {
  const { issuer, store, clockTolerance, now } = options;

  return async (clients, params) => {
    const assertion = params.client_assertion;
    const type = params.client_assertion_type;
    if (assertion === undefined || type === undefined) {
      throw new OAuthError('invalid_request', 'client_assertion and client_assertion_type go together');
    }
    // RFC 7521 §4.2: the type names the assertion format; only JWTs (RFC 7523 §2.2) are taken.
    if (type !== JWT_BEARER_ASSERTION) {
      throw new OAuthError('invalid_request', 'client_assertion_type must be the jwt-bearer URN');
    }
    // RFC 7515 §7.1, canonical base64url in each part (compact.ts), as for our own tokens.
    if (
      assertion.length > MAX_ASSERTION_LENGTH ||
      !COMPACT_JWS.test(assertion) ||
      !assertion.split('.').every((part) => decodeCanonicalBase64url(part) !== undefined)
    ) {
      throw refuse('the assertion is not a compact JWS');
    }
    // jose is loaded with the first assertion, not at every cold start of the token function.
    const { createLocalJWKSet, decodeJwt, errors, jwtVerify } = await import('./jose.ts');
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(assertion);
    } catch {
      throw refuse('the assertion payload is not JSON claims');
    }
    // RFC 7523 §3: iss and sub are both the client_id.
    const clientId = unverified.sub;
    if (typeof clientId !== 'string' || unverified.iss !== clientId) {
      throw refuse('iss and sub must both be the client_id');
    }
    // RFC 7521 §4.2: a client_id sent alongside must name the same client.
    if (params.client_id !== undefined && params.client_id !== clientId) {
      throw new OAuthError('invalid_request', 'client_id differs from the client assertion');
    }
    const client = await clients.get(clientId);
    if (client?.authMethod !== 'private_key_jwt' || !client.jwks) {
      throw refuse('the client is unknown or is not registered for private_key_jwt');
    }

    const nowMs = now();
    let claims: JWTPayload;
    try {
      const keys = createLocalJWKSet({ keys: client.jwks.map((k) => ({ ...k })) });
      const result = await jwtVerify(
        assertion,
        (header, token) => {
          for (const name of FORBIDDEN_HEADERS) {
            if (name in header) throw refuse(`header parameter ${name} not accepted`);
          }
          if (!isAcceptedTyp(header.typ)) throw refuse(`typ ${String(header.typ)} not accepted`);
          return keys(header, token);
        },
        {
          algorithms: [...ASSERTION_ALGS],
          issuer: clientId,
          subject: clientId,
          // RFC 7523 §3: aud identifies the authorization server; which value, isIssuerAlone decides.
          audience: issuer,
          clockTolerance,
          currentDate: new Date(nowMs),
          requiredClaims: ['iss', 'sub', 'aud', 'exp', 'jti'],
        },
      );
      claims = result.payload;
    } catch (error) {
      if (error instanceof OAuthError) throw error;
      throw refuse(
        error instanceof errors.JOSEError ? `${error.code}: ${error.message}` : 'malformed assertion',
      );
    }

    if (!isIssuerAlone(claims.aud, issuer)) throw refuse('aud must be the issuer identifier alone');
    const nowSeconds = Math.floor(nowMs / 1000);
    const exp = claims.exp!;
    // RFC 7523 §3: the server may refuse a JWT with an unreasonably far expiry.
    if (exp > nowSeconds + MAX_ASSERTION_LIFETIME + clockTolerance) {
      throw refuse(`exp is more than ${MAX_ASSERTION_LIFETIME} s ahead`);
    }
    if (claims.iat !== undefined && claims.iat > nowSeconds + clockTolerance) {
      throw refuse('iat is in the future');
    }
    const jti = claims.jti;
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256)
      throw refuse('jti missing or too long');
    // RFC 7523 §3: the server may keep used jti values to refuse replays, until the assertion expires.
    const fresh = await requireStore(() =>
      store.consumeOnce(assertionKey(clientId, jti), exp + clockTolerance),
    );
    if (!fresh) throw refuse('the assertion jti was already used');
    return client;
  };
}
