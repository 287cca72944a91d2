import { describe, expect, it } from 'vitest';
import { LiteHeaders, LiteRequest, LiteResponse, requestUrl } from '../../shared/http/web.ts';

// The global Headers/Request/Response (undici) are the reference: the subset must agree with them.
function entriesOf(headers: {
  forEach(cb: (value: string, name: string) => void): void;
}): [string, string][] {
  const out: [string, string][] = [];
  headers.forEach((value, name) => {
    out.push([name, value]);
  });
  return out;
}

describe('LiteHeaders', () => {
  it('matches names case-insensitively and lists them lower-case, sorted, values combined', () => {
    const init: [string, string][] = [
      ['X-B', '1'],
      ['content-TYPE', 'text/plain'],
      ['x-b', '2'],
      ['Accept', ' a/b \t'],
    ];
    const mine = new LiteHeaders(init);
    const theirs = new Headers(init);
    expect(mine.get('X-b')).toBe('1, 2');
    expect(mine.has('CONTENT-type')).toBe(true);
    expect(mine.get('missing')).toBeNull();
    expect(entriesOf(mine)).toEqual(entriesOf(theirs));
    expect([...mine.entries()]).toEqual([...theirs.entries()]);
    expect([...mine.keys()]).toEqual([...theirs.keys()]);
  });

  it('keeps every set-cookie apart and returns them from getSetCookie', () => {
    const mine = new LiteHeaders();
    const theirs = new Headers();
    for (const h of [mine, theirs]) {
      h.append('Set-Cookie', 'a=1; Path=/');
      h.append('set-cookie', 'b=2, c; HttpOnly');
      h.set('x', 'y');
    }
    expect(mine.getSetCookie()).toEqual(['a=1; Path=/', 'b=2, c; HttpOnly']);
    expect(mine.getSetCookie()).toEqual(theirs.getSetCookie());
    expect(mine.get('set-cookie')).toBe(theirs.get('set-cookie'));
    expect(entriesOf(mine)).toEqual(entriesOf(theirs));
    expect(new LiteHeaders().getSetCookie()).toEqual([]);
  });

  it('copies the entries of a global Headers, each set-cookie apart', () => {
    const global = new Headers({ 'X-A': '1' });
    global.append('set-cookie', 'a=1');
    global.append('set-cookie', 'b=2');
    const mine = new LiteHeaders(global);
    expect(mine.get('x-a')).toBe('1');
    expect(mine.getSetCookie()).toEqual(['a=1', 'b=2']);
  });

  it('copies another LiteHeaders as it copies a global Headers, into a list of its own', () => {
    const init: [string, string][] = [
      ['X-A', '1'],
      ['set-cookie', 'a=1'],
      ['x-a', '2'],
      ['set-cookie', 'b=2'],
    ];
    const lite = new LiteHeaders(init);
    const fromLite = new LiteHeaders(lite);
    const fromGlobal = new LiteHeaders(new Headers(init));
    expect(entriesOf(fromLite)).toEqual(entriesOf(fromGlobal));
    expect(fromLite.getSetCookie()).toEqual(fromGlobal.getSetCookie());
    lite.set('x-a', '3');
    lite.append('set-cookie', 'c=3');
    expect(fromLite.get('x-a')).toBe('1, 2');
    expect(fromLite.getSetCookie()).toEqual(['a=1', 'b=2']);
  });

  it('set replaces and delete removes, whatever the case', () => {
    const h = new LiteHeaders({ 'X-A': '1' });
    h.append('x-a', '2');
    h.set('X-a', '3');
    expect(h.get('x-a')).toBe('3');
    h.delete('X-A');
    expect(h.has('x-a')).toBe(false);
  });

  it.each([
    ['a newline', 'x', 'a\nb'],
    ['a carriage return', 'x', 'a\rb'],
    ['a NUL', 'x', 'a\0b'],
    ['a character above U+00FF', 'x', 'caf€'],
    ['a name with a space', 'bad name', 'x'],
    ['a name with a colon', 'x:y', 'x'],
    ['an empty name', '', 'x'],
    ['a non-ASCII name', 'é', 'x'],
  ])('refuses a header with %s with a TypeError, as the global Headers does', (_label, name, value) => {
    expect(() => new Headers().append(name, value)).toThrow(TypeError);
    expect(() => new LiteHeaders().append(name, value)).toThrow(TypeError);
    expect(() => new LiteHeaders().set(name, value)).toThrow(TypeError);
    expect(() => new LiteHeaders({ [name]: value })).toThrow(TypeError);
  });

  it('accepts what the global Headers accepts: Latin-1, inner whitespace, edge whitespace stripped', () => {
    for (const value of ['café', 'a \t b', '\t\n padded \r\n', '', '"quoted"; q=0.5']) {
      const mine = new LiteHeaders();
      mine.append('x', value);
      expect(mine.get('x')).toBe(new Headers({ x: value }).get('x'));
    }
  });

  it('does not echo a refused value in its error', () => {
    expect(() => new LiteHeaders({ authorization: 'Bearer secret\n' + 'x' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('secret') }),
    );
  });
});

