// What the local gateway does with one HTTP request and one function answer, as API Gateway does:
// reads the request (target, headers, body), builds the SCF trigger event (SCF doc 583/12513), and
// writes the function's integrated response back. Plain code: this runs on a laptop, not in the cloud,
// so nothing here is tuned for speed (docs/performance.md, "The benchmark").
import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Endpoint } from '../serverless/project.ts';

/** API Gateway's request size limit for an SCF backend is 6 MB (SCF sync invocation payload). */
const MAX_BODY_BYTES = 6 * 1024 * 1024;

/** The gateway's own answers: `{"message": …}` with the status API Gateway gives. */
export function gatewayError(res: ServerResponse, status: number, message: string): void {
  const body = JSON.stringify({ message });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** The whole body, or undefined past the size limit. */
export function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolveBody(undefined);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolveBody(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The request's headers as API Gateway passes them on: names in lower case, one string each. */
export function flatHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

export interface RequestTarget {
  pathname: string;
  search: string;
  searchParams: URLSearchParams;
}

/** The request target's path and query, read by WHATWG URL; throws for a target that is no URL. */
export function parseTarget(target: string): RequestTarget {
  const url = new URL(target, 'http://gateway.local');
  return { pathname: url.pathname, search: url.search, searchParams: url.searchParams };
}

/** Undefined for a target that is no URL at all (`//`): no API matches it. */
export function tryParseTarget(target: string): RequestTarget | undefined {
  try {
    return parseTarget(target);
  } catch {
    return undefined;
  }
}

/** The query as both events carry it: a repeated parameter becomes an array of its values, in order. */
function queryStringOf(url: RequestTarget): Record<string, string | string[]> {
  const queryString: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const existing = queryString[name];
    if (existing === undefined) queryString[name] = value;
    else queryString[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return queryString;
}

/** The function URL event (SCF doc 583/96099): no requestContext, no isBase64Encoded, the client in x-scf-remote-addr. */
export function buildFunctionUrlEvent(
  req: IncomingMessage,
  headers: Record<string, string>,
  url: RequestTarget,
  body: Buffer,
  sourceIp: string,
) {
  // Function URLs are https; the local server speaks http, which the functions must know for cookies.
  headers['x-forwarded-proto'] = 'http';
  headers['x-scf-remote-addr'] = sourceIp;
  return {
    requestId: randomUUID(),
    event: {
      httpMethod: req.method ?? 'GET',
      path: url.pathname,
      headers,
      queryString: queryStringOf(url),
      body: body.toString('utf8'),
    },
  };
}

/** The event API Gateway sends an SCF function (SCF doc 583/12513). */
export function buildEvent(
  req: IncomingMessage,
  headers: Record<string, string>,
  url: RequestTarget,
  body: Buffer,
  endpoint: Endpoint,
  sourceIp: string,
) {
  headers['x-forwarded-proto'] = 'http';
  const queryString = queryStringOf(url);
  const isText = body.length === 0 || isUtf8(body);
  const requestId = randomUUID();
  return {
    requestId,
    event: {
      httpMethod: req.method ?? 'GET',
      path: url.pathname,
      headers,
      queryString,
      queryStringParameters: queryString,
      pathParameters: {},
      headerParameters: {},
      body: isText ? body.toString('utf8') : body.toString('base64'),
      isBase64Encoded: !isText,
      requestContext: {
        serviceId: 'service-local',
        path: endpoint.path,
        httpMethod: endpoint.method,
        requestId,
        identity: {},
        sourceIp,
        stage: 'release',
      },
    },
  };
}

interface Integrated {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean | string;
}

function isIntegrated(value: unknown): value is Integrated {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    Number.isInteger(v.statusCode) &&
    (v.headers === undefined || (typeof v.headers === 'object' && v.headers !== null)) &&
    (v.body === undefined || typeof v.body === 'string')
  );
}

/** Writes a function's integrated response; API Gateway's 403 for anything that is not one. */
export function writeIntegrated(req: IncomingMessage, res: ServerResponse, result: unknown): void {
  if (!isIntegrated(result)) {
    gatewayError(res, 403, 'Invalid scf response format. please check your scf response format.');
    return;
  }
  const base64 = result.isBase64Encoded === true || String(result.isBase64Encoded).toLowerCase() === 'true';
  const payload = Buffer.from(result.body ?? '', base64 ? 'base64' : 'utf8');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    if (typeof value === 'string') headers[name] = value;
  }
  headers['content-length'] = String(payload.length);
  res.writeHead(result.statusCode, headers);
  res.end(req.method === 'HEAD' ? undefined : payload);
}
