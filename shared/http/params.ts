// Strict request parsing: media types, size limits, UTF-8, no repeated parameters, empty means absent.
import { OAuthError } from '../errors.ts';
import { type HttpRequest, requestUrl } from './web.ts';

export const MAX_FORM_BYTES = 64 * 1024;

/** Parameters with null prototype: a parameter named `__proto__` is just a parameter. */
export type Params = Readonly<Record<string, string>>;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** RFC 8707 §2: `resource` may be given more than once; no other parameter may. */
const REPEATABLE = new Set(['resource']);
// Every value of a repeatable parameter, by the parameters it was read into (the record holds the first).
const repeated = new WeakMap<Params, ReadonlyMap<string, readonly string[]>>();

/** Every value of `name` (a repeatable parameter), in order; [] when absent. */
export function paramValues(params: Params, name: string): string[] {
  const all = repeated.get(params)?.get(name);
  if (all) return [...all];
  const one = params[name];
  return one === undefined ? [] : [one];
}

function collect(pairs: Iterable<[string, string]>, where: string): Params {
  const out: Record<string, string> = Object.create(null);
  const seen = new Set<string>();
  let many: Map<string, string[]> | undefined;
  for (const [name, value] of pairs) {
    if (REPEATABLE.has(name)) {
      many ??= new Map();
      const list = many.get(name) ?? [];
      if (value !== '') list.push(value);
      many.set(name, list);
      if (out[name] === undefined && value !== '') out[name] = value;
      continue;
    }
    // RFC 6749 §3.1, §3.2: request and response parameters MUST NOT be included more than once.
    if (seen.has(name))
      throw new OAuthError('invalid_request', `parameter ${safeName(name)} is repeated in ${where}`);
    seen.add(name);
    // RFC 6749 §3.1: parameters sent without a value are treated as omitted.
    if (value !== '') out[name] = value;
  }
  const params = Object.freeze(out);
  if (many) repeated.set(params, many);
  return params;
}

/** A parameter's name as an error may quote it: a plain name, or "(unnamed)". */
export function safeName(name: string): string {
  return /^[A-Za-z0-9_.-]{1,64}$/.test(name) ? name : '(unnamed)';
}

export function mediaType(req: HttpRequest): string {
  return (req.headers.get('content-type') ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

/** Reads the body as bytes, refusing anything over `limit`. */
export async function readBody(req: HttpRequest, limit: number): Promise<Uint8Array> {
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (declared > limit) throw new OAuthError('payload_too_large', `request body is over ${limit} bytes`);
  const body = new Uint8Array(await req.arrayBuffer());
  if (body.byteLength > limit)
    throw new OAuthError('payload_too_large', `request body is over ${limit} bytes`);
  return body;
}

/**
 * The text of an `application/x-www-form-urlencoded` body of at most `limit` bytes (over it: 413). Another
 * media type, or bytes that are not UTF-8, are refused with what `refuse` makes of the problem: an RFC
 * 6749 error at an endpoint, a page where a person reads it.
 */
export async function readFormText(
  req: HttpRequest,
  limit: number,
  refuse: (problem: 'media-type' | 'encoding') => Error,
): Promise<string> {
  if (mediaType(req) !== 'application/x-www-form-urlencoded') throw refuse('media-type');
  const bytes = await readBody(req, limit);
  try {
    return utf8.decode(bytes);
  } catch {
    throw refuse('encoding');
  }
}

/** An `application/x-www-form-urlencoded` body (RFC 6749 §4.1.3, §4.4.2). Anything else is refused. */
export async function readForm(req: HttpRequest, limit = MAX_FORM_BYTES): Promise<Params> {
  const text = await readFormText(req, limit, (problem) =>
    problem === 'media-type'
      ? new OAuthError('invalid_request', 'the body must be application/x-www-form-urlencoded')
      : new OAuthError('invalid_request', 'the body is not valid UTF-8'),
  );
  return parseUrlEncoded(text, 'the body');
}

export function parseUrlEncoded(text: string, where: string): Params {
  const pairs = decodeForm(text);
  if (!pairs)
    throw new OAuthError('invalid_request', `${where} has a malformed percent-escape or invalid UTF-8`);
  return collect(pairs, where);
}

/**
 * The one reader of `application/x-www-form-urlencoded` text, query strings and bodies alike: every
 * name and value, decoded, in order, repeats and empty values kept (the readers built on it decide
 * about those); `undefined` when an escape is malformed or not UTF-8.
 */
export function decodeForm(text: string): [string, string][] | undefined {
  const pairs: [string, string][] = [];
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawName = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? '' : part.slice(eq + 1);
    try {
      // decodeURIComponent throws on a malformed escape or an escape that is not UTF-8,
      // where URLSearchParams would silently substitute U+FFFD.
      pairs.push([formDecode(rawName), formDecode(rawValue)]);
    } catch {
      return undefined;
    }
  }
  return pairs;
}

/** The query string of the request URL, with the same rules as a form body. */
export function readQuery(req: HttpRequest): Params {
  const url = requestUrl(req);
  return parseUrlEncoded(url.search.slice(1), 'the query string');
}

export interface BasicCredentials {
  clientId: string;
  clientSecret: string;
}

/**
 * HTTP Basic client credentials. RFC 6749 §2.3.1: id and secret are form-urlencoded before being
 * joined with ":" and base64-encoded, so both are decoded after the split.
 */
export function parseBasicAuth(header: string | null): BasicCredentials | undefined {
  if (header === null) return undefined;
  const match = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  if (!/^Basic /i.test(header)) return undefined;
  if (!match) throw new OAuthError('invalid_request', 'the Basic credentials are not valid base64');
  let decoded: string;
  try {
    decoded = utf8.decode(Buffer.from(match[1]!, 'base64'));
  } catch {
    throw new OAuthError('invalid_request', 'the Basic credentials are not valid UTF-8');
  }
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new OAuthError('invalid_request', 'the Basic credentials have no ":" separator');
  try {
    const clientId = formDecode(decoded.slice(0, colon));
    const clientSecret = formDecode(decoded.slice(colon + 1));
    if (!clientId) throw new OAuthError('invalid_request', 'the Basic credentials have an empty client id');
    return { clientId, clientSecret };
  } catch (error) {
    if (error instanceof OAuthError) throw error;
    throw new OAuthError('invalid_request', 'the Basic credentials are not form-urlencoded');
  }
}

function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}
