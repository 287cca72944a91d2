// Access tokens: RS256 JWTs with the RFC 9068 claims (the gateway requires `iat` and `exp`).
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { SIGNING_ALG, type SigningKey } from './keys.ts';

export type AccessTokenTyp = 'at+jwt' | 'JWT';

export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  client_id: string;
  scope?: string;
  /** The grant (refresh-token family) the token comes from: revoking the grant revokes the token. */
  grant_id?: string;
}

export interface AccessTokenInput {
  issuer: string;
  audience: string;
  subject: string;
  clientId: string;
  scope: string;
  ttlSeconds: number;
  now: number;
  typ: AccessTokenTyp;
  grantId?: string;
}

export function newTokenId(): string {
  return randomBytes(16).toString('base64url');
}

export async function signAccessToken(
  key: SigningKey,
  input: AccessTokenInput,
): Promise<{ token: string; claims: AccessTokenClaims }> {
  const iat = Math.floor(input.now / 1000);
  const claims: AccessTokenClaims = {
    iss: input.issuer,
    sub: input.subject,
    aud: input.audience,
    exp: iat + input.ttlSeconds,
    iat,
    nbf: iat,
    jti: newTokenId(),
    client_id: input.clientId,
  };
  if (input.scope) claims.scope = input.scope;
  if (input.grantId) claims.grant_id = input.grantId;
  const token = await new SignJWT({ ...claims })
    .setProtectedHeader({ alg: SIGNING_ALG, typ: input.typ, kid: key.kid })
    .sign(key.privateKey);
  return { token, claims };
}
