// The one access-log line per request, whatever the platform: its request id, the route, the status
// and the latency, with the error and its private detail when there was one.
import { logLine } from '../log.ts';
import type { RequestContext } from './app.ts';

/** `started`: process.hrtime.bigint() when the event arrived. */
export function logAccess(ctx: RequestContext, status: number, started: bigint): void {
  // An optional field left empty is not written.
  logLine({
    level: status >= 500 ? 'error' : 'info',
    request_id: ctx.requestId,
    route: ctx.route,
    status,
    latency_ms: Number((process.hrtime.bigint() - started) / 10_000n) / 100,
    client_id: ctx.log.clientId || undefined,
    error: ctx.log.error || undefined,
    detail: ctx.log.detail || undefined,
  });
}

/** The route as logged: method and path, each cut short. */
export function logRoute(method: unknown, path: unknown): string {
  return `${typeof method === 'string' ? method.slice(0, 10) : '?'} ${typeof path === 'string' ? path.slice(0, 200) : '?'}`;
}
