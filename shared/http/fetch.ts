// The web-standard entry, `fetch(request): Promise<Response>` (Node 20+, Deno, Bun, and `npm run
// serve`): the request goes to the app as it is (endpoints read any Request), and the app's answer
// becomes a global Response. The error boundary, the access log and the instance lifecycle are the
// ones every entry shares.
import { randomUUID } from 'node:crypto';
import { logAccess, logRoute } from './access-log.ts';
import type { RequestContext } from './app.ts';
import { answer } from './boundary.ts';
import type { Instance } from './instance.ts';
import type { HttpRequest, HttpResponse } from './web.ts';

export type FetchHandler = (request: Request) => Promise<Response>;

/** The path of an absolute URL (a Request's url always is one), without parsing it whole. */
function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start < 0) return '/';
  const end = url.indexOf('?', start);
  return end < 0 ? url.slice(start) : url.slice(start, end);
}

const asIs = (request: Request): HttpRequest => request;

/** The app's answer as a global Response, every `Set-Cookie` kept apart. */
export async function toResponse(res: HttpResponse): Promise<Response> {
  if (res instanceof Response) return res;
  const headers = new Headers();
  res.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers.append(name, value);
  });
  for (const cookie of res.headers.getSetCookie()) headers.append('set-cookie', cookie);
  const body = await res.arrayBuffer();
  // Fetch: a null body status (204, 304) carries no body, not even an empty one.
  return new Response(body.byteLength > 0 ? body : null, { status: res.status, headers });
}

/** The `fetch` entry over an instance shared with the function's other entries. */
export function fetchEntry(instance: Instance, requestId: () => string = randomUUID): FetchHandler {
  return async (request) => {
    const started = process.hrtime.bigint();
    const ctx: RequestContext = {
      requestId: requestId(),
      route: logRoute(request.method, pathOf(request.url)),
      log: {},
    };
    const out = await toResponse(await answer(instance, asIs, request, ctx));
    logAccess(ctx, out.status, started);
    return out;
  };
}
