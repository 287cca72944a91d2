// What every platform adapter runs: an app, request → response, with the request's context.
import type { RequestLog } from '../log.ts';
import type { HttpRequest, HttpResponse } from './web.ts';

export interface RequestContext {
  requestId: string;
  /** The route as the platform saw it, for logs. */
  route: string;
  log: RequestLog;
  /** The caller's address as the platform saw it, for per-address limits; absent where it is not told. */
  sourceIp?: string;
}

export type App = ((req: HttpRequest, ctx: RequestContext) => Promise<HttpResponse>) & {
  /** Releases what the app opened for itself (its store connection). */
  dispose?: () => Promise<void>;
};
