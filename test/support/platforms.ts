// Every platform's door to a function, for tests: a global Request becomes the platform's event,
// built on the sample event of the platform's own documentation (test/fixtures/events, sources in
// PLATFORM-SOURCES.md there), the function's entry for that platform runs it, and its result is
// checked against the platform's response format and read back as a Response.
import { expect } from 'vitest';
import { readRoutes } from '../../infra/serve/routes.ts';
import type { Entries } from '../../shared/http/entries.ts';
import type { IntegratedResponse } from '../../shared/http/event.ts';
import { loadEvent } from './events.ts';
import { ROOT } from './run.ts';

export const PLATFORMS = ['scf', 'lambda-rest', 'lambda-http-api', 'lambda-url', 'fc', 'fetch'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** The entries of the functions a test serves, by function folder name. */
export type FunctionEntries = Record<
  string,
  Pick<Entries, 'main_handler' | 'handler' | 'fcHandler' | 'fetch'>
>;

const routes = readRoutes(ROOT, {}).paths;

/** Which function serves a path: serverless.yml's routes, as `npm run serve` reads them. */
export function functionFor(path: string): string | undefined {
  return routes.get(path);
}

interface Parts {
  method: string;
  path: string;
  rawQuery: string;
  query: [string, string][];
  headers: [string, string][];
  body: Buffer;
}

async function partsOf(request: Request): Promise<Parts> {
  const url = new URL(request.url);
  const headers: [string, string][] = [['host', url.host]];
  request.headers.forEach((value, name) => {
    headers.push([name, value]);
  });
  return {
    method: request.method,
    path: url.pathname,
    rawQuery: url.search.slice(1),
    query: [...url.searchParams],
    headers,
    body: Buffer.from(await request.arrayBuffer()),
  };
}

/** Values per name, in order. */
function grouped(pairs: [string, string][]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of pairs) {
    out[name] ??= [];
    out[name].push(value);
  }
  return out;
}

function joined(pairs: [string, string][], separator = ','): Record<string, string> {
  return Object.fromEntries(Object.entries(grouped(pairs)).map(([n, v]) => [n, v.join(separator)]));
}

/** `content-type` → `Content-Type`, as FC 3.0 writes header names. */
function capitalised(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}

/** The platform's event for `request`: the documented sample with this request's fields. */
export async function toEvent(platform: Exclude<Platform, 'fetch'>, request: Request): Promise<unknown> {
  const p = await partsOf(request);
  const text = p.body.length > 0 ? p.body.toString('utf8') : undefined;
  const base64 = p.body.length > 0 ? p.body.toString('base64') : undefined;
  if (platform === 'scf') {
    const e = loadEvent('apigw-doc-sample');
    return {
      ...e,
      httpMethod: p.method,
      path: p.path,
      headers: joined(p.headers),
      queryString: Object.fromEntries(
        Object.entries(grouped(p.query)).map(([n, v]) => [n, v.length === 1 ? v[0] : v]),
      ),
      queryStringParameters: undefined,
      body: text,
    };
  }
  if (platform === 'lambda-rest') {
    const e = loadEvent('aws-apigw-rest-v1') as { requestContext: Record<string, unknown> };
    const headers = grouped(p.headers);
    const query = grouped(p.query);
    return {
      ...e,
      resource: p.path,
      path: p.path,
      httpMethod: p.method,
      // headers: the last value of each name; multiValueHeaders: all of them.
      headers: Object.fromEntries(Object.entries(headers).map(([n, v]) => [n, v.at(-1)])),
      multiValueHeaders: headers,
      queryStringParameters: p.query.length ? Object.fromEntries(p.query) : null,
      multiValueQueryStringParameters: p.query.length ? query : null,
      requestContext: { ...e.requestContext, httpMethod: p.method, path: p.path, resourcePath: p.path },
      body: text ?? null,
      isBase64Encoded: false,
    };
  }
  if (platform === 'lambda-http-api' || platform === 'lambda-url') {
    const e = loadEvent(platform === 'lambda-url' ? 'aws-function-url' : 'aws-http-api-v2') as {
      requestContext: { http: Record<string, unknown> } & Record<string, unknown>;
    };
    // Payload 2.0: the Cookie header becomes `cookies`; other headers lower case, values comma-joined.
    const cookies = p.headers
      .filter(([n]) => n === 'cookie')
      .flatMap(([, v]) => v.split(/;\s*/))
      .filter(Boolean);
    const host = p.headers.find(([n]) => n === 'host')![1];
    const event: Record<string, unknown> = {
      ...e,
      rawPath: p.path,
      rawQueryString: p.rawQuery,
      headers: joined(p.headers.filter(([n]) => n !== 'cookie')),
      queryStringParameters: p.query.length ? joined(p.query) : undefined,
      requestContext: {
        ...e.requestContext,
        domainName: host,
        http: { ...e.requestContext.http, method: p.method, path: decodeURIComponent(p.path) },
      },
      // A function URL sends a body base64-encoded; an HTTP API here as text: both forms are covered.
      body: platform === 'lambda-url' ? base64 : text,
      isBase64Encoded: platform === 'lambda-url' && base64 !== undefined,
    };
    if (cookies.length > 0) event.cookies = cookies;
    else delete event.cookies;
    return event;
  }
  const e = loadEvent('fc3-http-trigger') as { requestContext: { http: Record<string, unknown> } & object };
  const event = {
    ...e,
    rawPath: p.path,
    headers: Object.fromEntries(Object.entries(joined(p.headers)).map(([n, v]) => [capitalised(n), v])),
    queryParameters: joined(p.query),
    requestContext: {
      ...e.requestContext,
      http: { ...e.requestContext.http, method: p.method, path: decodeURIComponent(p.path) },
    },
    body: base64 ?? '',
    isBase64Encoded: base64 !== undefined,
  };
  // FC 3.0 hands a built-in runtime's handler the event as a JSON Buffer.
  return Buffer.from(JSON.stringify(event));
}

