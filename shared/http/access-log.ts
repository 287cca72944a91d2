// The one access-log line per request, whatever the platform: its request id, the route, the status
// and the latency, with the error and its private detail when there was one.
import { randomUUID } from 'node:crypto';
import { logLine } from '../log.ts';
import type { RequestContext } from './app.ts';

/** What a platform tells of one event, as it tells it (anything may be missing or of another type). */
export interface EventFacts {
  /** The request ids the platform gives, the preferred first (the invocation's, then the gateway's). */
  ids: readonly unknown[];
  method: unknown;
  path: unknown;
  /** The caller's address. */
  sourceIp: unknown;
}

/** One event's context: the first request id given (a new one when none is), the route as logged, the caller. */
export function requestContext(facts: EventFacts): RequestContext {
  const id = facts.ids.find((v): v is string => typeof v === 'string' && v !== '');
  const ip = facts.sourceIp;
  return {
    requestId: id ?? randomUUID(),
    route: logRoute(facts.method, facts.path),
    log: {},
    // Bounded: the longest IPv6 text form with a zone is well under 64 characters.
    ...(typeof ip === 'string' && ip.length > 0 && ip.length <= 64 ? { sourceIp: ip } : {}),
  };
}

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
