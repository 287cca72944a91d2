// Negative catalogue: hostile requests to POST /token through the local gateway — client
// authentication, request parsing, scope widening, sizes and encodings.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, CONFIDENTIAL_SECRET, POST_SECRET } from '../support/fixtures.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw?.close());

const FORM = 'application/x-www-form-urlencoded';
const confidential = basic('confidential', CONFIDENTIAL_SECRET);

async function token(body: string | Uint8Array, headers: Record<string, string> = {}) {
  const res = await fetch(`${gw.url}/token`, {
    method: 'POST',
    headers: { 'content-type': FORM, ...headers },
    body,
  });
  const text = await res.text();
  let json: { error?: string; access_token?: string } = {};
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: the assertion on `error` below fails with the text in view
  }
  return { status: res.status, error: json.error, json, text, headers: res.headers };
}

const refused = async (p: ReturnType<typeof token>, status: number, error: string) => {
  const r = await p;
  expect({ status: r.status, error: r.error }).toEqual({ status, error });
  expect(r.json.access_token).toBeUndefined();
  expect(r.headers.get('cache-control')).toBe('no-store');
};

describe('client authentication at /token', () => {
  it('control: the right secret gets a token', async () => {
    const r = await token('grant_type=client_credentials', { authorization: confidential });
    expect(r.status).toBe(200);
  });

  it('a wrong secret is refused with invalid_client and a Basic challenge', async () => {
    const r = await token('grant_type=client_credentials', {
      authorization: basic('confidential', 'guess-guess-guess'),
    });
    expect({ status: r.status, error: r.error }).toEqual({ status: 401, error: 'invalid_client' });
    expect(r.headers.get('www-authenticate')).toMatch(/^Basic /);
  });

  it('an empty secret is refused', async () => {
    await refused(
      token('grant_type=client_credentials', { authorization: basic('confidential', '') }),
      401,
      'invalid_client',
    );
  });

  it('the secret of another client is refused', async () => {
    await refused(
      token('grant_type=client_credentials', { authorization: basic('confidential', POST_SECRET) }),
      401,
      'invalid_client',
    );
  });

  it('an unknown client is refused', async () => {
    await refused(
      token('grant_type=client_credentials', { authorization: basic('mallory', 'whatever-whatever') }),
      401,
      'invalid_client',
    );
  });

  it('two authentication methods at once (Basic and client_secret) are refused', async () => {
    await refused(
      token(`grant_type=client_credentials&client_secret=${CONFIDENTIAL_SECRET}`, {
        authorization: confidential,
      }),
      400,
      'invalid_request',
    );
  });

  it('two authentication methods at once (Basic and client_assertion) are refused', async () => {
    await refused(
      token(
        'grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=a.b.c',
        {
          authorization: confidential,
        },
      ),
      400,
      'invalid_request',
    );
  });

  it('Basic credentials that are not base64 are refused', async () => {
    await refused(
      token('grant_type=client_credentials', { authorization: 'Basic %%%notbase64' }),
      400,
      'invalid_request',
    );
  });

  it('Basic credentials without a colon are refused', async () => {
    const raw = Buffer.from('confidential').toString('base64');
    await refused(
      token('grant_type=client_credentials', { authorization: `Basic ${raw}` }),
      400,
      'invalid_request',
    );
  });

  it('Basic credentials that are not UTF-8 are refused', async () => {
    const raw = Buffer.from([0x63, 0x3a, 0xff, 0xfe]).toString('base64');
    await refused(
      token('grant_type=client_credentials', { authorization: `Basic ${raw}` }),
      400,
      'invalid_request',
    );
  });

  it('Basic credentials with a malformed percent-escape are refused', async () => {
    const raw = Buffer.from('confidential:%zz').toString('base64');
    await refused(
      token('grant_type=client_credentials', { authorization: `Basic ${raw}` }),
      400,
      'invalid_request',
    );
  });

  it('a client_id in the body that differs from Basic is refused', async () => {
    await refused(
      token('grant_type=client_credentials&client_id=poster', { authorization: confidential }),
      400,
      'invalid_request',
    );
  });

  it('a public client posing as confidential with a made-up secret is refused', async () => {
    await refused(
      token('grant_type=client_credentials', { authorization: basic('public-app', 'made-up-secret-123') }),
      401,
      'invalid_client',
    );
  });

  it('a public client asking for client_credentials with no secret is refused', async () => {
    const r = await token('grant_type=client_credentials&client_id=public-app');
    expect(r.status).toBe(400);
    expect(r.error).toBe('unauthorized_client');
  });

  it('a confidential client sending no credentials is refused', async () => {
    await refused(token('grant_type=client_credentials&client_id=confidential'), 401, 'invalid_client');
  });

  it('a client registered for Basic using client_secret_post is refused', async () => {
    await refused(
      token(`grant_type=client_credentials&client_id=confidential&client_secret=${CONFIDENTIAL_SECRET}`),
      401,
      'invalid_client',
    );
  });

  it('a Bearer token used as client authentication is refused', async () => {
    await refused(
      token('grant_type=client_credentials', { authorization: 'Bearer a.b.c' }),
      401,
      'invalid_client',
    );
  });
});

