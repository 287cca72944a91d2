// The AWS Lambda, Alibaba Cloud FC and fetch adapters on the sample events of each platform's own
// documentation (sources: test/fixtures/events/PLATFORM-SOURCES.md), their response formats, and
// the one access log with each platform's request id.
import { describe, expect, it } from 'vitest';
import { OAuthError } from '../../shared/errors.ts';
import type { App } from '../../shared/http/app.ts';
import { createEntries } from '../../shared/http/entries.ts';
import { fcEventToRequest, parseFcEvent } from '../../shared/http/fc.ts';
import { toResponse } from '../../shared/http/fetch.ts';
import { lambdaEventToRequest } from '../../shared/http/lambda.ts';
import { LiteResponse } from '../../shared/http/web.ts';
import { setLogSink } from '../../shared/log.ts';
import { loadEvent } from '../support/events.ts';

describe('AWS Lambda events → Request', () => {
  it('reads the payload 1.0 sample: every value of multiValueHeaders and multiValueQueryStringParameters', async () => {
    const req = lambdaEventToRequest(loadEvent('aws-apigw-rest-v1'));
    expect(req.method).toBe('GET');
    const url = new URL(req.url);
    expect(url.pathname).toBe('/my/path');
    expect(url.searchParams.getAll('parameter1')).toEqual(['value1', 'value2']);
    expect(req.headers.get('header2')).toBe('value1, value2');
    expect(await req.text()).toBe(''); // a GET carries no body
  });

  it('reads a payload 1.0 event with single-value maps only', async () => {
    const {
      multiValueHeaders: _h,
      multiValueQueryStringParameters: _q,
      ...e
    } = loadEvent('aws-apigw-rest-v1');
    const req = lambdaEventToRequest({ ...e, httpMethod: 'POST' });
    expect(new URL(req.url).searchParams.get('parameter1')).toBe('value1');
    expect(req.headers.get('header2')).toBe('value2');
    expect(await req.text()).toBe('Hello from Lambda!');
  });

  it.each(['aws-http-api-v2', 'aws-function-url'])(
    'reads the %s sample: rawPath, rawQueryString, cookies as one Cookie header, the method in requestContext.http',
    async (name) => {
      const req = lambdaEventToRequest(loadEvent(name));
      expect(req.method).toBe('POST');
      const url = new URL(req.url);
      expect(url.pathname).toBe('/my/path');
      expect(url.searchParams.getAll('parameter1')).toEqual(['value1', 'value2']);
      expect(req.headers.get('cookie')).toBe('cookie1; cookie2');
      expect(req.headers.get('header2')).toBe('value1,value2');
      expect(await req.text()).toMatch(/^Hello from/);
    },
  );

  it('decodes a base64 body of a function URL event', async () => {
    const e = loadEvent('aws-function-url');
    const body = Buffer.from('grant_type=client_credentials').toString('base64');
    const req = lambdaEventToRequest({ ...e, body, isBase64Encoded: true });
    expect(await req.text()).toBe('grant_type=client_credentials');
    expect(req.headers.get('content-length')).toBe('29');
  });

  it.each([
    ['not an object', 42],
    ['a 2.0 event with no method', { version: '2.0', rawPath: '/token' }],
    ['a 1.0 event with a bad method', { httpMethod: 'P O S T', path: '/token' }],
    [
      'a header with a newline',
      { version: '2.0', requestContext: { http: { method: 'GET' } }, headers: { a: 'x\ny' } },
    ],
    ['the TRACE method', { version: '2.0', requestContext: { http: { method: 'TRACE' } } }],
  ])('refuses %s with an OAuthError', (_name, event) => {
    expect(() => lambdaEventToRequest(event)).toThrow(OAuthError);
  });
});

