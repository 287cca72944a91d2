// The resource server's checks on a request: its RFC 9728 metadata, the bearer token (RFC 6750 §2.1,
// header only), the token itself (shared/jwt/verify.ts, the one verifier) and the scopes it needs.
// `protect` and the business function are both built on it.
import { splitScope } from '../clients.ts';
import { OAuthError } from '../errors.ts';
import { bearerChallenge, extractAccessToken } from '../http/bearer.ts';
import { methodNotAllowed, routePath } from '../http/respond.ts';
import { type HttpRequest, type HttpResponse, LiteResponse } from '../http/web.ts';
import type { VerificationKey } from '../jwt/keys.ts';
import type { AccessTokenTyp } from '../jwt/sign.ts';
import {
  createAccessTokenVerifier,
  type KeySource,
  KeysUnavailable,
  TokenRejected,
  type VerifiedAccessToken,
} from '../jwt/verify.ts';
import type { RequestLog } from '../log.ts';
import { resourceMetadataLocation } from '../resources.ts';
import type { Auth } from './types.ts';

export interface GuardSettings {
  issuer: string;
  audience: string;
  scopes: readonly string[];
  keys: readonly VerificationKey[];
  keySource?: KeySource;
  clockTolerance: number;
  accessTokenTyp?: AccessTokenTyp;
  now?: () => number;
  /**
   * Serve RFC 9728 metadata and name it in every challenge (the kit). Off, challenges carry
   * `realm="work"` as the business function's always have.
   */
  resourceMetadata: boolean;
  /** Also take the token from the cookie of this name (the business function's OAUTH_BEARER_COOKIE; never the kit). */
  cookie?: string;
}

export interface Guard {
  /** The metadata document when the request asks for it, else undefined. */
  metadata(req: HttpRequest): HttpResponse | undefined;
  /** The token's claims, or an OAuthError (401 invalid_token, 403 insufficient_scope, 503). */
  verify(token: string, log?: RequestLog): Promise<VerifiedAccessToken>;
  /** The request's token, verified. */
  authenticate(req: HttpRequest, log?: RequestLog): Promise<Auth>;
}

export function createGuard(settings: GuardSettings): Guard {
  const verifyToken = createAccessTokenVerifier({
    keys: settings.keys,
    ...(settings.keySource ? { keySource: settings.keySource } : {}),
    issuer: settings.issuer,
    audience: settings.audience,
    clockToleranceSeconds: settings.clockTolerance,
    ...(settings.accessTokenTyp ? { accessTokenTyp: settings.accessTokenTyp } : {}),
    ...(settings.now ? { now: settings.now } : {}),
  });
  const location = settings.resourceMetadata ? resourceMetadataLocation(settings.audience) : undefined;
  // RFC 9728 §5.1: every challenge names the metadata, so a client can start from a 401 alone.
  const attributes = location ? { resource_metadata: location.url } : undefined;
  const challenge: typeof bearerChallenge = (error, description, extra) =>
    bearerChallenge(error, description, { ...(attributes ?? { realm: 'work' }), ...extra });
  const required = settings.scopes;
  const scopeChallenge = challenge('insufficient_scope', 'the access token lacks a required scope', {
    scope: required.join(' '),
  });
  const metadataBody = location
    ? JSON.stringify({
        resource: settings.audience,
        authorization_servers: [settings.issuer],
        scopes_supported: required,
        bearer_methods_supported: ['header'],
      })
    : '';

  async function verify(token: string, log?: RequestLog): Promise<VerifiedAccessToken> {
    let claims: VerifiedAccessToken;
    try {
      claims = await verifyToken(token);
    } catch (error) {
      // The reason is the error's private cause: logged, never sent.
      if (error instanceof TokenRejected) {
        throw new OAuthError('invalid_token', 'the access token is invalid or expired', {
          headers: {
            'www-authenticate': challenge('invalid_token', 'the access token is invalid or expired'),
          },
          cause: error,
        });
      }
      if (error instanceof KeysUnavailable) {
        // Never a pass and never a 401 the client would act on: the keys are missing, not the token.
        throw new OAuthError(
          'temporarily_unavailable',
          'the keys to verify access tokens are unavailable; try again shortly',
          { status: 503, headers: { 'retry-after': String(error.retryAfterSeconds) }, cause: error },
        );
      }
      throw error;
    }
    if (required.length > 0) {
      const granted = splitScope(claims.scope);
      // RFC 6750 §3.1: 403 insufficient_scope, with the scope the request needs.
      if (required.some((s) => !granted.includes(s))) {
        if (log) log.clientId = claims.client_id;
        throw new OAuthError('insufficient_scope', 'the access token lacks a required scope', {
          headers: { 'www-authenticate': scopeChallenge },
        });
      }
    }
    return claims;
  }

  return {
    metadata(req) {
      if (!location) return undefined;
      const path = routePath(req);
      if (!location.paths.includes(path)) return undefined;
      if (req.method !== 'GET' && req.method !== 'HEAD') methodNotAllowed(['GET']);
      return new LiteResponse(metadataBody, {
        headers: {
          'content-type': 'application/json;charset=UTF-8',
          'cache-control': 'public, max-age=3600',
        },
      });
    },
    verify,
    async authenticate(req, log) {
      const token = extractAccessToken(req, {
        ...(settings.cookie === undefined ? {} : { cookie: settings.cookie }),
        challenge,
      });
      const claims = await verify(token, log);
      if (log) log.clientId = claims.client_id;
      return { claims, sub: claims.sub, clientId: claims.client_id, scopes: splitScope(claims.scope) };
    },
  };
}
