// Access-token verification: RS256 only, key by `kid` from our own keys only, iss/aud/exp/nbf checked.
// The signature is checked with node:crypto on KeyObjects imported once: jose's jwtVerify goes
// through WebCrypto and costs several times the RSA verification itself (docs/performance.md). The
// checks are those jwtVerify made with the options this file used to pass it, in its order, and a
// refusal's reason carries jose's code and message for the same failure; the negative verification
// tests run against this path.
import type { KeyObject } from 'node:crypto';
import type { AccessTokenClaims } from '../resource-server/types.ts';
import { CompactJwsError, decodeClaims, parseCompactJws, verifyRs256 } from './compact.ts';
import { SIGNING_ALG, type VerificationKey } from './keys.ts';
import { type AccessTokenTyp, MAX_ACCESS_TOKEN_TTL } from './sign.ts';

/**
 * The claims of a verified access token (RFC 9068 §2.2), as the kit hands them to a handler; other
 * claims pass through untouched. Our own tokens also carry the grant they came from.
 */
export interface VerifiedAccessToken extends AccessTokenClaims {
  grant_id?: string;
}

/**
 * Keys held elsewhere (an issuer's `jwks_uri`): looked up with no I/O on every token, refreshed only for
 * a `kid` none of the held keys has.
 */
export interface KeySource {
  /** The key with this `kid` among those already held. */
  cached(kid: string): KeyObject | undefined;
  /**
   * Asks for the keys again because `kid` is unknown; the source decides whether it may (rate limit).
   * Throws `KeysUnavailable` when it holds no keys at all, so the caller answers 503 and never passes.
   */
  refresh(kid: string): Promise<void>;
}

/** No key can be had to verify with: the resource answers 503 and `Retry-After`, never 401 or 200. */
export class KeysUnavailable extends Error {
  override readonly name = 'KeysUnavailable';
  constructor(
    readonly retryAfterSeconds: number,
    message: string,
  ) {
    super(message);
  }
}

export interface VerifierOptions {
  keys: readonly VerificationKey[];
  /** Consulted for a `kid` that is not among `keys`. */
  keySource?: KeySource;
  issuer: string;
  /** This resource's identifier, or several (the authorization server introspects tokens for any). */
  audience: string | readonly string[];
  /** Seconds of clock skew tolerated on exp/nbf/iat. */
  clockToleranceSeconds: number;
  /**
   * The `typ` the token function is configured to write (OAUTH_ACCESS_TOKEN_TYP). `at+jwt` (default):
   * only RFC 9068 tokens pass. `JWT`: `JWT` tokens pass, and `at+jwt` too, so either setting can be
   * changed first without refusing tokens already issued.
   */
  accessTokenTyp?: AccessTokenTyp;
  /** Current time in ms (tests pin it). */
  now?: () => number;
}

/** Why a token was refused. The `reason` is for logs; callers answer `invalid_token` whatever it is. */
export class TokenRejected extends Error {
  override readonly name = 'TokenRejected';
  constructor(readonly reason: string) {
    super(reason);
  }
}

// RFC 8725 §3.10: keys named or carried by the token. And parameters that change what the signature
// covers or how the payload is read, none of which we write or understand: `crit` (RFC 7515 §4.1.11),
// `b64` (RFC 7797 §3: an unencoded payload, meant only with `crit`), `zip` (RFC 7516 §4.1.3:
// compression, JWE only), `cty` (RFC 7519 §5.2: a nested JWT).
const FORBIDDEN_HEADERS = ['jwk', 'jku', 'x5u', 'x5c', 'crit', 'b64', 'zip', 'cty'] as const;
const MAX_TOKEN_LENGTH = 8192;
// RFC 9068 §2.2 (and the gateway's iat/exp): every one must be present.
const REQUIRED_CLAIMS = ['iss', 'aud', 'sub', 'exp', 'iat', 'jti', 'client_id'] as const;

function claimFailed(message: string): never {
  throw new TokenRejected(`ERR_JWT_CLAIM_VALIDATION_FAILED: ${message}`);
}

export type AccessTokenVerifier = (token: string) => Promise<VerifiedAccessToken>;

