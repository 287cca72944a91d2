// scf-oauth2-resource-server: protects a serverless function with the access tokens this
// authorization server issues, as API Gateway's OAuth 2.0 plugin did, with no gateway in front.
//
//   const { protect } = require('scf-oauth2-resource-server');
//   exports.main_handler = protect({ scopes: ['read'] }, async (event, context, auth) => ({ ... }));

import { OAuthError as SharedOAuthError } from '../errors.ts';
import { requestContext } from '../http/access-log.ts';
import { eventToRequest, type RequestContext, renderError, responseToIntegrated } from '../http/scf.ts';
import { logLine, type RequestLog } from '../log.ts';
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
function lazyGuard(options: ResourceServerOptions): () => Guard | Promise<Guard> {
  const checked = readOptions(options, process.env);
  let guard: Promise<Guard> | undefined;
  // The guard once made: later events use it with no promise to wait for.
  let ready: Guard | undefined;
  return () => {
    if (ready) return ready;
    guard ??= resolveOptions(options, process.env, checked).then(
      (resolved) => {
        ready = createGuard({ ...resolved, resourceMetadata: true });
        return ready;
      },
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
    const pending = guard();
    const g = pending instanceof Promise ? await pending : pending;
    // The claims as verified are the public type's: checked here, by assignment.
    const claims: AccessTokenClaims = await g.verify(token);
    return claims;
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
    const log: RequestLog = {};
    let auth: Auth;
    try {
      const pending = guard();
      const g = pending instanceof Promise ? await pending : pending;
      const req = eventToRequest(event);
      const metadata = g.metadata(req);
      if (metadata) return await responseToIntegrated(metadata);
      auth = await g.authenticate(req, log);
    } catch (error) {
      // Only the kit's own refusals and failures answer here; the handler's errors stay the handler's.
      const ctx = refusalContext(event, context, log);
      const out = await responseToIntegrated(renderError(error, ctx));
      logLine({
        level: out.statusCode >= 500 ? 'error' : 'info',
        request_id: ctx.requestId,
        route: ctx.route,
        status: out.statusCode,
        latency_ms: Number((process.hrtime.bigint() - started) / 10_000n) / 100,
        client_id: log.clientId || undefined,
        error: log.error || undefined,
        detail: log.detail || undefined,
      });
      return out;
    }
    return handler(event, context, auth);
  };
}

/** The request's id and route, worked out for the log line of a refusal only. */
function refusalContext(event: unknown, context: unknown, log: RequestLog): RequestContext {
  const e = (event ?? {}) as {
    httpMethod?: unknown;
    path?: unknown;
    requestContext?: { requestId?: unknown };
  };
  const c = (context ?? {}) as { request_id?: unknown };
  const { requestId, route } = requestContext({
    ids: [c.request_id, e.requestContext?.requestId],
    method: e.httpMethod,
    path: e.path,
    sourceIp: undefined,
  });
  return { requestId, route, log };
}
