// The public types of scf-oauth2-resource-server. This file imports nothing, so the package's
// index.d.ts is made from it and the entry's declarations alone.

/** What `protect` and `createVerifier` take. Options left out come from the environment. */
export interface ResourceServerOptions {
  /** The authorization server's issuer URL (`iss`). Default: `OAUTH_ISSUER`. */
  issuer?: string;
  /** This resource's identifier, an absolute https URI: the `aud` tokens must carry. Default: `OAUTH_AUDIENCE`. */
  audience?: string;
  /** Scopes a token must all carry (default none): an array, or one space-separated string. */
  scopes?: readonly string[] | string;
  /**
   * The public keys tokens are signed with: a JWKS, an array of JWKs, one JWK (as objects or JSON
   * text) or a PEM. Default: `OAUTH_PUBLIC_KEYS`; with neither, the keys are fetched from the issuer's
   * `jwks_uri` (RFC 8414 metadata), or from `jwksUri`.
   */
  publicKeys?: string | object;
  /** Where to fetch the keys from, skipping the issuer's metadata. */
  jwksUri?: string;
  /** Seconds of clock skew accepted on `exp` and `nbf`, 0–300 (default 30). */
  clockTolerance?: number;
}

/** The claims of a verified access token (RFC 9068 §2.2); other claims are passed through. */
export interface AccessTokenClaims {
  [claim: string]: unknown;
  iss: string;
  aud: string | string[];
  sub: string;
  exp: number;
  iat: number;
  nbf?: number;
  jti: string;
  client_id: string;
  scope?: string;
}

/** What the protected handler receives about the caller. */
export interface Auth {
  claims: AccessTokenClaims;
  /** The resource owner, or the client itself for client credentials. */
  sub: string;
  clientId: string;
  /** The token's scopes. */
  scopes: string[];
}

/** Verifies one access token: its claims, or a `ResourceServerError`. */
export type Verifier = (token: string) => Promise<AccessTokenClaims>;

/** The error codes of a refusal: RFC 6750 §3.1's, and 503 `temporarily_unavailable` with no keys. */
export type ResourceErrorCode =
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'temporarily_unavailable';

/** A refusal: `status` and `headers` (`WWW-Authenticate`, `Retry-After`) are the HTTP answer to give. */
export interface ResourceServerError extends Error {
  readonly error: ResourceErrorCode;
  /** Safe to show the caller. */
  readonly description: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
}

/** The integrated response of an SCF function behind API Gateway or a function URL. */
export interface IntegratedResponse {
  isBase64Encoded: boolean;
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** The function's handler, called only for a valid token. */
export type ProtectedHandler<Event, Context, Result> = (
  event: Event,
  context: Context,
  auth: Auth,
) => Result | Promise<Result>;

/** The SCF `main_handler` that `protect` returns. */
export type MainHandler<Event, Context, Result> = (
  event: Event,
  context: Context,
) => Promise<Result | IntegratedResponse>;