describe('LiteResponse', () => {
  it('defaults to 200, an empty status text and no body', async () => {
    const res = new LiteResponse();
    expect({ status: res.status, statusText: res.statusText, ok: res.ok }).toEqual({
      status: 200,
      statusText: '',
      ok: true,
    });
    expect(await res.text()).toBe('');
    expect(res.headers.has('content-type')).toBe(false);
  });

  it('gives a string body the type text/plain;charset=UTF-8 unless one is set, as the global does', () => {
    expect(new LiteResponse('x').headers.get('content-type')).toBe(
      new Response('x').headers.get('content-type'),
    );
    expect(new LiteResponse('x', { headers: { 'Content-Type': 'a/b' } }).headers.get('content-type')).toBe(
      'a/b',
    );
    expect(new LiteResponse(new Uint8Array([1])).headers.has('content-type')).toBe(false);
  });

  it('encodes a string body as UTF-8 and returns bytes unchanged', async () => {
    const text = 'héllo ✓ 𝄞';
    expect(new Uint8Array(await new LiteResponse(text).arrayBuffer())).toEqual(
      new Uint8Array(await new Response(text).arrayBuffer()),
    );
    const bytes = new Uint8Array([0, 255, 1, 128]);
    const res = new LiteResponse(bytes);
    bytes[0] = 9; // the body is a copy, as with the global Response
    expect([...new Uint8Array(await res.arrayBuffer())]).toEqual([0, 255, 1, 128]);
    expect(await new LiteResponse(new Uint8Array([0xef, 0xbb, 0xbf, 0x61, 0xff])).text()).toBe(
      await new Response(new Uint8Array([0xef, 0xbb, 0xbf, 0x61, 0xff])).text(),
    );
  });

  it('parses a JSON body, and a body is read only once', async () => {
    const res = new LiteResponse('{"error":"invalid_request"}', { status: 400 });
    expect(await res.json()).toEqual({ error: 'invalid_request' });
    expect(res.bodyUsed).toBe(true);
    await expect(res.text()).rejects.toThrow(TypeError);
  });

  it('refuses what the global Response refuses', () => {
    for (const status of [199, 600, 1.5]) {
      expect(() => new Response(null, { status })).toThrow(RangeError);
      expect(() => new LiteResponse(null, { status })).toThrow(RangeError);
    }
    for (const status of [204, 205, 304]) {
      expect(() => new Response('x', { status })).toThrow(TypeError);
      expect(() => new LiteResponse('x', { status })).toThrow(TypeError);
      expect(new LiteResponse(null, { status }).status).toBe(status);
    }
    expect(() => new LiteResponse(null, { headers: { 'x-a': 'a\nb' } })).toThrow(TypeError);
  });

  it('copies headers given as LiteHeaders, set-cookie included', () => {
    const headers = new LiteHeaders({ location: '/x' });
    headers.append('set-cookie', 'a=1');
    headers.append('set-cookie', 'b=2');
    const res = new LiteResponse(null, { status: 303, headers });
    headers.set('location', '/changed');
    expect(res.headers.get('location')).toBe('/x');
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
  });
});

