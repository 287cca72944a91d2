// Access tokens: RS256 JWTs with the RFC 9068 claims (the gateway requires `iat` and `exp`).
// Signed with node:crypto on the imported KeyObject: RS256 is RSASSA-PKCS1-v1_5 with SHA-256, the
// padding node:crypto uses for RSA keys by default. jose's SignJWT goes through WebCrypto, which
// costs a third more CPU per token here (see docs/performance.md), and adds nothing for claims we
// build ourselves.
import { sign } from 'node:crypto';
import { newTokenId } from '../token-id.ts';
import { SIGNING_ALG, type SigningKey } from './keys.ts';

export type AccessTokenTyp = 'at+jwt' | 'JWT';

/** The longest access-token lifetime the token function may be configured with (OAUTH_ACCESS_TOKEN_TTL). */
export const MAX_ACCESS_TOKEN_TTL = 86_400;

export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  client_id: string;
  scope?: string;
  /** The grant (refresh-token family) the token comes from: revoking the grant revokes the token. */
  grant_id?: string;
  /** The user's released OpenID Connect claims, sealed (JWE): opaque to every party but the token function. */
  uic?: string;
}

export interface AccessTokenInput {
  issuer: string;
  /** RFC 8707 §2, RFC 9068 §3: the resource(s) the token is for. */
  audience: string | string[];
  subject: string;
  clientId: string;
  scope: string;
  ttlSeconds: number;
  now: number;
  typ: AccessTokenTyp;
  grantId?: string;
  /** Sealed user claims for UserInfo. */
  userClaims?: string;
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
  if (input.userClaims) claims.uic = input.userClaims;
  return { token: signJwt(key, input.typ, claims), claims };
}

/** An RS256 compact JWS of `claims` with the given `typ`: access tokens and ID tokens alike. */
export function signJwt(key: SigningKey, typ: AccessTokenTyp, claims: object): string {
  // RFC 7515 §7.1: BASE64URL(UTF8(header)) '.' BASE64URL(payload) '.' BASE64URL(signature).
  const signingInput = `${encodedHeader(key.kid, typ)}.${encodeJson(claims)}`;
  const signature = sign('sha256', Buffer.from(signingInput, 'latin1'), key.privateKey);
  return `${signingInput}.${signature.toString('base64url')}`;
}

// The protected header depends only on the key and the typ: encoded once for each pair.
const headers = new Map<string, string>();

function encodedHeader(kid: string, typ: AccessTokenTyp): string {
  const cacheKey = `${typ} ${kid}`;
  let header = headers.get(cacheKey);
  if (header === undefined) {
    header = encodeJson({ alg: SIGNING_ALG, typ, kid });
    headers.set(cacheKey, header);
  }
  return header;
}

function encodeJson(value: object): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}
