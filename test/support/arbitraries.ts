// fast-check generators of hostile API Gateway events.
import fc from 'fast-check';

const methods = fc.oneof(
  fc.constantFrom('GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'get', 'post'),
  fc.string({ maxLength: 12 }),
  fc.constant(undefined),
  fc.integer(),
);

export function paths(known: readonly string[]) {
  return fc.oneof(
    fc.constantFrom(...known),
    fc.constantFrom(...known).map((p) => `${p}/`),
    fc.constantFrom(...known).map((p) => p.toUpperCase()),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.webPath(),
    fc.constant(undefined),
    fc.constant(null),
  );
}

const headerNames = fc.oneof(
  fc.constantFrom(
    'authorization',
    'Authorization',
    'AUTHORIZATION',
    'content-type',
    'Content-Type',
    'cookie',
    'host',
    'content-length',
    'x-forwarded-proto',
  ),
  fc.string({ minLength: 1, maxLength: 20 }),
);

export function headerValues(tokens: readonly string[]) {
  return fc.oneof(
    fc.string({ unit: 'binary', maxLength: 80 }),
    fc.constantFrom(
      'application/x-www-form-urlencoded',
      'application/x-www-form-urlencoded; charset=ISO-8859-1',
      'application/json',
      'multipart/form-data; boundary=x',
      'Basic',
      'Basic ',
      'Basic !!!',
      'Bearer',
      'Bearer ',
      'Bearer id_token=',
      'Bearer id_token=""',
      'id_token=',
      '999999999999',
      '-1',
    ),
    fc.string({ maxLength: 40 }).map((s) => `Basic ${Buffer.from(s).toString('base64')}`),
    fc.constantFrom(...tokens).map((t) => `Bearer ${t}`),
    fc.constantFrom(...tokens).map((t) => `Bearer id_token="${t}"`),
    fc.constantFrom(...tokens).map((t) => `id_token=${t}; id_token=${t}x`),
    fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
  );
}

const formParams = fc.dictionary(
  fc.oneof(
    fc.constantFrom(
      'grant_type',
      'client_id',
      'client_secret',
      'scope',
      'code',
      'code_verifier',
      'redirect_uri',
      'refresh_token',
      'client_assertion',
      'client_assertion_type',
      'token',
      'token_type_hint',
      '__proto__',
      'constructor',
    ),
    fc.string({ maxLength: 8 }),
  ),
  fc.oneof(
    fc.constantFrom(
      'client_credentials',
      'authorization_code',
      'refresh_token',
      'password',
      'confidential',
      'read',
    ),
    fc.string({ unit: 'binary', maxLength: 30 }),
  ),
  { maxKeys: 6 },
);

function encodeForm(params: Record<string, string>, repeat: boolean): string {
  const parts = Object.entries(params).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  if (repeat && parts.length > 0) parts.push(parts[0]!);
  return parts.join('&');
}

const bodies = fc.oneof(
  fc.tuple(formParams, fc.boolean()).map(([p, r]) => encodeForm(p, r)),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom('%', '%zz', '%C3%28', '%FF%FE', 'a=%E0%A4%A', '=&=&', '&&&', 'grant_type'),
  fc.json(),
  fc.constant(undefined),
  fc.constant(null),
);

/** An event shaped like API Gateway's, with any field malformed. */
export function events(known: readonly string[], tokens: readonly string[]) {
  return fc
    .record(
      {
        httpMethod: methods,
        path: paths(known),
        headers: fc.oneof(
          fc.dictionary(headerNames, headerValues(tokens), { maxKeys: 6 }),
          fc.constant(null),
        ),
        queryString: fc.oneof(
          fc.dictionary(
            fc.string({ maxLength: 12 }),
            fc.oneof(fc.string({ maxLength: 20 }), fc.array(fc.string())),
          ),
          fc.constant(undefined),
        ),
        body: bodies,
        isBase64Encoded: fc.oneof(
          fc.boolean(),
          fc.constantFrom('true', 'false', 'TRUE', 'yes', ''),
          fc.integer(),
        ),
        requestContext: fc.oneof(
          fc.constant(undefined),
          fc.record({ requestId: fc.string({ maxLength: 10 }) }),
        ),
      },
      { requiredKeys: [] },
    )
    .map((event) => {
      // Half the time, base64-encode the body as the gateway does for binary payloads.
      if (typeof event.body === 'string' && event.isBase64Encoded === true) {
        return { ...event, body: Buffer.from(event.body).toString('base64') };
      }
      return event;
    });
}

/** Arbitrary values where an event is expected: the handler must cope with anything. */
export const anything = fc.anything({ maxDepth: 2 });
