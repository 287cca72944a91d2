// OpenID Connect ID tokens (OIDC Core §2, §3.1.3.6): signed by the token function alone, with the same
// key as access tokens, for a grant whose scope holds `openid`.
import { createHash } from 'node:crypto';
import { signJwt } from '../../shared/jwt/sign.ts';
import type { UserClaims } from '../../shared/oidc/claims.ts';
import { createSealer, deriveKey, type Sealer, type SealKeys, sealKey } from '../../shared/seal.ts';
import type { TokenDeps } from './issue.ts';
import { accessTokenLifetime } from './rotation.ts';

export interface IdTokenClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  iat: number;
  auth_time: number;
  nonce?: string;
  at_hash: string;
  azp: string;
}

export type UserClaimsSealer = Sealer<UserClaims & { [claim: string]: unknown }>;

/**
 * The user claims' own key, derived (HKDF, its own info) from the token function's refresh-token key:
 * only the token function opens them, the authorize function (which never holds that key) cannot, and
 * no variable of SCF's 4 KB is spent on it.
 */
export function createUserClaimsSealer(keys: SealKeys): UserClaimsSealer {
  return createSealer(
    { 'user claims': deriveKey(sealKey(keys, 'refresh token'), 'user claims') },
    'user claims',
  );
}

export interface IdTokenInput {
  subject: string;
  clientId: string;
  /** When the person signed in (Unix seconds): kept across refreshes (OIDC Core §12.2). */
  authTime: number;
  nonce?: string;
  accessToken: string;
}

/**
 * OIDC Core §3.1.3.6: at_hash is the base64url of the left half of the hash of the access token's
 * ASCII octets, the hash being the one of the ID token's `alg` (SHA-256 for RS256).
 */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest().subarray(0, 16).toString('base64url');
}

export function issueIdToken(deps: TokenDeps, input: IdTokenInput): string {
  const { config } = deps;
  const now = deps.now();
  const iat = Math.floor(now / 1000);
  const claims: IdTokenClaims = {
    iss: config.issuer,
    sub: input.subject,
    // OIDC Core §2: aud holds the client_id; azp names the party it was issued to.
    aud: input.clientId,
    // A key rotation caps this as it caps access tokens: nothing outlives the key that signed it.
    exp: iat + accessTokenLifetime(config.accessTokenTtl, config.signingKeyNotAfter, now),
    iat,
    auth_time: input.authTime,
    ...(input.nonce !== undefined ? { nonce: input.nonce } : {}),
    at_hash: accessTokenHash(input.accessToken),
    azp: input.clientId,
  };
  // `typ: JWT`: an access-token verifier (RFC 9068 §4, `at+jwt`) never accepts an ID token.
  return signJwt(config.signingKey, 'JWT', claims);
}
