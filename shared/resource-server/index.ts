// scf-oauth2-resource-server: protects a serverless function with the access tokens this
// authorization server issues, as API Gateway's OAuth 2.0 plugin did, with no gateway in front.
//
//   const { protect } = require('scf-oauth2-resource-server');
//   exports.main_handler = protect({ scopes: ['read'] }, async (event, context, auth) => ({ ... }));
import { randomUUID } from 'node:crypto';
import { OAuthError as SharedOAuthError } from '../errors.ts';
import { eventToRequest, type RequestContext, renderError, responseToIntegrated } from '../http/scf.ts';
import { logLine } from '../log.ts';
import { createGuard, type Guard } from './guard.ts';
import { readOptions, resolveOptions } from './options.ts';
import type {
  AccessTokenClaims,
  Auth,
  IntegratedResponse,
  MainHandler,
  ProtectedHandler,
  ResourceServerError,
  ResourceServerOptions,
  Verifier,
} from './types.ts';

export type {
  AccessTokenClaims,
  Auth,
  IntegratedResponse,
  MainHandler,
  ProtectedHandler,
  ResourceErrorCode,
  ResourceServerError,
  ResourceServerOptions,
  Verifier,
} from './types.ts';

/** The class of every refusal: `instanceof OAuthError` tells a refusal from a bug. */
export const OAuthError: abstract new (...args: never[]) => ResourceServerError = SharedOAuthError as never;

/** One guard per instance: options checked at once, keys imported (or first fetched) once. */
function lazyGuard(options: ResourceServerOptions): () => Promise<Guard> {
  const checked = readOptions(options, process.env);
  let guard: Promise<Guard> | undefined;
  return () => {
    guard ??= resolveOptions(options, process.env, checked).then(
      (resolved) => createGuard({ ...resolved, resourceMetadata: true }),
      (error: unknown) => {
        guard = undefined;
        throw error;
      },
    );
    return guard;
  };
}

/**
 * `async (token) => claims` for an access token, throwing a `ResourceServerError` (`OAuthError`)
 * with the RFC 6750 code of any refusal. Throws a `ConfigError` at once for bad options.
 */
export function createVerifier(options: ResourceServerOptions = {}): Verifier {
  const guard = lazyGuard(options);
  return async (token) => {
    if (typeof token !== 'string') throw new TypeError('token must be a string');
    return (await (await guard()).verify(token)) as AccessTokenClaims;
  };
}

/**
 * An SCF `main_handler` (API Gateway and function URL events alike) that calls
 * `handler(event, context, auth)` only for a valid access token and passes its response through; it
 * answers the RFC 9728 metadata itself, and 401/403/503 with a JSON body and `WWW-Authenticate`.
 */
export function protect<Event = unknown, Context = unknown, Result = IntegratedResponse>(
  options: ResourceServerOptions,
  handler: ProtectedHandler<Event, Context, Result>,
): MainHandler<Event, Context, Result> {
  if (typeof handler !== 'function') throw new TypeError('handler must be a function');
  const guard = lazyGuard(options);
  return async (event, context) => {
    const started = process.hrtime.bigint();
    const e = (event ?? {}) as {
      httpMethod?: unknown;
      path?: unknown;
      requestContext?: { requestId?: unknown };
    };
    const ctx: RequestContext = {
      requestId:
        (typeof (context as { request_id?: unknown } | undefined)?.request_id === 'string' &&
          (context as { request_id: string }).request_id) ||
        (typeof e.requestContext?.requestId === 'string' && e.requestContext.requestId) ||
        randomUUID(),
      route: `${String(e.httpMethod).slice(0, 10)} ${String(e.path).slice(0, 200)}`,
      log: {},
    };
    let auth: Auth;
    try {
      const g = await guard();
      const req = eventToRequest(event);
      const metadata = g.metadata(req);
      if (metadata) return await responseToIntegrated(metadata);
      auth = await g.authenticate(req, ctx.log);
    } catch (error) {
      // Only the kit's own refusals and failures answer here; the handler's errors stay the handler's.
      const out = await responseToIntegrated(renderError(error, ctx));
      logLine({
        level: out.statusCode >= 500 ? 'error' : 'info',
        request_id: ctx.requestId,
        route: ctx.route,
        status: out.statusCode,
        latency_ms: Number((process.hrtime.bigint() - started) / 10_000n) / 100,
        client_id: ctx.log.clientId || undefined,
        error: ctx.log.error || undefined,
        detail: ctx.log.detail || undefined,
      });
      return out;
    }
    return handler(event, context, auth);
  };
}