describe('request parsing at /token', () => {
  const withClient = (extra: Record<string, string> = {}) => ({ authorization: confidential, ...extra });
  it.each<[string, string | Uint8Array, Record<string, string>, number, string]>([
    [
      'a JSON body',
      '{"grant_type":"client_credentials"}',
      withClient({ 'content-type': 'application/json' }),
      400,
      'invalid_request',
    ],
    [
      'a multipart body',
      '--x\r\nContent-Disposition: form-data; name="grant_type"\r\n\r\nclient_credentials\r\n--x--',
      withClient({ 'content-type': 'multipart/form-data; boundary=x' }),
      400,
      'invalid_request',
    ],
    [
      'a text/plain body',
      'grant_type=client_credentials',
      withClient({ 'content-type': 'text/plain' }),
      400,
      'invalid_request',
    ],
    [
      'a repeated grant_type',
      'grant_type=client_credentials&grant_type=client_credentials',
      withClient(),
      400,
      'invalid_request',
    ],
    [
      'a repeated scope',
      'grant_type=client_credentials&scope=read&scope=write',
      withClient(),
      400,
      'invalid_request',
    ],
    [
      'a repeated client_id',
      `grant_type=client_credentials&client_id=poster&client_id=poster&client_secret=${POST_SECRET}`,
      {},
      400,
      'invalid_request',
    ],
    [
      'invalid UTF-8 in a parameter',
      'grant_type=client_credentials&scope=%C3%28',
      withClient(),
      400,
      'invalid_request',
    ],
    [
      'a body with raw invalid UTF-8 bytes',
      Buffer.concat([Buffer.from('grant_type=client_credentials&scope='), Buffer.from([0xc3, 0x28])]),
      withClient(),
      400,
      'invalid_request',
    ],
    [
      'a malformed percent-escape',
      'grant_type=client_credentials&scope=%G1',
      withClient(),
      400,
      'invalid_request',
    ],
    ['a missing grant_type', 'scope=read', withClient(), 400, 'invalid_request'],
    ['an empty grant_type (it counts as missing)', 'grant_type=', withClient(), 400, 'invalid_request'],
    [
      'the resource owner password grant',
      'grant_type=password&username=a&password=b',
      withClient(),
      400,
      'unsupported_grant_type',
    ],
    [
      'the implicit grant as a grant_type',
      'grant_type=implicit',
      withClient(),
      400,
      'unsupported_grant_type',
    ],
    [
      'a grant_type in another case (values are case-sensitive)',
      'grant_type=CLIENT_CREDENTIALS',
      withClient(),
      400,
      'unsupported_grant_type',
    ],
  ])('%s is refused', async (_case, body, headers, status, error) => {
    await refused(token(body, headers), status, error);
  });

  it('parameters in the query string instead of the body are not read', async () => {
    const res = await fetch(`${gw.url}/token?grant_type=client_credentials`, {
      method: 'POST',
      headers: { 'content-type': FORM, authorization: confidential },
      body: '',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error?: string }).error).toBe('invalid_request');
  });

  it('a NUL byte in client_id is refused', async () => {
    await refused(
      token(`grant_type=client_credentials&client_id=poster%00&client_secret=${POST_SECRET}`),
      401,
      'invalid_client',
    );
  });

  it('__proto__ and constructor parameters pollute nothing', async () => {
    const r = await token('__proto__=x&constructor=y&grant_type=client_credentials&scope=read', {
      authorization: confidential,
    });
    expect(r.status).toBe(200);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('an oversized body (over 64 KB) is refused with 413', async () => {
    const r = await token(`grant_type=client_credentials&pad=${'a'.repeat(70_000)}`, {
      authorization: confidential,
    });
    expect(r.status).toBe(413);
    expect(r.json.access_token).toBeUndefined();
  });

  it('oversized headers (over 16 KB) are refused before any function runs', async () => {
    const before = gw.invocations.get('oauth-token') ?? 0;
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${gw.url}/token`);
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: '/token',
          method: 'POST',
          headers: { 'x-pad': 'a'.repeat(20_000) },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end('grant_type=client_credentials');
    });
    expect(status).toBe(431);
    expect(gw.invocations.get('oauth-token') ?? 0).toBe(before);
  });

  it('GET /token is refused (the gateway has no such route)', async () => {
    const res = await fetch(`${gw.url}/token?grant_type=client_credentials`, {
      headers: { authorization: confidential },
    });
    expect(res.status).toBe(404);
  });
});

describe('scope at /token', () => {
  it('widening to a scope the client is not registered for is refused', async () => {
    await refused(
      token('grant_type=client_credentials&scope=read%20admin', { authorization: confidential }),
      400,
      'invalid_scope',
    );
  });

  it('a scope with a forbidden character is refused', async () => {
    await refused(
      token('grant_type=client_credentials&scope=read%22', { authorization: confidential }),
      400,
      'invalid_scope',
    );
  });

  it('a client not registered for client_credentials is refused', async () => {
    await refused(
      token('grant_type=client_credentials', { authorization: basic('code-only', CONFIDENTIAL_SECRET) }),
      400,
      'unauthorized_client',
    );
  });
});
