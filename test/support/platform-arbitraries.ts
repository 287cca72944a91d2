// fast-check generators of hostile AWS Lambda, Alibaba Cloud FC and fetch inputs: the API Gateway
// events of arbitraries.ts moved into each platform's fields, and shapes only that platform has.
import fc from 'fast-check';
import { anything, events, headerValues, paths } from './arbitraries.ts';

type ScfShaped = {
  httpMethod?: unknown;
  path?: unknown;
  headers?: unknown;
  queryString?: unknown;
  body?: unknown;
  isBase64Encoded?: unknown;
  requestContext?: unknown;
};

const rawQuery = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('a=1&a=2', '%', '%zz', '#x', 'access_token=x', '&&', '=='),
  fc.constant(undefined),
  fc.integer(),
);

const cookies = fc.oneof(
  fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.integer(), fc.constant(null)), {
    maxLength: 4,
  }),
  fc.string({ maxLength: 10 }),
  fc.constant(undefined),
);

/** AWS Lambda: payload 1.0 (multi-value maps or not), payload 2.0, and anything else. */
export function lambdaEvents(known: readonly string[], tokens: readonly string[]) {
  const v1 = fc.tuple(events(known, tokens), fc.boolean()).map(([e, multi]: [ScfShaped, boolean]) => {
    const { queryString, ...rest } = e;
    return multi
      ? { ...rest, multiValueHeaders: e.headers, multiValueQueryStringParameters: queryString }
      : { ...rest, queryStringParameters: queryString };
  });
  const v2 = fc
    .tuple(
      events(known, tokens),
      rawQuery,
      cookies,
      fc.oneof(fc.constant('2.0'), fc.anything({ maxDepth: 0 })),
    )
    .map(([e, query, jar, version]: [ScfShaped, unknown, unknown, unknown]) => ({
      version,
      rawPath: e.path,
      rawQueryString: query,
      cookies: jar,
      headers: e.headers,
      body: e.body,
      isBase64Encoded: e.isBase64Encoded,
      requestContext: { requestId: 'x', http: { method: e.httpMethod } },
    }));
  return fc.oneof(
    { weight: 4, arbitrary: v1 },
    { weight: 5, arbitrary: v2 },
    { weight: 1, arbitrary: anything },
  );
}

/** Alibaba Cloud FC 3.0: JSON Buffers and strings of HTTP trigger events, broken JSON, anything. */
export function fcEvents(known: readonly string[], tokens: readonly string[]) {
  const shaped = events(known, tokens).map((e: ScfShaped) => ({
    version: 'v1',
    rawPath: e.path,
    headers: e.headers,
    queryParameters: e.queryString,
    body: e.body,
    isBase64Encoded: e.isBase64Encoded,
    requestContext: { requestId: 'x', http: { method: e.httpMethod, path: e.path } },
  }));
  return fc.oneof(
    { weight: 6, arbitrary: shaped.map((e) => Buffer.from(JSON.stringify(e) ?? '')) },
    { weight: 2, arbitrary: shaped.map((e) => JSON.stringify(e) ?? '') },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)) },
    { weight: 1, arbitrary: fc.oneof(fc.json(), anything) },
  );
}

/** Web Requests with any method, path, headers and body a Request can carry. */
export function fetchRequests(known: readonly string[], tokens: readonly string[]) {
  return fc
    .record({
      method: fc.oneof(
        fc.constantFrom('GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'get', 'post'),
        fc.stringMatching(/^[A-Za-z]{1,8}$/),
      ),
      path: paths(known).map((p) => (typeof p === 'string' ? p : '/')),
      query: rawQuery.map((q) => (typeof q === 'string' && q ? `?${q}` : '')),
      headers: fc.array(
        fc.tuple(
          fc.oneof(
            fc.constantFrom('authorization', 'content-type', 'cookie', 'content-length', 'accept'),
            fc.string({ minLength: 1, maxLength: 12 }),
          ),
          headerValues(tokens),
        ),
        { maxLength: 5 },
      ),
      body: fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.constant(undefined)),
    })
    .map((r) => {
      // What a runtime would never hand over (a Request it cannot build) is no input to the entry.
      try {
        const headers = new Headers();
        for (const [name, value] of r.headers) {
          if (typeof value !== 'string') continue;
          // Only what a Request can carry: token names, values of bytes without NUL, CR or LF.
          headers.append(
            name.replace(/[^!#$%&'*+\-.^_`|~0-9A-Za-z]/g, '') || 'x-a',
            value.replace(/[\0\r\n\u0100-\uffff]/g, ''),
          );
        }
        const method = r.method.toUpperCase();
        const body = method === 'GET' || method === 'HEAD' ? undefined : r.body;
        return new Request(`https://auth.example${encodeURI(r.path).replace(/%25/g, '%')}${r.query}`, {
          method: r.method,
          headers,
          body,
        });
      } catch {
        return undefined;
      }
    })
    .filter((r): r is Request => r !== undefined);
}
