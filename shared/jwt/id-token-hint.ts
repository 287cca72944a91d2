// Reading an ID token this server issued, when it comes back as `id_token_hint` (OIDC Core §3.1.2.1,
// RP-Initiated Logout 1.0 §2): our signature and issuer, an ID token's typ, and a subject and
// audience. Expiry is not checked: an expired ID token is still a valid hint.
import { CompactJwsError, decodeClaims, parseCompactJws, verifyRs256 } from './compact.ts';
import { SIGNING_ALG, type VerificationKey } from './keys.ts';

export interface IdTokenHint {
  sub: string;
  /** The clients it was issued to (`aud`). */
  aud: readonly string[];
}

export type IdTokenHintReader = (token: string) => IdTokenHint | undefined;

const MAX_HINT_LENGTH = 8192;

/** Undefined for anything that is not one of our ID tokens; never throws on input. */
export function createIdTokenHintReader(keys: readonly VerificationKey[], issuer: string): IdTokenHintReader {
  const byKid = new Map(keys.map((k) => [k.kid, k.publicKey]));
  return (token) => {
    try {
      const jws = parseCompactJws(token, MAX_HINT_LENGTH);
      // RFC 8725 §3.1: the algorithm from our allow-list; the key from our own set, by kid.
      if (!jws || jws.header.alg !== SIGNING_ALG || typeof jws.header.kid !== 'string') return undefined;
      // RFC 8725 §3.11: an access token (at+jwt) is not an ID token, even signed by the same key.
      if (jws.header.typ !== 'JWT') return undefined;
      const key = byKid.get(jws.header.kid);
      if (!key || !verifyRs256(jws, key)) return undefined;
      const claims = decodeClaims(jws);
      if (claims.iss !== issuer || typeof claims.sub !== 'string') return undefined;
      const aud = typeof claims.aud === 'string' ? [claims.aud] : claims.aud;
      if (!Array.isArray(aud) || aud.length === 0 || aud.some((a) => typeof a !== 'string')) return undefined;
      // OIDC Core §2: only ID tokens carry auth_time here; access tokens never do.
      if (typeof claims.auth_time !== 'number') return undefined;
      return { sub: claims.sub, aud: aud as string[] };
    } catch (error) {
      if (error instanceof CompactJwsError) return undefined;
      throw error;
    }
  };
}
