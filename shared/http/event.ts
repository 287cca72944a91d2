// What the JSON-event adapters (SCF, AWS Lambda, Alibaba Cloud FC) share once each has picked its
// platform's fields: the method check, the header list, the URL, the body, and the integrated
// response `{statusCode, headers, body, isBase64Encoded}` all three platforms answer with.
import { OAuthError } from '../errors.ts';
import type { IntegratedResponse } from '../resource-server/types.ts';
import { type HttpResponse, LiteHeaders, LiteRequest, LiteResponse } from './web.ts';

// The integrated response of the three platforms is the kit's public type.
export type { IntegratedResponse };

type Values = Record<string, string | string[] | undefined>;

const TEXT_TYPES = /^(text\/|application\/(json|x-www-form-urlencoded|javascript|xml)|[^;]*\+json)/i;

/** `true` or `"true"` (any case): platforms write `isBase64Encoded` either way. */
export function isTrue(flag: unknown): boolean {
  return flag === true || (typeof flag === 'string' && flag.toLowerCase() === 'true');
}

/** The method, upper case; throws OAuthError for one no client sends. */
export function readMethod(raw: unknown): string {
  const method = typeof raw === 'string' ? raw.toUpperCase() : '';
  if (!/^[A-Z]{3,7}$/.test(method)) throw new OAuthError('invalid_request', 'malformed request method');
  // Fetch §2.2 forbids these: no endpoint serves them, and a Request cannot carry them.
  if (method === 'CONNECT' || method === 'TRACE' || method === 'TRACK') {
    throw new OAuthError('method_not_allowed', `${method} is not served here`);
  }
  return method;
}

/** Appends a header map (a value or a list of values per name) to `headers`; non-strings are skipped. */
export function appendHeaders(headers: LiteHeaders, given: unknown): void {
  if (!given || typeof given !== 'object') return;
  const map = given as Values;
  for (const name in map) {
    if (!Object.hasOwn(map, name)) continue;
    const raw = map[name];
    if (Array.isArray(raw)) for (const value of raw) appendHeader(headers, name, value);
    else appendHeader(headers, name, raw);
  }
}

export function appendHeader(headers: LiteHeaders, name: string, value: unknown): void {
  if (typeof value !== 'string') return;
  try {
    headers.append(name, value);
  } catch {
    throw new OAuthError('invalid_request', 'malformed request header');
  }
}

/** A query string from decoded parameters (a value or a list of values per name). */
export function encodeQuery(query: unknown): string {
  if (!query || typeof query !== 'object') return '';
  const parts: string[] = [];
  for (const [name, value] of Object.entries(query as Values)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (typeof item !== 'string') continue;
      parts.push(`${encodeURIComponent(name)}=${encodeURIComponent(item)}`);
    }
  }
  return parts.join('&');
}

/**
 * Builds the request from the platform's fields: `path` the request path, `query` an encoded query
 * string without `?`, `headers` made for this request alone. Throws OAuthError for a path no URL holds.
 */
export function requestFromParts(
  method: string,
  rawPath: unknown,
  query: string,
  headers: LiteHeaders,
  rawBody: unknown,
  base64: boolean,
): LiteRequest {
  const path = typeof rawPath === 'string' && rawPath.startsWith('/') ? rawPath : '/';
  const hostHeader = headers.get('host');
  const host =
    hostHeader !== null && /^[A-Za-z0-9.:[\]-]{1,255}$/.test(hostHeader) ? hostHeader : 'localhost';
  const proto = headers.get('x-forwarded-proto') === 'http' ? 'http' : 'https';
  const url = `${proto}://${host}${path.includes('?') || path.includes('#') ? path.replace(/[?#]/g, encodeURIComponent) : path}${query ? `?${query.replace(/#/g, '%23')}` : ''}`;
  let body: Uint8Array | null = null;
  if (method !== 'GET' && method !== 'HEAD' && typeof rawBody === 'string' && rawBody.length > 0) {
    body = base64 ? Buffer.from(rawBody, 'base64') : Buffer.from(rawBody, 'utf8');
    headers.set('content-length', String(body.byteLength));
  }
  // The method and the headers have been checked, and only a method that may carry a body has one:
  // what the request can still refuse is the URL.
  try {
    return new LiteRequest(url, { method, headers, body });
  } catch {
    throw new OAuthError('invalid_request', 'malformed request path');
  }
}

/** The integrated response: a text body as it is, any other base64; `set-cookie` its first value. */
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
