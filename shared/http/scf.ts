// The SCF adapter: API Gateway trigger and function URL events ⇄ request/response. Only translation
// lives here; the error boundary, the access log and the instance lifecycle are their own modules.
import { OAuthError } from '../errors.ts';
import { logAccess, requestContext } from './access-log.ts';
import type { App } from './app.ts';
import { answer } from './boundary.ts';
import {
  appendHeaders,
  encodeQuery,
  type IntegratedResponse,
  isTrue,
  readMethod,
  requestFromParts,
  responseToIntegrated,
} from './event.ts';
import { createInstance, type Instance } from './instance.ts';
import { LiteHeaders, type LiteRequest } from './web.ts';

export type { App, RequestContext } from './app.ts';
export { renderError } from './boundary.ts';
export { type IntegratedResponse, responseToIntegrated } from './event.ts';

type HeaderMap = Record<string, string | string[] | undefined>;

/** The API Gateway trigger event (SCF doc 583/12513); fields beyond these are ignored. */
export interface ApiGatewayEvent {
  httpMethod?: string;
  path?: string;
  headers?: HeaderMap;
  queryString?: Record<string, string | string[] | undefined>;
  queryStringParameters?: Record<string, string | string[] | undefined>;
  body?: string | null;
  isBase64Encoded?: boolean | string;
  requestContext?: {
    requestId?: string;
    sourceIp?: string;
    path?: string;
    httpMethod?: string;
    stage?: string;
  };
}

export interface ScfContext {
  request_id?: string;
  function_name?: string;
}

export type ScfHandler = ((event: unknown, context?: ScfContext) => Promise<IntegratedResponse>) & {
  /**
   * Ends the instance's app and releases what it holds, for a host that ends an instance without
   * ending its process (the local gateway). SCF never calls it: ending the process releases all.
   */
  dispose(): Promise<void>;
};

/** Builds the request; throws OAuthError for an event no client could have sent correctly. */
export function eventToRequest(event: unknown): LiteRequest {
  if (!event || typeof event !== 'object') throw new OAuthError('invalid_request', 'malformed request');
  const e = event as ApiGatewayEvent;
  const method = readMethod(e.httpMethod);
  const headers = new LiteHeaders();
  appendHeaders(headers, e.headers);
  const query = encodeQuery(e.queryString ?? e.queryStringParameters);
  return requestFromParts(method, e.path, query, headers, e.body, isTrue(e.isBase64Encoded));
}

/** SCF's `main_handler` over an instance shared with the function's other entries. */
export function scfEntry(instance: Instance): ScfHandler {
  const handler = async (event: unknown, context?: ScfContext): Promise<IntegratedResponse> => {
    // process.hrtime rather than `performance`, whose first use loads perf_hooks at every cold start.
    const started = process.hrtime.bigint();
    const e = (event && typeof event === 'object' ? event : {}) as ApiGatewayEvent;
    const ctx = requestContext({
      ids: [context?.request_id, e.requestContext?.requestId],
      method: e.httpMethod,
      path: e.path,
      sourceIp: e.requestContext?.sourceIp,
    });
    const out = await responseToIntegrated(await answer(instance, eventToRequest, event, ctx));
    logAccess(ctx, out.statusCode, started);
    return out;
  };
  return Object.assign(handler, { dispose: () => instance.dispose() });
}

/**
 * Wraps an app as an SCF `main_handler`. `init` runs once per instance (cold start) and its result is
 * reused; a failure there is reported by variable name in the log and retried on the next request.
 */
export function createScfHandler(init: () => Promise<App>): ScfHandler {
  return scfEntry(createInstance(init));
}
