// The SCF adapter: API Gateway trigger event ⇄ request/response (shared/http/web.ts), with the one
// error boundary.
import { randomUUID } from 'node:crypto';
import { ConfigError, OAuthError } from '../errors.ts';
import { logLine, type RequestLog } from '../log.ts';
import { memoize } from '../memo.ts';
import {
  type HttpRequest,
  type HttpResponse,
  LiteHeaders,
  LiteRequest,
  LiteResponse,
  PLAIN_PATH,
  PlainUrl,
} from './web.ts';

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

/** The integrated response API Gateway expects; anything else is a 403 `Invalid scf response format`. */
export interface IntegratedResponse {
  isBase64Encoded: boolean;
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export interface ScfContext {
  request_id?: string;
  function_name?: string;
}

export interface RequestContext {
  requestId: string;
  /** The route as the gateway saw it, for logs. */
  route: string;
  log: RequestLog;
  /** The caller's address as the gateway saw it (requestContext.sourceIp), for per-address limits. */
  sourceIp?: string;
}

export type App = ((req: HttpRequest, ctx: RequestContext) => Promise<HttpResponse>) & {
  /** Releases what the app opened for itself (its store connection). */
  dispose?: () => Promise<void>;
};

export type ScfHandler = ((event: unknown, context?: ScfContext) => Promise<IntegratedResponse>) & {
  /**
   * Ends the instance's app and releases what it holds, for a host that ends an instance without
   * ending its process (the local gateway). SCF never calls it: ending the process releases all.
   */
  dispose(): Promise<void>;
};

const TEXT_TYPES = /^(text\/|application\/(json|x-www-form-urlencoded|javascript|xml)|[^;]*\+json)/i;

function isTrue(flag: unknown): boolean {
  return flag === true || (typeof flag === 'string' && flag.toLowerCase() === 'true');
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function buildQuery(query: Record<string, string | string[] | undefined> | undefined): string {
  if (!query || typeof query !== 'object') return '';
  const parts: string[] = [];
  for (const [name, value] of Object.entries(query)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (typeof item !== 'string') continue;
      parts.push(`${encodeURIComponent(name)}=${encodeURIComponent(item)}`);
    }
  }
  return parts.join('&');
}

// The origins of the hosts requests came for (one or two per instance), as URL serializes them.
const originOf = memoize(16, (base) => new URL(base).origin);

/** `new URL(base).origin`, or undefined when `base` is no URL (the full parse then refuses it). */
function knownOrigin(base: string): string | undefined {
  try {
    return originOf(base);
  } catch {
    return undefined;
  }
}

/** Builds the request; throws OAuthError for an event no client could have sent correctly. */
export function eventToRequest(event: unknown): LiteRequest {
  if (!event || typeof event !== 'object') throw new OAuthError('invalid_request', 'malformed request');
  const e = event as ApiGatewayEvent;
  const method = typeof e.httpMethod === 'string' ? e.httpMethod.toUpperCase() : '';
  if (!/^[A-Z]{3,7}$/.test(method)) throw new OAuthError('invalid_request', 'malformed request method');
  // Fetch §2.2 forbids these: no endpoint serves them, and a Request cannot carry them.
  if (method === 'CONNECT' || method === 'TRACE' || method === 'TRACK') {
    throw new OAuthError('method_not_allowed', `${method} is not served here`);
  }
  const path = typeof e.path === 'string' && e.path.startsWith('/') ? e.path : '/';

  const headers = new LiteHeaders();
  const append = (name: string, value: unknown) => {
    if (typeof value !== 'string') return;
    try {
      headers.append(name, value);
    } catch {
      throw new OAuthError('invalid_request', 'malformed request header');
    }
  };
  if (e.headers && typeof e.headers === 'object') {
    const given = e.headers;
    for (const name in given) {
      if (!Object.hasOwn(given, name)) continue;
      const raw = given[name];
      if (Array.isArray(raw)) for (const value of raw) append(name, value);
      else append(name, raw);
    }
  }
  const hostHeader = headers.get('host');
  const host =
    hostHeader !== null && /^[A-Za-z0-9.:[\]-]{1,255}$/.test(hostHeader) ? hostHeader : 'localhost';
  const proto = firstValue(headers.get('x-forwarded-proto') ?? undefined) === 'http' ? 'http' : 'https';
  const query = buildQuery(e.queryString ?? e.queryStringParameters);
  // Most requests are a plain path with no query to a host seen before: their URL needs no parsing.
  const origin = query ? undefined : knownOrigin(`${proto}://${host}`);
  let url: URL | PlainUrl;
  if (origin !== undefined && PLAIN_PATH.test(path)) url = new PlainUrl(origin, path);
  else {
    try {
      url = new URL(
        `${proto}://${host}${path.includes('?') || path.includes('#') ? path.replace(/[?#]/g, encodeURIComponent) : path}${query ? `?${query}` : ''}`,
      );
    } catch {
      throw new OAuthError('invalid_request', 'malformed request path');
    }
  }

  let body: Uint8Array | undefined;
  if (method !== 'GET' && method !== 'HEAD' && typeof e.body === 'string' && e.body.length > 0) {
    body = isTrue(e.isBase64Encoded) ? Buffer.from(e.body, 'base64') : Buffer.from(e.body, 'utf8');
    headers.set('content-length', String(body.byteLength));
  }
  // Headers, body and URL were made here for this request alone: the request takes them as they are.
  return new LiteRequest(url, { method, headers, body: body ?? null }, true);
}

export async function responseToIntegrated(res: HttpResponse): Promise<IntegratedResponse> {
  let headers: Record<string, string>;
  if (res.headers instanceof LiteHeaders) {
    headers = res.headers.toRecord();
  } else {
    headers = {};
    res.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const cookies = res.headers.getSetCookie();
    if (cookies.length > 0) headers['set-cookie'] = cookies[0]!;
  }
  const text = TEXT_TYPES.test(headers['content-type'] ?? 'text/plain');
  let body: string;
  if (text && res instanceof LiteResponse) body = res.utf8();
  else {
    const bytes = Buffer.from(await res.arrayBuffer());
    body = text ? bytes.toString('utf8') : bytes.toString('base64');
  }
  return { isBase64Encoded: !text, statusCode: res.status, headers, body };
}

/**
 * Wraps an app as an SCF `main_handler`. `init` runs once per instance (cold start) and its result is
 * reused; a failure there is reported by variable name in the log and retried on the next request.
 */
export function createScfHandler(init: () => Promise<App>): ScfHandler {
  let app: Promise<App> | undefined;
  // The app once init has succeeded: requests after the first go straight to it.
  let ready: App | undefined;
  const handler = async (event: unknown, context?: ScfContext): Promise<IntegratedResponse> => {
    // process.hrtime rather than `performance`, whose first use loads perf_hooks at every cold start.
    const started = process.hrtime.bigint();
    const e = (event && typeof event === 'object' ? event : {}) as ApiGatewayEvent;
    const requestId =
      (typeof context?.request_id === 'string' && context.request_id) ||
      (typeof e.requestContext?.requestId === 'string' && e.requestContext.requestId) ||
      randomUUID();
    const ctx: RequestContext = {
      requestId,
      route: `${typeof e.httpMethod === 'string' ? e.httpMethod.slice(0, 10) : '?'} ${typeof e.path === 'string' ? e.path.slice(0, 200) : '?'}`,
      log: {},
      ...(typeof e.requestContext?.sourceIp === 'string' ? { sourceIp: e.requestContext.sourceIp } : {}),
    };
    let res: HttpResponse;
    try {
      let run = ready;
      if (!run) {
        app ??= init();
        const starting = app;
        run = await starting.catch((error: unknown) => {
          if (app === starting) app = undefined;
          throw error;
        });
        // Kept only if the instance was not disposed of while its app was starting.
        if (app === starting) ready = run;
      }
      res = await run(eventToRequest(event), ctx);
    } catch (error) {
      res = renderError(error, ctx);
    }
    const out = await responseToIntegrated(res);
    // An optional field left empty is not written.
    logLine({
      level: out.statusCode >= 500 ? 'error' : 'info',
      request_id: requestId,
      route: ctx.route,
      status: out.statusCode,
      latency_ms: Number((process.hrtime.bigint() - started) / 10_000n) / 100,
      client_id: ctx.log.clientId || undefined,
      error: ctx.log.error || undefined,
      detail: ctx.log.detail || undefined,
    });
    return out;
  };
  const dispose = async (): Promise<void> => {
    const starting = app;
    app = undefined;
    ready = undefined;
    const running = await starting?.catch(() => undefined);
    await running?.dispose?.();
  };
  return Object.assign(handler, { dispose });
}

/** The one error boundary: known errors render themselves, anything else is a logged `server_error`. */
export function renderError(error: unknown, ctx: RequestContext): HttpResponse {
  if (error instanceof OAuthError) {
    ctx.log.error = error.error;
    if (error.cause !== undefined) ctx.log.detail = describeCause(error.cause);
    return error.toResponse();
  }
  ctx.log.error = 'server_error';
  if (error instanceof ConfigError) {
    ctx.log.detail = error.message;
  } else {
    ctx.log.detail =
      error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : 'non-error thrown';
  }
  const description =
    error instanceof ConfigError
      ? 'the server is not configured correctly'
      : 'the server could not complete the request';
  return new OAuthError('server_error', description).toResponse();
}

function describeCause(cause: unknown): string {
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}
