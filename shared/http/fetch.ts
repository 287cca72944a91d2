// The web-standard entry, `fetch(request): Promise<Response>` (Node 20+, Deno, Bun, and `npm run
// serve`): the Request becomes the same light request the other adapters build, and the app's answer
// a global Response. Only translation lives here; the error boundary, the access log and the
// instance lifecycle are the ones every entry shares.
import { randomUUID } from 'node:crypto';
import { OAuthError } from '../errors.ts';
import { logAccess, requestContext } from './access-log.ts';
import { answer } from './boundary.ts';
import { appendHeader, readMethod } from './event.ts';
import type { Instance } from './instance.ts';
import { type HttpResponse, LiteHeaders, LiteRequest } from './web.ts';

/** `info.sourceIp` is the caller's address where the host knows it (npm run serve: the socket's). */
export type FetchHandler = (request: Request, info?: { sourceIp?: string }) => Promise<Response>;

/** A Request with its body read; `body` undefined when reading it failed. */
interface ReadRequest {
  request: Request;
  body: Uint8Array | null | undefined;
}

/** Where the path of an http(s) URL starts (a Request's url is always absolute), or -1. */
function pathStart(url: string): number {
  const scheme = url.startsWith('https://') ? 8 : url.startsWith('http://') ? 7 : -1;
  return scheme < 0 ? -1 : url.indexOf('/', scheme);
}

/** The path of the request's URL, for the log line. */
function pathOf(url: string): string {
  const start = pathStart(url);
  if (start < 0) return '/';
  const end = url.indexOf('?', start);
  return end < 0 ? url.slice(start) : url.slice(start, end);
}

/** Builds the light request; throws OAuthError for a request no client could have sent correctly. */
export function fetchRequestToRequest({ request, body }: ReadRequest): LiteRequest {
  if (body === undefined) throw new OAuthError('invalid_request', 'the request body could not be read');
  const method = readMethod(request.method);
  const headers = new LiteHeaders();
  request.headers.forEach((value, name) => {
    appendHeader(headers, name, value);
  });
  if (body !== null) headers.set('content-length', String(body.byteLength));
  // The method and the headers have been checked, and only a method that may carry a body has one:
  // what the request can still refuse is the URL.
  try {
    return new LiteRequest(request.url, { method, headers, body });
  } catch {
    throw new OAuthError('invalid_request', 'malformed request URL');
  }
}

/** The app's answer as a new global Response, every `Set-Cookie` kept apart. */
export async function toResponse(res: HttpResponse): Promise<Response> {
  const headers: [string, string][] = [];
  res.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers.push([name, value]);
  });
  for (const cookie of res.headers.getSetCookie()) headers.push(['set-cookie', cookie]);
  const body = await res.arrayBuffer();
  // Fetch: a null body status (204, 304) carries no body, not even an empty one.
  return new Response(body.byteLength > 0 ? body : null, { status: res.status, headers });
}

async function readBody(request: Request): Promise<Uint8Array | null | undefined> {
  // The method first: on Node 20 merely reading `request.body` builds a stream (~2 µs).
  if (request.method === 'GET' || request.method === 'HEAD' || request.body === null) return null;
  try {
    const bytes = new Uint8Array(await request.arrayBuffer());
    return bytes.byteLength > 0 ? bytes : null;
  } catch {
    return undefined;
  }
}

/** The `fetch` entry over an instance shared with the function's other entries. */
export function fetchEntry(instance: Instance, requestId: () => string = randomUUID): FetchHandler {
  return async (request, info) => {
    const started = process.hrtime.bigint();
    const ctx = requestContext({
      ids: [requestId()],
      method: request.method,
      path: pathOf(request.url),
      sourceIp: info?.sourceIp,
    });
    const read: ReadRequest = { request, body: await readBody(request) };
    const out = await toResponse(await answer(instance, fetchRequestToRequest, read, ctx));
    logAccess(ctx, out.status, started);
    return out;
  };
}
