import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OAuthError } from '../../shared/errors.ts';
import { createScfHandler, eventToRequest, responseToIntegrated } from '../../shared/http/scf.ts';
import { LiteResponse, requestUrl } from '../../shared/http/web.ts';
import { isoTime, logLine, type RequestLogLine, setLogSink } from '../../shared/log.ts';
import { loadEvent } from '../support/events.ts';

describe('API Gateway event → Request', () => {
  it('reads the documented sample event: method, path, query, mixed-case headers, text body', async () => {
    const req = eventToRequest(loadEvent('apigw-doc-sample'));
    expect(req.method).toBe('POST');
    const url = new URL(req.url);
    expect(url.pathname).toBe('/test/value');
    expect(url.host).toBe('service-3ei3tii4-251000691.ap-guangzhou.apigateway.myqloud.com');
    expect(Object.fromEntries(url.searchParams)).toEqual({ foo: 'bar', bob: 'alice' });
    expect(req.headers.get('user-agent')).toBe('User Agent String');
    expect(await req.text()).toBe('{"test":"body"}');
  });

  it('decodes a base64 body when isBase64Encoded is the boolean true', async () => {
    const req = eventToRequest(loadEvent('token-base64-bool'));
    expect(await req.text()).toBe('grant_type=client_credentials&scope=read');
  });

  it('decodes a base64 body when isBase64Encoded is the string "true"', async () => {
    const req = eventToRequest(loadEvent('token-base64-string'));
    expect(await req.text()).toBe('grant_type=client_credentials');
    expect(req.headers.get('authorization')).toBe('__BASIC__');
  });

  it('keeps a repeated query parameter repeated', () => {
    const req = eventToRequest({ httpMethod: 'GET', path: '/authorize', queryString: { state: ['a', 'b'] } });
    expect(new URL(req.url).searchParams.getAll('state')).toEqual(['a', 'b']);
  });

  it('ignores a body on GET', async () => {
    const req = eventToRequest({ httpMethod: 'GET', path: '/work', body: 'x' });
    expect(req.headers.has('content-length')).toBe(false);
    expect(await req.text()).toBe('');
  });

  it.each([
    ['not an object', 'nope'],
    ['no method', { path: '/token' }],
    ['a bad method', { httpMethod: 'P O S T', path: '/token' }],
    ['a header with a newline', { httpMethod: 'GET', path: '/', headers: { 'x-a': 'a\nb' } }],
    ['a header with a bad name', { httpMethod: 'GET', path: '/', headers: { 'bad name': 'x' } }],
    ['the TRACE method', { httpMethod: 'TRACE', path: '/token' }],
    ['the CONNECT method', { httpMethod: 'CONNECT', path: '/token' }],
    ['the TRACK method', { httpMethod: 'track', path: '/work' }],
  ])('answers invalid_request for %s', (_name, event) => {
    expect(() => eventToRequest(event)).toThrow(OAuthError);
  });
});