describe('LiteRequest', () => {
  it('reads method, url, headers and body as the global Request does', async () => {
    const init = {
      method: 'post',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new Uint8Array(Buffer.from('a=1&b=%C3%A9')),
    };
    const url = 'https://as.example/token?x=1#frag';
    const mine = new LiteRequest(new URL(url), init);
    const theirs = new Request(new URL(url), init);
    expect({ method: mine.method, url: mine.url }).toEqual({ method: theirs.method, url: theirs.url });
    expect(mine.headers.get('content-type')).toBe(theirs.headers.get('content-type'));
    expect(await mine.text()).toBe(await theirs.text());
  });

  it('refuses a body on GET or HEAD, a forbidden method and a URL that does not parse', () => {
    expect(() => new LiteRequest('https://a.example/', { method: 'GET', body: 'x' })).toThrow(TypeError);
    expect(() => new LiteRequest('https://a.example/', { method: 'HEAD', body: 'x' })).toThrow(TypeError);
    expect(() => new Request('https://a.example/', { method: 'TRACE' })).toThrow(TypeError);
    expect(() => new LiteRequest('https://a.example/', { method: 'TRACE' })).toThrow(TypeError);
    expect(() => new LiteRequest('not a url')).toThrow(TypeError);
  });

  it('reads an empty body when there is none', async () => {
    const req = new LiteRequest('https://a.example/');
    expect(req.method).toBe('GET');
    expect(new Uint8Array(await req.arrayBuffer())).toHaveLength(0);
  });
});

describe('bodies from pooled Buffers', () => {
  it('reads exactly the bytes of a small Buffer, not the pool behind it', async () => {
    const body = Buffer.from('grant_type=client_credentials', 'utf8');
    expect(body.buffer.byteLength).toBeGreaterThan(body.byteLength); // a view into Node's pool
    const req = new LiteRequest('https://a.example/token', { method: 'POST', body });
    expect(await req.text()).toBe('grant_type=client_credentials');
    const res = new LiteResponse(Buffer.from('abc'));
    expect((await res.arrayBuffer()).byteLength).toBe(3);
  });
});

describe('the body as the integrated response carries it (utf8)', () => {
  it('gives a string body back as UTF-8 encoding sees it, a lone surrogate as U+FFFD', () => {
    expect(new LiteResponse('{"a":"é"}').utf8()).toBe('{"a":"é"}');
    expect(new LiteResponse('x\uD800y').utf8()).toBe('x\uFFFDy');
  });

  it('gives the same on a runtime without String.prototype.isWellFormed (Node 18)', () => {
    const proto = String.prototype as { isWellFormed?: unknown };
    const original = proto.isWellFormed;
    delete proto.isWellFormed;
    try {
      expect(new LiteResponse('x\uD800y').utf8()).toBe('x\uFFFDy');
      expect(new LiteResponse('{"a":"é"}').utf8()).toBe('{"a":"é"}');
    } finally {
      proto.isWellFormed = original;
    }
  });

  it('keeps a leading byte order mark, which text() drops', async () => {
    expect(new LiteResponse('\uFEFFhi').utf8()).toBe('\uFEFFhi');
    expect(await new LiteResponse('\uFEFFhi').text()).toBe('hi');
  });

  it('decodes a byte body, and reads either kind once', () => {
    const bytes = new LiteResponse(new Uint8Array([0x68, 0xc3, 0xa9]));
    expect(bytes.utf8()).toBe('hé');
    expect(() => bytes.utf8()).toThrow(TypeError);
    const text = new LiteResponse('once');
    text.utf8();
    expect(text.bodyUsed).toBe(true);
    expect(() => text.utf8()).toThrow(TypeError);
  });
});

describe('a request built from the objects an adapter made', () => {
  it('reads the same as one built from their text, and keeps copies of its own', async () => {
    const url = new URL('https://a.example/token?x=1');
    const body = Buffer.from('grant_type=client_credentials');
    const headers = new LiteHeaders({ 'content-type': 'application/x-www-form-urlencoded' });
    const fromObjects = new LiteRequest(url, { method: 'POST', headers, body });
    const fromText = new LiteRequest(url.href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(fromObjects.url).toBe(fromText.url);
    expect(fromObjects.url).toBe(url.href);
    expect(fromObjects.headers).not.toBe(headers);
    // What the caller changes afterwards is not the request's.
    url.pathname = '/other';
    headers.set('content-type', 'text/plain');
    body.fill(0);
    expect(requestUrl(fromObjects).pathname).toBe('/token');
    expect(fromObjects.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    expect(await fromObjects.text()).toBe(await fromText.text());
  });
});
