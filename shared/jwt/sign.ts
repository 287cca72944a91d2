// Access tokens: RS256 JWTs with the RFC 9068 claims (the gateway requires `iat` and `exp`).
// Signed with node:crypto on the imported KeyObject: RS256 is RSASSA-PKCS1-v1_5 with SHA-256, the
// padding node:crypto uses for RSA keys by default. jose's SignJWT goes through WebCrypto, which
// costs a third more CPU per token here (see docs/performance.md), and adds nothing for claims we
// build ourselves.
import { randomBytes, sign } from 'node:crypto';
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
}

// Token ids (`jti`, 128 bits) are cut from 4 KB of CSPRNG output drawn at once, as Node's own
// randomUUID does: one call into OpenSSL per 256 ids instead of one per id. No byte is handed out twice.
const ID_BYTES = 16;
const POOL_BYTES = 256 * ID_BYTES;
let pool = Buffer.alloc(0);
let poolOffset = 0;

export function newTokenId(): string {
  if (poolOffset + ID_BYTES > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolOffset = 0;
  }
  const id = pool.toString('base64url', poolOffset, poolOffset + ID_BYTES);
  poolOffset += ID_BYTES;
  return id;
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
  // RFC 7515 §7.1: BASE64URL(UTF8(header)) '.' BASE64URL(payload) '.' BASE64URL(signature).
  const header = encodedHeader(key.kid, input.typ);
  const signingInput = `${header}.${encodeJson(claims)}`;
  const signature = sign('sha256', Buffer.from(signingInput, 'latin1'), key.privateKey);
  return { token: `${signingInput}.${signature.toString('base64url')}`, claims };
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