export function createAccessTokenVerifier(options: VerifierOptions): AccessTokenVerifier {
  const byKid = new Map(options.keys.map((k) => [k.kid, k.publicKey]));
  const now = options.now ?? Date.now;
  const { issuer, audience, clockToleranceSeconds: tolerance, keySource } = options;
  const audiences: readonly string[] = typeof audience === 'string' ? [audience] : audience;
  const acceptedTyp = options.accessTokenTyp === 'JWT' ? ['at+jwt', 'jwt'] : ['at+jwt'];

  const verifyToken = (token: string, mayRefresh = keySource !== undefined): VerifiedAccessToken => {
    const jws = parseCompactJws(token, MAX_TOKEN_LENGTH);
    if (!jws) throw new TokenRejected('not a compact JWS');
    const { header } = jws;
    // RFC 8725 §3.1: the algorithm comes from our allow-list, never from the token.
    if (header.alg !== SIGNING_ALG) {
      throw new TokenRejected(
        'ERR_JOSE_ALG_NOT_ALLOWED: "alg" (Algorithm) Header Parameter value not allowed',
      );
    }
    // RFC 8725 §3.10: keys named or carried by the token itself are never used; nor is any extension.
    // Nothing in the header may change what was signed or how the payload reads (above).
    for (const name of FORBIDDEN_HEADERS) {
      if (name in header) throw new TokenRejected(`header parameter ${name} not accepted`);
    }
    if (typeof header.kid !== 'string') throw new TokenRejected('kid missing or not a string');
    const key = byKid.get(header.kid) ?? keySource?.cached(header.kid);
    if (!key) {
      if (mayRefresh) throw new UnknownKeyId(header.kid);
      throw new TokenRejected('kid not in our key set');
    }
    if (!verifyRs256(jws, key)) {
      throw new TokenRejected('ERR_JWS_SIGNATURE_VERIFICATION_FAILED: signature verification failed');
    }

    // RFC 7519 §7.2: the claims are read only once the signature is known to be good.
    const claims = decodeClaims(jws);
    for (const name of REQUIRED_CLAIMS) {
      if (!Object.hasOwn(claims, name)) claimFailed(`missing required "${name}" claim`);
    }
    // RFC 7519 §4.1.1, §4.1.3: exactly our issuer; our audience, alone or among others.
    if (claims.iss !== issuer) claimFailed('unexpected "iss" claim value');
    const aud = claims.aud;
    if (
      !(typeof aud === 'string'
        ? audiences.includes(aud)
        : Array.isArray(aud) && aud.some((a) => audiences.includes(a)))
    ) {
      claimFailed('unexpected "aud" claim value');
    }
    // RFC 9068 §2.2 / RFC 7519 §4.1.2: the subject is a string (a user's sub or a client_id).
    if (typeof claims.sub !== 'string' || claims.sub === '')
      claimFailed('"sub" claim must be a non-empty string');
    // RFC 7519 §4.1.4–4.1.6: NumericDates, compared in whole seconds with the configured skew.
    const seconds = Math.floor(now() / 1000);
    const { iat, nbf, exp } = claims;
    if (typeof iat !== 'number') claimFailed('"iat" claim must be a number');
    // RFC 9068 §2.2: iat is when the token was issued; a token from the future was not issued by us.
    if (iat > seconds + tolerance) claimFailed('"iat" claim is in the future');
    if (nbf !== undefined) {
      if (typeof nbf !== 'number') claimFailed('"nbf" claim must be a number');
      if (nbf > seconds + tolerance) claimFailed('"nbf" claim timestamp check failed');
    }
    if (typeof exp !== 'number') claimFailed('"exp" claim must be a number');
    if (exp <= seconds - tolerance)
      throw new TokenRejected('ERR_JWT_EXPIRED: "exp" claim timestamp check failed');
    // No token we issue lives longer than the longest configurable lifetime: a later exp (1e308, say)
    // is not ours, and would outlive every revocation record kept for it.
    if (exp > seconds + MAX_ACCESS_TOKEN_TTL + tolerance) claimFailed('"exp" claim is too far in the future');
    // RFC 9068 §4: the resource server MUST check typ is "at+jwt" (or "application/at+jwt"), so an
    // ID token or another JWT signed with the same key is never taken for an access token.
    // `at+jwt`, as we write it, needs no normalizing.
    if (header.typ !== 'at+jwt') {
      const typ = String(header.typ ?? '')
        .toLowerCase()
        .replace(/^application\//, '');
      if (!acceptedTyp.includes(typ)) throw new TokenRejected(`typ ${String(header.typ)} not accepted`);
    }
    if (typeof claims.client_id !== 'string' || typeof claims.jti !== 'string') {
      throw new TokenRejected('client_id or jti is not a string');
    }
    if (claims.scope !== undefined && typeof claims.scope !== 'string') {
      throw new TokenRejected('scope is not a string');
    }
    if (claims.grant_id !== undefined && typeof claims.grant_id !== 'string') {
      throw new TokenRejected('grant_id is not a string');
    }
    return claims as VerifiedAccessToken;
  };

  return async (token) => {
    try {
      return verifyToken(token);
    } catch (error) {
      if (!(error instanceof UnknownKeyId && keySource)) throw asRejection(error);
      // A key the source does not hold yet (a rotation at the issuer): asked for once, then tried once.
      await keySource.refresh(error.kid);
      try {
        return verifyToken(token, false);
      } catch (again) {
        throw asRejection(again);
      }
    }
  };
}

/** Signals a `kid` outside the held keys, for the one refresh a key source may make. */
class UnknownKeyId extends Error {
  constructor(readonly kid: string) {
    super('kid not in our key set');
  }
}

function asRejection(error: unknown): TokenRejected {
  if (error instanceof TokenRejected) return error;
  if (error instanceof CompactJwsError) return new TokenRejected(`${error.code}: ${error.message}`);
  return new TokenRejected('malformed token');
}
