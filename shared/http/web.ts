// The subset of the Fetch API's Headers, Request and Response that the endpoints use. Node 20 loads
// its own implementation (undici) on first use of the globals, which costs tens of milliseconds at
// every cold start; these classes follow the Fetch standard for the parts implemented and cost
// nothing to load. Endpoints are typed against `HttpRequest`/`HttpResponse`, which the globals
// satisfy too, so a global Request can be handed to an endpoint (tests do).

/** What endpoints read from request and response headers; the global Headers has all of it. */
export interface HeaderList {
  get(name: string): string | null;
  has(name: string): boolean;
  forEach(callback: (value: string, name: string) => void): void;
  getSetCookie(): string[];
  keys(): Iterable<string>;
}

/** What endpoints read from a request; a global Request satisfies it. */
export interface HttpRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: HeaderList;
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
}

/** An answer's headers: read, and set by what wraps an app (HSTS); the global Headers has both. */
export interface ResponseHeaderList extends HeaderList {
  set(name: string, value: string): void;
}

/** What the adapter and callers read from an endpoint's answer; a global Response satisfies it. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: ResponseHeaderList;
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
  json(): Promise<unknown>;
}

export type HeadersInit =
  | LiteHeaders
  | HeaderList
  | Readonly<Record<string, string>>
  | readonly (readonly [string, string])[];
export type BodyInit = string | Uint8Array | ArrayBuffer | null;

// Fetch §2.2 "header name": an RFC 9110 token.
export const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Fetch §2.2 "header value": no NUL, CR or LF; WebIDL ByteString: no code unit above U+00FF.
const BAD_VALUE = /[\0\r\n\u0100-\uffff]/;

function headerName(name: string): string {
  const text = String(name);
  if (!HTTP_TOKEN.test(text))
    throw new TypeError(`invalid header name: ${JSON.stringify(text.slice(0, 64))}`);
  return text.toLowerCase();
}

/** HTTP whitespace: tab, line feed, carriage return, space. */
function isHttpWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/**
 * Fetch §2.2 "header value normalize": strip leading and trailing HTTP whitespace. A loop, in linear
 * time: a regular expression for the trailing run (`\s+$`) retries at every inner whitespace run, so a
 * value of many inner spaces costs quadratic time.
 */
