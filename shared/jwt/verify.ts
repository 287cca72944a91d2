// Access-token verification: RS256 only, key by `kid` from our own keys only, iss/aud/exp/nbf checked.
import { errors, type JWTHeaderParameters, type JWTPayload, jwtVerify } from 'jose';
import { SIGNING_ALG, type VerificationKey } from './keys.ts';
import type { AccessTokenTyp } from './sign.ts';

export interface VerifiedAccessToken extends JWTPayload {
  sub: string;
  exp: number;
  iat: number;
  jti: string;
  client_id: string;
  scope?: string;
  grant_id?: string;
}

export interface VerifierOptions {
  keys: readonly VerificationKey[];
  issuer: string;
  audience: string;
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

const FORBIDDEN_HEADERS = ['jwk', 'jku', 'x5u', 'x5c', 'crit'] as const;
// A compact JWS: three base64url parts. Anything else is refused before any parsing.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export type AccessTokenVerifier = (token: string) => Promise<VerifiedAccessToken>;

export function createAccessTokenVerifier(options: VerifierOptions): AccessTokenVerifier {
  const byKid = new Map(options.keys.map((k) => [k.kid, k.publicKey]));
  const now = options.now ?? Date.now;
  const acceptedTyp = options.accessTokenTyp === 'JWT' ? ['at+jwt', 'jwt'] : ['at+jwt'];

  const resolveKey = (header: JWTHeaderParameters) => {
    // RFC 8725 §3.1: the algorithm comes from our allow-list, never from the token.
    if (header.alg !== SIGNING_ALG) throw new TokenRejected(`algorithm ${String(header.alg)} not allowed`);
    for (const name of FORBIDDEN_HEADERS) {
      if (name in header) throw new TokenRejected(`header parameter ${name} not accepted`);
    }
    if (typeof header.kid !== 'string') throw new TokenRejected('kid missing or not a string');
    const key = byKid.get(header.kid);
    if (!key) throw new TokenRejected('kid not in our key set');
    return key;
  };

  return async (token) => {
    if (token.length > 8192 || !COMPACT_JWS.test(token)) throw new TokenRejected('not a compact JWS');
    try {
      const { payload, protectedHeader } = await jwtVerify(token, resolveKey, {
        algorithms: [SIGNING_ALG],
        issuer: options.issuer,
        audience: options.audience,
        clockTolerance: options.clockToleranceSeconds,
        currentDate: new Date(now()),
        requiredClaims: ['iss', 'aud', 'sub', 'exp', 'iat', 'jti', 'client_id'],
      });
      // RFC 9068 §4: the resource server MUST check typ is "at+jwt" (or "application/at+jwt"), so an
      // ID token or another JWT signed with the same key is never taken for an access token.
      const typ = String(protectedHeader.typ ?? '')
        .toLowerCase()
        .replace(/^application\//, '');
      if (!acceptedTyp.includes(typ))
        throw new TokenRejected(`typ ${String(protectedHeader.typ)} not accepted`);
      if (typeof payload.client_id !== 'string' || typeof payload.jti !== 'string') {
        throw new TokenRejected('client_id or jti is not a string');
      }
      if (payload.scope !== undefined && typeof payload.scope !== 'string') {
        throw new TokenRejected('scope is not a string');
      }
      if (payload.grant_id !== undefined && typeof payload.grant_id !== 'string') {
        throw new TokenRejected('grant_id is not a string');
      }
      return payload as VerifiedAccessToken;
    } catch (error) {
      if (error instanceof TokenRejected) throw error;
      if (error instanceof errors.JOSEError) throw new TokenRejected(`${error.code}: ${error.message}`);
      throw new TokenRejected('malformed token');
    }
  };
}
