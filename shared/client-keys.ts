// The public keys a `private_key_jwt` client signs its assertions with: RFC 7591 `jwks`, inline in
// OAUTH_CLIENTS (a function never fetches a client's jwks_uri: no outbound call on the request path).
import { createPublicKey } from 'node:crypto';
import type { JWK } from 'jose';

/** RFC 7523 client assertions: asymmetric algorithms only, from a fixed allow-list (RFC 8725 §3.1). */
export const ASSERTION_ALGS = ['RS256', 'PS256', 'ES256'] as const;
export type AssertionAlg = (typeof ASSERTION_ALGS)[number];

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const MIN_RSA_BITS = 2048;

/** The algorithms a key may verify: by its `alg` when it names one, else by its type. */
export function algorithmsOf(jwk: JWK): AssertionAlg[] {
  const byType: AssertionAlg[] = jwk.kty === 'RSA' ? ['RS256', 'PS256'] : jwk.kty === 'EC' ? ['ES256'] : [];
  return jwk.alg === undefined ? byType : byType.filter((a) => a === jwk.alg);
}

/** The client's verified public keys, or a problem message naming the field (never key material). */
export function readClientJwks(value: unknown, where: string): { keys: JWK[] } | { problem: string } {
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (!value || typeof value !== 'object' || !Array.isArray(keys) || keys.length === 0) {
    return { problem: `${where}.jwks must be a JWK Set: {"keys": [ …public keys… ]}` };
  }
  const out: JWK[] = [];
  for (const [i, item] of keys.entries()) {
    const at = `${where}.jwks.keys[${i}]`;
    if (!item || typeof item !== 'object' || Array.isArray(item))
      return { problem: `${at} must be a JWK object` };
    const jwk = item as JWK;
    if (PRIVATE_MEMBERS.some((m) => m in jwk))
      return { problem: `${at} holds private or secret key material` };
    if (jwk.kty === 'EC' && jwk.crv !== 'P-256') return { problem: `${at} must use the P-256 curve (ES256)` };
    if (jwk.kty !== 'RSA' && jwk.kty !== 'EC') return { problem: `${at}.kty must be RSA or EC` };
    if (jwk.use !== undefined && jwk.use !== 'sig') return { problem: `${at}.use must be "sig"` };
    if (algorithmsOf(jwk).length === 0) {
      return { problem: `${at}.alg must be one of ${ASSERTION_ALGS.join(', ')} and fit its kty` };
    }
    try {
      const key = createPublicKey({ key: jwk as never, format: 'jwk' });
      const bits = key.asymmetricKeyDetails?.modulusLength;
      if (jwk.kty === 'RSA' && (bits ?? 0) < MIN_RSA_BITS) {
        return { problem: `${at} must be an RSA key of at least ${MIN_RSA_BITS} bits` };
      }
    } catch {
      return { problem: `${at} could not be read as a public key` };
    }
    out.push(Object.freeze({ ...jwk }));
  }
  return { keys: out };
}