/** Checks `out` is the platform's response format and reads it back as a Response. */
export function fromResult(platform: Exclude<Platform, 'fetch'>, out: unknown): Response {
  const r = out as IntegratedResponse & { cookies?: unknown; multiValueHeaders?: Record<string, string[]> };
  const keys = ['body', 'headers', 'isBase64Encoded', 'statusCode'];
  if (platform === 'lambda-http-api' || platform === 'lambda-url') {
    // Payload 2.0: Set-Cookie only in `cookies`.
    expect(Object.keys(r).sort()).toEqual([...keys, 'cookies'].sort());
    expect(Array.isArray(r.cookies)).toBe(true);
    expect(Object.keys(r.headers)).not.toContain('set-cookie');
  } else if (platform === 'lambda-rest') {
    expect(
      Object.keys(r)
        .filter((k) => k !== 'multiValueHeaders')
        .sort(),
    ).toEqual(keys);
  } else {
    expect(Object.keys(r).sort()).toEqual(keys);
  }
  expect(Number.isInteger(r.statusCode)).toBe(true);
  expect(typeof r.body).toBe('string');
  expect(typeof r.isBase64Encoded).toBe('boolean');
  const headers = new Headers();
  for (const [name, value] of Object.entries(r.headers)) {
    expect(typeof value, name).toBe('string');
    if (name !== 'set-cookie' || !r.multiValueHeaders?.['set-cookie']) headers.append(name, value);
  }
  for (const cookie of (r.cookies as string[] | undefined) ?? []) headers.append('set-cookie', cookie);
  for (const cookie of r.multiValueHeaders?.['set-cookie'] ?? []) headers.append('set-cookie', cookie);
  const body = r.isBase64Encoded ? Buffer.from(r.body, 'base64') : Buffer.from(r.body, 'utf8');
  const empty = body.length === 0 || r.statusCode === 204 || r.statusCode === 304;
  return new Response(empty ? null : body, { status: r.statusCode, headers });
}

/** Sends `request` through the platform's entry of the function that serves its path. */
export async function sendThrough(
  platform: Platform,
  entries: FunctionEntries,
  request: Request,
): Promise<Response> {
  const fn = entries[functionFor(new URL(request.url).pathname) ?? ''];
  if (!fn) throw new Error(`no entries for ${request.url}`);
  if (platform === 'fetch') return fn.fetch(request);
  const event = await toEvent(platform, request);
  if (platform === 'scf') return fromResult(platform, await fn.main_handler(event));
  if (platform === 'fc') return fromResult(platform, await fn.fcHandler(event, { requestId: 'fc-test' }));
  return fromResult(platform, await fn.handler(event, { awsRequestId: 'lambda-test' }));
}

/** A `fetch` that goes through the platform's entries instead of the network (for flow clients). */
export function platformFetch(platform: Platform, entries: FunctionEntries): typeof fetch {
  return ((input: string | URL | Request, init?: RequestInit) =>
    sendThrough(platform, entries, new Request(input, init))) as typeof fetch;
}