describe('the request URL', () => {
  // Hosts the adapter accepts (anything else becomes localhost), including ones URL rewrites or refuses.
  const hostChar = fc.constantFrom(
    ...'aZ09.-:[]'.split(''),
    'x',
    'e',
    '1',
    '255',
    '0x1f',
    '::1',
    '80',
    '443',
  );
  const host = fc.array(hostChar, { minLength: 1, maxLength: 8 }).map((parts) => parts.join(''));
  const pathChar = fc.constantFrom(...`aZ09._~!$&'()*+,;=:@-/%?# é\\`.split(''), '..', '.', '//');
  const path = fc.array(pathChar, { maxLength: 10 }).map((parts) => `/${parts.join('')}`);
  const proto = fc.constantFrom('http', 'https', undefined);

  it('is what new URL reads, whether or not it was parsed (property)', () => {
    fc.assert(
      fc.property(host, path, proto, fc.boolean(), (h, p, forwarded, query) => {
        const headers: Record<string, string> = { host: h };
        if (forwarded) headers['x-forwarded-proto'] = forwarded;
        const event = {
          httpMethod: 'GET',
          path: p,
          headers,
          ...(query ? { queryString: { a: 'b c' } } : {}),
        };
        let req: ReturnType<typeof eventToRequest>;
        try {
          req = eventToRequest(event);
        } catch (error) {
          // Refused: then a full parse of the same URL fails too.
          expect(error).toBeInstanceOf(OAuthError);
          return;
        }
        const parsed = new URL(req.url);
        const view = requestUrl(req);
        expect(view.href).toBe(parsed.href);
        expect(view.protocol).toBe(parsed.protocol);
        expect(view.pathname).toBe(parsed.pathname);
        expect(view.search).toBe(parsed.search);
        expect([...view.searchParams]).toEqual([...parsed.searchParams]);
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps a known host normalized as URL does: lower case, default port dropped', () => {
    const req = eventToRequest({
      httpMethod: 'GET',
      path: '/work',
      headers: { host: 'API.Example.COM:443' },
    });
    expect(req.url).toBe('https://api.example.com/work');
    expect(requestUrl(req).pathname).toBe('/work');
    const ip = eventToRequest({
      httpMethod: 'GET',
      path: '/work',
      headers: { host: '127.1:8080', 'x-forwarded-proto': 'http' },
    });
    expect(ip.url).toBe('http://127.0.0.1:8080/work');
  });

  it('refuses a request whose host makes no URL, whether or not the host was seen before', () => {
    for (let i = 0; i < 2; i++) {
      expect(() => eventToRequest({ httpMethod: 'GET', path: '/work', headers: { host: 'a:b:c' } })).toThrow(
        OAuthError,
      );
    }
  });
});

describe('log line', () => {
  const text = fc.string({ unit: 'binary', maxLength: 20 });
  it('is JSON.stringify of the fields behind the time, field by field (property)', () => {
    const lines: string[] = [];
    const restore = setLogSink((line) => lines.push(line));
    try {
      fc.assert(
        fc.property(
          fc.record(
            {
              level: fc.constantFrom('info' as const, 'error' as const),
              request_id: text,
              route: text,
              status: fc.integer({ min: 100, max: 599 }),
              latency_ms: fc.oneof(fc.double({ noNaN: false }), fc.integer()),
              client_id: text,
              error: text,
              detail: text,
            },
            { requiredKeys: ['level', 'request_id', 'route', 'status', 'latency_ms'] },
          ),
          (fields: RequestLogLine) => {
            lines.length = 0;
            logLine(fields);
            const line = lines[0]!;
            const time = /^\{"time":"([^"]+)",/.exec(line)?.[1];
            expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
            const ordered = {
              level: fields.level,
              request_id: fields.request_id,
              route: fields.route,
              status: fields.status,
              latency_ms: fields.latency_ms,
              client_id: fields.client_id,
              error: fields.error,
              detail: fields.detail,
            };
            expect(line).toBe(`{"time":"${time}",${JSON.stringify(ordered).slice(1)}`);
          },
        ),
        { numRuns: 2000 },
      );
    } finally {
      setLogSink(restore);
    }
  });
});

describe('Response → integrated response', () => {
  it('returns text bodies as text', async () => {
    const out = await responseToIntegrated(
      new Response('{"a":1}', { status: 201, headers: { 'Content-Type': 'application/json', 'X-A': 'b' } }),
    );
    expect(out).toEqual({
      isBase64Encoded: false,
      statusCode: 201,
      headers: { 'content-type': 'application/json', 'x-a': 'b' },
      body: '{"a":1}',
    });
  });

  it('returns binary bodies base64-encoded', async () => {
    const out = await responseToIntegrated(
      new Response(new Uint8Array([0, 255, 1]), { headers: { 'content-type': 'application/octet-stream' } }),
    );
    expect(out.isBase64Encoded).toBe(true);
    expect(Buffer.from(out.body, 'base64')).toEqual(Buffer.from([0, 255, 1]));
  });

  // The adapter reads a light response's headers and text body directly and any other through the
  // HttpResponse interface: both ways give the same integrated response.
  type Init = { status?: number; headers?: [string, string][] };
  const answers = [
    ['a light response', (body: string | Uint8Array | null, init: Init) => new LiteResponse(body, init)],
    ['a global Response', (body: string | Uint8Array | null, init: Init) => new Response(body, init)],
  ] as const;

  it.each(answers)(
    'reads %s as the other: headers, first Set-Cookie, text and binary bodies',
    async (_, make) => {
      const headers: [string, string][] = [
        ['Content-Type', 'application/json'],
        ['set-cookie', 'a=1; Secure'],
        ['x-b', '1'],
        ['set-cookie', 'b=2; Secure'],
        ['X-B', '2'],
      ];
      expect(await responseToIntegrated(make('\uFEFF{"a":"é\uD800"}', { status: 201, headers }))).toEqual({
        isBase64Encoded: false,
        statusCode: 201,
        headers: { 'content-type': 'application/json', 'set-cookie': 'a=1; Secure', 'x-b': '1, 2' },
        body: '\uFEFF{"a":"é\uFFFD"}',
      });
      expect(await responseToIntegrated(make('plain', {}))).toEqual({
        isBase64Encoded: false,
        statusCode: 200,
        headers: { 'content-type': 'text/plain;charset=UTF-8' },
        body: 'plain',
      });
      const binary = make(new Uint8Array([0, 255, 1]), { headers: [['content-type', 'image/png']] });
      expect(await responseToIntegrated(binary)).toEqual({
        isBase64Encoded: true,
        statusCode: 200,
        headers: { 'content-type': 'image/png' },
        body: Buffer.from([0, 255, 1]).toString('base64'),
      });
      expect(await responseToIntegrated(make(null, { status: 204 }))).toEqual({
        isBase64Encoded: false,
        statusCode: 204,
        headers: {},
        body: '',
      });
    },
  );
});

describe('the handler boundary', () => {
  it('renders an OAuthError as its RFC 6749 response and logs one JSON line', async () => {
    const lines: string[] = [];
    const restore = setLogSink((l) => lines.push(l));
    try {
      const handler = createScfHandler(async () => async () => {
        throw new OAuthError('invalid_grant', 'nope', { cause: new Error('private reason') });
      });
      const out = await handler(loadEvent('token-base64-bool'), { request_id: 'req-1' });
      expect(out.statusCode).toBe(400);
      expect(JSON.parse(out.body)).toEqual({ error: 'invalid_grant', error_description: 'nope' });
      expect(out.headers['cache-control']).toBe('no-store');
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0]!)).toMatchObject({
        request_id: 'req-1',
        route: 'POST /token',
        status: 400,
        error: 'invalid_grant',
        detail: 'Error: private reason',
      });
    } finally {
      setLogSink(restore);
    }
  });

  it('hides an unexpected error behind server_error', async () => {
    const restore = setLogSink(() => {});
    try {
      const handler = createScfHandler(async () => async () => {
        throw new Error('secret internals');
      });
      const out = await handler(loadEvent('work-get'));
      expect(out.statusCode).toBe(500);
      expect(out.body).not.toContain('secret internals');
      expect(JSON.parse(out.body).error).toBe('server_error');
    } finally {
      setLogSink(restore);
    }
  });

  it('retries initialisation after it failed once', async () => {
    const restore = setLogSink(() => {});
    try {
      let attempts = 0;
      const handler = createScfHandler(async () => {
        attempts++;
        if (attempts === 1) throw new Error('first cold start failed');
        return async () => new Response('ok');
      });
      expect((await handler(loadEvent('work-get'))).statusCode).toBe(500);
      expect((await handler(loadEvent('work-get'))).statusCode).toBe(200);
      expect((await handler(loadEvent('work-get'))).statusCode).toBe(200);
      expect(attempts).toBe(2);
    } finally {
      setLogSink(restore);
    }
  });
});

describe('log line time', () => {
  it('is what toISOString writes, on every millisecond of a second and across seconds', () => {
    const at = Date.UTC(2026, 10, 28, 23, 59, 58);
    for (let ms = at; ms < at + 3000; ms++) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253402300799999 }), (ms) => {
        expect(isoTime(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 2000 },
    );
  });
});