describe('Alibaba Cloud FC 3.0 HTTP trigger events → Request', () => {
  it('reads the documented request struct given as a JSON Buffer', async () => {
    const event = parseFcEvent(Buffer.from(JSON.stringify(loadEvent('fc3-http-trigger'))));
    const req = fcEventToRequest(event);
    expect(req.method).toBe('GET');
    const url = new URL(req.url);
    expect(url.pathname).toBe('/example');
    expect(url.searchParams.get('parameter2')).toBe('value1,value2');
    expect(req.headers.get('header2')).toBe('value1,value2');
  });

  it('reads capitalised header names and a base64 body', async () => {
    const e = loadEvent('fc3-http-trigger');
    const event = {
      ...e,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: 'Basic eA==' },
      body: Buffer.from('a=1').toString('base64'),
      isBase64Encoded: true,
      requestContext: { ...(e.requestContext as object), http: { method: 'POST', path: '/token' } },
    };
    const req = fcEventToRequest(parseFcEvent(JSON.stringify(event)));
    expect(req.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    expect(req.headers.get('authorization')).toBe('Basic eA==');
    expect(await req.text()).toBe('a=1');
  });

  it.each([
    ['bytes that are not JSON', Buffer.from('{"rawPath":')],
    ['a JSON array', '[1,2]'],
    ['JSON null', 'null'],
    ['no method', '{"rawPath":"/token"}'],
  ])('refuses %s with an OAuthError', (_name, raw) => {
    expect(() => fcEventToRequest(parseFcEvent(raw))).toThrow(OAuthError);
  });
});

/** An app answering 200 with two cookies, or throwing what it is told to. */
const cookieApp: App = async (req) => {
  if (new URL(req.url).pathname === '/boom') throw new Error('secret detail');
  const res = new LiteResponse('{"ok":true}', { headers: { 'content-type': 'application/json' } });
  res.headers.append('set-cookie', 'a=1; Secure');
  res.headers.append('set-cookie', 'b=2; Secure');
  return res;
};

function captureLogs(): { lines: Record<string, unknown>[]; restore: () => void } {
  const lines: Record<string, unknown>[] = [];
  const previous = setLogSink((l) => lines.push(JSON.parse(l) as Record<string, unknown>));
  return { lines, restore: () => setLogSink(previous) };
}

describe('response formats and the access log', () => {
  const entries = createEntries(async () => cookieApp);

  it('payload 2.0: every Set-Cookie in the cookies array, none in headers; the log has awsRequestId', async () => {
    const logs = captureLogs();
    try {
      const out = await entries.handler(loadEvent('aws-http-api-v2'), { awsRequestId: 'aws-req-1' });
      expect(out).toEqual({
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        cookies: ['a=1; Secure', 'b=2; Secure'],
        body: '{"ok":true}',
        isBase64Encoded: false,
      });
      expect(logs.lines[0]).toMatchObject({ request_id: 'aws-req-1', route: 'POST /my/path', status: 200 });
    } finally {
      logs.restore();
    }
  });

  it('payload 1.0: several Set-Cookie in multiValueHeaders; the event request id when no context', async () => {
    const logs = captureLogs();
    try {
      const out = await entries.handler(loadEvent('aws-apigw-rest-v1'));
      expect(out).toMatchObject({
        statusCode: 200,
        multiValueHeaders: { 'set-cookie': ['a=1; Secure', 'b=2; Secure'] },
      });
      expect(out.headers['set-cookie']).toBeUndefined();
      expect(logs.lines[0]).toMatchObject({ request_id: 'id=', route: 'GET /my/path' });
    } finally {
      logs.restore();
    }
  });

  it('FC: {statusCode, headers, body, isBase64Encoded}; the log has the FC request id', async () => {
    const logs = captureLogs();
    try {
      const raw = Buffer.from(JSON.stringify(loadEvent('fc3-http-trigger')));
      const out = await entries.fcHandler(raw, { requestId: 'fc-req-1' });
      expect(Object.keys(out).sort()).toEqual(['body', 'headers', 'isBase64Encoded', 'statusCode']);
      expect(out.statusCode).toBe(200);
      expect(logs.lines[0]).toMatchObject({ request_id: 'fc-req-1', route: 'GET /example' });
    } finally {
      logs.restore();
    }
  });

  it('fetch: a Response with both cookies', async () => {
    const res = await entries.fetch(new Request('https://auth.example/x'));
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual(['a=1; Secure', 'b=2; Secure']);
    expect(await res.json()).toEqual({ ok: true });
  });

  type Init = { status: number; headers?: [string, string][] };
  it.each([
    ['a light response', (body: string | null, init: Init) => new LiteResponse(body, init)],
    ['a global Response', (body: string | null, init: Init) => new Response(body, init)],
  ])('fetch: the app answering %s gives the same Response', async (_, make) => {
    const headers: [string, string][] = [
      ['content-type', 'application/json'],
      ['set-cookie', 'a=1; Secure'],
      ['set-cookie', 'b=2; Secure'],
      ['x-b', '1'],
      ['X-B', '2'],
    ];
    const full = await toResponse(make('{"ok":true}', { status: 201, headers }));
    expect(full.status).toBe(201);
    expect([...full.headers]).toEqual([
      ['content-type', 'application/json'],
      ['set-cookie', 'a=1; Secure'],
      ['set-cookie', 'b=2; Secure'],
      ['x-b', '1, 2'],
    ]);
    expect(await full.text()).toBe('{"ok":true}');
    const empty = await toResponse(make(null, { status: 204 }));
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
  });

  it.each(['handler', 'fcHandler', 'fetch', 'main_handler'] as const)(
    '%s: an unknown error is a logged server_error that reveals nothing',
    async (entry) => {
      const logs = captureLogs();
      try {
        const request = new Request('https://auth.example/boom');
        let body: string;
        if (entry === 'fetch') {
          const res = await entries.fetch(request);
          expect(res.status).toBe(500);
          body = await res.text();
        } else {
          const event =
            entry === 'handler'
              ? { version: '2.0', rawPath: '/boom', requestContext: { http: { method: 'GET' } } }
              : entry === 'fcHandler'
                ? JSON.stringify({ rawPath: '/boom', requestContext: { http: { method: 'GET' } } })
                : { httpMethod: 'GET', path: '/boom' };
          const out = await entries[entry](event);
          expect(out.statusCode).toBe(500);
          body = out.body;
        }
        expect(JSON.parse(body)).toEqual({
          error: 'server_error',
          error_description: 'the server could not complete the request',
        });
        expect(logs.lines[0]).toMatchObject({ level: 'error', error: 'server_error' });
        expect(String(logs.lines[0]!.detail)).toContain('secret detail');
      } finally {
        logs.restore();
      }
    },
  );

  it('one instance for all entries: the app starts once, whichever entry comes first', async () => {
    let starts = 0;
    const shared = createEntries(async () => {
      starts++;
      return cookieApp;
    });
    const logs = captureLogs();
    try {
      await shared.fetch(new Request('https://auth.example/x'));
      await shared.handler(loadEvent('aws-function-url'));
      await shared.fcHandler(JSON.stringify(loadEvent('fc3-http-trigger')));
      await shared.main_handler(loadEvent('apigw-doc-sample'));
    } finally {
      logs.restore();
    }
    expect(starts).toBe(1);
    await shared.dispose();
  });
});

