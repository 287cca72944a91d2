// A client that authenticates with private_key_jwt (RFC 7523): its key pair is made in test setup.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { type JWK, SignJWT } from 'jose';
import { JWT_BEARER_ASSERTION } from '../../functions/token/client-assertion.ts';

export interface JwtClient {
  clientId: string;
  /** The OAUTH_CLIENTS entry. */
  entry: Record<string, unknown>;
  privateKey: KeyObject;
  publicJwk: JWK;
  alg: 'ES256' | 'RS256' | 'PS256';
  /** A signed assertion: standard claims for `audience`, then `claims` over them, with `header` added. */
  assertion(
    audience: string,
    claims?: Record<string, unknown>,
    header?: Record<string, unknown>,
  ): Promise<string>;
}

let counter = 0;

export function makeJwtClient(
  clientId = 'jwt-client',
  alg: JwtClient['alg'] = 'ES256',
  extra: Record<string, unknown> = {},
): JwtClient {
  const pair =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicJwk = { ...pair.publicKey.export({ format: 'jwk' }), kid: `${clientId}-key`, alg } as JWK;
  return {
    clientId,
    privateKey: pair.privateKey,
    publicJwk,
    alg,
    entry: {
      client_id: clientId,
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [publicJwk] },
      grant_types: ['client_credentials'],
      scope: 'read',
      ...extra,
    },
    async assertion(audience, claims = {}, header = {}) {
      const iat = Math.floor(Date.now() / 1000);
      const payload = {
        iss: clientId,
        sub: clientId,
        aud: audience,
        iat,
        exp: iat + 60,
        jti: `assertion-${++counter}-${Math.random().toString(36).slice(2)}`,
        ...claims,
      };
      for (const [k, v] of Object.entries(payload))
        if (v === undefined) delete (payload as Record<string, unknown>)[k];
      return new SignJWT(payload)
        .setProtectedHeader({ alg, kid: publicJwk.kid, ...header })
        .sign(pair.privateKey);
    },
  };
}

export function assertionParams(assertion: string): Record<string, string> {
  return { client_assertion_type: JWT_BEARER_ASSERTION, client_assertion: assertion };
}