function trimHttpWhitespace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isHttpWhitespace(text.charCodeAt(start))) start++;
  while (end > start && isHttpWhitespace(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

function headerValue(name: string, value: string): string {
  const text = trimHttpWhitespace(String(value));
  // The value itself is not echoed: it may be a credential.
  if (BAD_VALUE.test(text)) throw new TypeError(`invalid value for header ${name}`);
  return text;
}

export class LiteHeaders implements HeaderList {
  // Lower-case name → values in the order appended; `set-cookie` values are never combined.
  readonly #values = new Map<string, string[]>();

  constructor(init?: HeadersInit) {
    if (init === undefined) return;
    if (init instanceof LiteHeaders) {
      for (const [name, values] of init.#values) this.#values.set(name, [...values]);
    } else if (Array.isArray(init)) {
      for (const pair of init as readonly (readonly [string, string])[]) {
        if (pair.length !== 2) throw new TypeError('a header pair must have a name and a value');
        this.append(pair[0], pair[1]);
      }
    } else if (typeof (init as Partial<HeaderList>).forEach === 'function') {
      // Another Headers implementation (the global one): its own entries, not its properties.
      (init as unknown as HeaderList).forEach((value, name) => {
        this.append(name, value);
      });
    } else if (typeof init === 'object' && init !== null) {
      for (const [name, value] of Object.entries(init)) this.append(name, value);
    } else {
      throw new TypeError('headers must be a record, a list of pairs or Headers');
    }
  }

  append(name: string, value: string): void {
    const key = headerName(name);
    const text = headerValue(key, value);
    const values = this.#values.get(key);
    if (values) values.push(text);
    else this.#values.set(key, [text]);
  }

  set(name: string, value: string): void {
    const key = headerName(name);
    this.#values.set(key, [headerValue(key, value)]);
  }

  delete(name: string): void {
    this.#values.delete(headerName(name));
  }

  get(name: string): string | null {
    const values = this.#values.get(headerName(name));
    return values ? values.join(', ') : null;
  }

  has(name: string): boolean {
    return this.#values.has(headerName(name));
  }

  getSetCookie(): string[] {
    return [...(this.#values.get('set-cookie') ?? [])];
  }

  /** Fetch §2.2 "sort and combine": names in order, values combined, each `set-cookie` on its own. */
  *entries(): IterableIterator<[string, string]> {
    for (const name of [...this.#values.keys()].sort()) {
      const values = this.#values.get(name)!;
      if (name === 'set-cookie') for (const value of values) yield [name, value];
      else yield [name, values.join(', ')];
    }
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  forEach(callback: (value: string, name: string, headers: LiteHeaders) => void): void {
    for (const [name, value] of this.entries()) callback(value, name, this);
  }

  /**
   * One value per name, as an SCF integrated response carries them: values combined, and of several
   * `set-cookie` only the first. Names in the order they were first added.
   */
  toRecord(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, values] of this.#values) {
      out[name] = name === 'set-cookie' ? values[0]! : values.length === 1 ? values[0]! : values.join(', ');
    }
    return out;
  }
}

const encoder = new TextEncoder();
// Fetch "UTF-8 decode": replacement characters for bad sequences, a leading BOM dropped.
const decoder = new TextDecoder('utf-8');

type MaybeWellFormed = string & { isWellFormed?: () => boolean };

/** A string as UTF-8 encoding sees it: a lone surrogate becomes U+FFFD. */
function wellFormed(text: string): string {
  // isWellFormed is Node 20's; on Node 18 (an SCF runtime) the round trip through UTF-8 does it.
  const check = (text as MaybeWellFormed).isWellFormed;
  if (typeof check === 'function' && check.call(text)) return text;
  return Buffer.from(text, 'utf8').toString('utf8');
}

/** A body read at most once, as the Fetch standard's Body mixin does. */
class Body {
  #bytes: Uint8Array | null = null;
  // A string body stays a string until someone asks for bytes: most are read back as text.
  #text: string | null = null;
  #used = false;

  constructor(body: BodyInit | undefined, headers: LiteHeaders) {
    if (body === undefined || body === null) {
      // no body
    } else if (typeof body === 'string') {
      this.#text = body;
      // Fetch "extract a body": a string body's type is text/plain;charset=UTF-8 unless one is given.
      if (!headers.has('content-type')) headers.set('content-type', 'text/plain;charset=UTF-8');
    } else if (body instanceof Uint8Array) {
      // A copy in its own buffer: `Buffer#slice` would share memory (and Node's pool) instead.
      this.#bytes = new Uint8Array(body);
    } else if (body instanceof ArrayBuffer) {
      this.#bytes = new Uint8Array(body.slice(0));
    } else {
      throw new TypeError('the body must be a string, a Uint8Array, an ArrayBuffer or null');
    }
  }

  get bodyUsed(): boolean {
    return this.#used;
  }

  #consume(): Uint8Array {
    if (this.#used) throw new TypeError('the body has already been read');
    this.#used = true;
    const bytes = this.#text !== null ? encoder.encode(this.#text) : (this.#bytes ?? new Uint8Array(0));
    this.#bytes = null;
    this.#text = null;
    return bytes;
  }

  /**
   * The body as a UTF-8 string, read once: what SCF's integrated response carries for a text body.
   * Unlike `text()`, a leading byte order mark is kept, as the bytes have it.
   */
  utf8(): string {
    if (this.#text !== null && !this.#used) {
      this.#used = true;
      const text = wellFormed(this.#text);
      this.#text = null;
      return text;
    }
    const bytes = this.#consume();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = this.#consume();
    // The body owns its bytes (copied or encoded at construction), so the buffer can be handed over.
    return bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.byteLength
      ? (bytes.buffer as ArrayBuffer)
      : (new Uint8Array(bytes).buffer as ArrayBuffer);
  }

  async bytes(): Promise<Uint8Array> {
    return new Uint8Array(await this.arrayBuffer());
  }

  async text(): Promise<string> {
    return decoder.decode(this.#consume());
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
}

export interface RequestInit {
  method?: string;
  headers?: HeadersInit;
  body?: BodyInit;
}

// Fetch §2.2: forbidden methods, and the ones normalized to upper case.
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);
const NORMALIZED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);

export class LiteRequest extends Body implements HttpRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: LiteHeaders;

  constructor(input: string | URL, init: RequestInit = {}) {
    const headers = new LiteHeaders(init.headers);
    let method = init.method ?? 'GET';
    if (!HTTP_TOKEN.test(method)) throw new TypeError('invalid request method');
    const upper = method.toUpperCase();
    if (FORBIDDEN_METHODS.has(upper)) throw new TypeError(`method ${upper} is forbidden`);
    if (NORMALIZED_METHODS.has(upper)) method = upper;
    const body = init.body ?? null;
    if (body !== null && (method === 'GET' || method === 'HEAD'))
      throw new TypeError('a GET or HEAD request cannot have a body');
    super(body, headers);
    this.method = method;
    // Throws TypeError for a URL that does not parse, as the standard requires.
    this.url = new URL(String(input)).href;
    this.headers = headers;
  }
}

/** The request's URL parsed. */
export function requestUrl(req: HttpRequest): URL {
  return new URL(req.url);
}

export interface ResponseInit {
  status?: number;
  statusText?: string;
  headers?: HeadersInit;
}

// Fetch: a "null body status" cannot carry a body.
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

export class LiteResponse extends Body implements HttpResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: LiteHeaders;

  constructor(body: BodyInit = null, init: ResponseInit = {}) {
    const status = init.status ?? 200;
    if (!Number.isInteger(status) || status < 200 || status > 599)
      throw new RangeError(`status ${status} is outside 200–599`);
    if (body !== null && NULL_BODY_STATUSES.has(status))
      throw new TypeError(`a response with status ${status} cannot have a body`);
    const headers = new LiteHeaders(init.headers);
    super(body, headers);
    this.status = status;
    this.statusText = init.statusText ?? '';
    this.headers = headers;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status <= 299;
  }
}