describe("the caller's address in RequestContext, from every entry that is told it", () => {
  const seen: (string | undefined)[] = [];
  const entries = createEntries(async () => async (_req, ctx) => {
    seen.push(ctx.sourceIp);
    return new LiteResponse('ok', { status: 200 });
  });
  const last = () => seen.at(-1);

  it('SCF: requestContext.sourceIp', async () => {
    await entries.main_handler(loadEvent('apigw-get-work'));
    expect(last()).toBe('203.0.113.7');
  });

  it('Lambda payload 1.0: requestContext.identity.sourceIp', async () => {
    await entries.handler(loadEvent('aws-apigw-rest-v1'), {});
    expect(last()).toBe('192.0.2.1');
  });

  it.each([
    ['aws-http-api-v2', '192.0.2.1'],
    ['aws-function-url', '123.123.123.123'],
  ])('Lambda %s: requestContext.http.sourceIp', async (name, ip) => {
    await entries.handler(loadEvent(name), {});
    expect(last()).toBe(ip);
  });

  it('FC 3.0: requestContext.http.sourceIp', async () => {
    const e = loadEvent('fc3-http-trigger');
    const http = (e.requestContext as { http: Record<string, unknown> }).http;
    http.sourceIp = '198.51.100.23';
    await entries.fcHandler(Buffer.from(JSON.stringify(e)));
    expect(last()).toBe('198.51.100.23');
  });

  it("fetch: the host's socket address (npm run serve), none when the host does not say", async () => {
    await entries.fetch(new Request('http://localhost/work'), { sourceIp: '::ffff:127.0.0.1' });
    expect(last()).toBe('::ffff:127.0.0.1');
    await entries.fetch(new Request('http://localhost/work'));
    expect(last()).toBeUndefined();
  });

  it('an event without an address, or with a non-string one, leaves it unset', async () => {
    const e = loadEvent('apigw-get-work');
    (e.requestContext as Record<string, unknown>).sourceIp = 42;
    await entries.main_handler(e);
    expect(last()).toBeUndefined();
    const { requestContext: _r, ...bare } = loadEvent('aws-http-api-v2');
    await entries.handler({ ...bare, requestContext: { http: { method: 'GET' } } }, {});
    expect(last()).toBeUndefined();
  });
});
