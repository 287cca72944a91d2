// The resource-server kit (shared/resource-server): protect's answers (RFC 6750 §3, RFC 9728 §3, §5.1),
// the options, and the keys fetched from the issuer's jwks_uri — cached, re-fetched at most once a
// minute for an unknown kid, 3 s per fetch, 503 with Retry-After when there are none.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../shared/errors.ts';
import { createRemoteKeySource, metadataUrls } from '../../shared/jwt/remote-keys.ts';
import { KeysUnavailable } from '../../shared/jwt/verify.ts';
import { setLogSink } from '../../shared/log.ts';
import { createVerifier, OAuthError, protect } from '../../shared/resource-server/index.ts';
import { gatewayEvent } from '../support/events.ts';
import { rawRs256, standardClaims } from '../support/forge.ts';
import { type IssuerDouble, startIssuerDouble } from '../support/issuer-double.ts';
import { helloHandler } from '../support/kit.ts';

const RESOURCE = 'https://api.example/orders';
const METADATA_URL = 'https://api.example/.well-known/oauth-protected-resource/orders';
let as: IssuerDouble;
let logs: string[];
let restoreSink: ReturnType<typeof setLogSink>;

beforeAll(async () => {
  as = await startIssuerDouble();
  logs = [];
  restoreSink = setLogSink((line) => logs.push(line));
});
afterAll(async () => {
  setLogSink(restoreSink);
  await as?.close();
});
afterEach(() => {
  as.mode = 'up';
});

const call = (
  handler: (e: unknown, c: unknown) => Promise<unknown>,
  headers: Record<string, string>,
  path = '/orders',
) =>
  handler(gatewayEvent(`${RESOURCE.replace('/orders', '')}${path}`, headers), {}) as Promise<{
    statusCode: number;
    headers: Record<string, string>;
    body: string;
  }>;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('protect', () => {
  it('calls the handler with the caller for a valid token and passes its response through', async () => {
    const seen: unknown[] = [];
    const answer = { isBase64Encoded: false, statusCode: 201, headers: { a: 'b' }, body: 'made' };
    const main = protect({ issuer: as.issuer, audience: RESOURCE }, (event, context, auth) => {
      seen.push(event, context, auth);
      return answer;
    });
    const event = gatewayEvent(RESOURCE, bearer(await as.token({ audience: RESOURCE, scope: 'read write' })));
    const context = { request_id: 'r-1' };
    expect(await main(event, context)).toBe(answer);
    expect(seen[0]).toBe(event);
    expect(seen[1]).toBe(context);
    expect(seen[2]).toMatchObject({ sub: 'alice', clientId: 'reporting', scopes: ['read', 'write'] });
    expect((seen[2] as { claims: { aud: string } }).claims.aud).toBe(RESOURCE);
  });

  it('takes API Gateway\'s Bearer id_token="<jwt>" form and function URL events', async () => {
    const main = protect({ issuer: as.issuer, audience: RESOURCE }, helloHandler);
    const token = await as.token({ audience: RESOURCE });
    expect((await call(main, { authorization: `Bearer id_token="${token}"` })).statusCode).toBe(200);
    // SCF doc 583/96099: a function URL event has no requestContext and no isBase64Encoded.
    const urlEvent = {
      httpMethod: 'GET',
      path: '/orders',
      headers: { host: 'api.example', authorization: `Bearer ${token}`, 'x-scf-remote-addr': '203.0.113.7' },
      queryString: {},
      body: '',
    };
    expect(((await main(urlEvent, {})) as { statusCode: number }).statusCode).toBe(200);
  });

  it('answers a request with no token 401 and a challenge with resource_metadata and no error code', async () => {
    const main = protect({ issuer: as.issuer, audience: RESOURCE }, helloHandler);
    const r = await call(main, {});
    expect(r.statusCode).toBe(401);
    // RFC 6750 §3.1: no error code when the request had no authentication; RFC 9728 §5.1.
    expect(r.headers['www-authenticate']).toBe(`Bearer resource_metadata="${METADATA_URL}"`);
    expect(JSON.parse(r.body)).toEqual({ error: 'invalid_token', error_description: expect.any(String) });
  });

  it.each([
    ['expired', { iat: 1_600_000_000, nbf: 1_600_000_000, exp: 1_600_000_300 }],
    ['for another resource', { aud: 'https://api.example/other' }],
    ['from another issuer', { iss: 'https://issuer.example' }],
  ])('answers a token %s 401 invalid_token with resource_metadata', async (_name, claims) => {
    const main = protect({ issuer: as.issuer, audience: RESOURCE }, helloHandler);
    const key = as.keys[0]!;
    const token = rawRs256(
      { alg: 'RS256', typ: 'at+jwt', kid: key.kid },
      { ...standardClaims(as.issuer, RESOURCE), ...claims },
      key.privateKey,
    );
    const r = await call(main, bearer(token));
    expect(r.statusCode).toBe(401);
    expect(r.headers['www-authenticate']).toBe(
      `Bearer resource_metadata="${METADATA_URL}", error="invalid_token", error_description="the access token is invalid or expired"`,
    );
    expect(JSON.parse(r.body).error).toBe('invalid_token');
  });

  it('answers a token without a required scope 403 insufficient_scope naming the scopes', async () => {
    const main = protect({ issuer: as.issuer, audience: RESOURCE, scopes: ['read', 'write'] }, helloHandler);
    const r = await call(main, bearer(await as.token({ audience: RESOURCE, scope: 'read' })));
    expect(r.statusCode).toBe(403);
    expect(r.headers['www-authenticate']).toMatch(
      /^Bearer resource_metadata="[^"]+", scope="read write", error="insufficient_scope"/,
    );
    expect(JSON.parse(r.body).error).toBe('insufficient_scope');
    const ok = await call(main, bearer(await as.token({ audience: RESOURCE, scope: 'write read admin' })));
    expect(ok.statusCode).toBe(200);
  });

  it('never reads the token from the query string or a cookie', async () => {
    const main = protect({ issuer: as.issuer, audience: RESOURCE }, helloHandler);
    const token = await as.token({ audience: RESOURCE });
    expect((await call(main, {}, `/orders?access_token=${token}`)).statusCode).toBe(400);
    expect((await call(main, { cookie: `id_token=${token}` })).statusCode).toBe(401);
  });

  it.each([
    ['the path-suffixed form (RFC 9728 §3.1)', '/.well-known/oauth-protected-resource/orders'],
    ['the bare form', '/.well-known/oauth-protected-resource'],
  ])('serves the protected-resource metadata at %s with no token', async (_name, path) => {
    let called = false;
    const main = protect({ issuer: as.issuer, audience: RESOURCE, scopes: 'read' }, () => {
      called = true;
      return {};
    });
    const r = await call(main, {}, path);
    expect(r.statusCode).toBe(200);
    expect(r.headers['cache-control']).toBe('public, max-age=3600');
    expect(JSON.parse(r.body)).toEqual({
      resource: RESOURCE,
      authorization_servers: [as.issuer],
      scopes_supported: ['read'],
      bearer_methods_supported: ['header'],
    });
    expect(called).toBe(false);
    const post = await protect({ issuer: as.issuer, audience: RESOURCE }, helloHandler)(
      gatewayEvent(`https://api.example${path}`, {}, 'POST'),
      {},
    );
    expect(post.statusCode).toBe(405);
  });

  it('refuses bad options at once, naming the option or variable', () => {
    vi.stubEnv('OAUTH_ISSUER', '');
    vi.stubEnv('OAUTH_AUDIENCE', '');
    try {
      expect(() => protect({}, helloHandler)).toThrow(ConfigError);
      expect(() => createVerifier({})).toThrow(/OAUTH_ISSUER is missing.*OAUTH_AUDIENCE is missing/);
      expect(() => createVerifier({ issuer: 'http://auth.example', audience: RESOURCE })).toThrow(
        /issuer must use https/,
      );
      expect(() => createVerifier({ issuer: as.issuer, audience: `${RESOURCE}#frag` })).toThrow(
        /audience must not have a fragment/,
      );
      expect(() => createVerifier({ issuer: as.issuer, audience: 'orders' })).toThrow(
        /audience is not an absolute URI/,
      );
      expect(() =>
        createVerifier({
          issuer: as.issuer,
          audience: RESOURCE,
          publicKeys: '{}',
          jwksUri: `${as.issuer}/k`,
        }),
      ).toThrow(/not both/);
      expect(() => createVerifier({ issuer: as.issuer, audience: RESOURCE, clockTolerance: 9999 })).toThrow(
        /clockTolerance/,
      );
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('takes its options from OAUTH_ISSUER, OAUTH_AUDIENCE and OAUTH_PUBLIC_KEYS', async () => {
    const jwks = { keys: as.keys.map((k) => k.publicJwk) };
    vi.stubEnv('OAUTH_ISSUER', as.issuer);
    vi.stubEnv('OAUTH_AUDIENCE', RESOURCE);
    vi.stubEnv('OAUTH_PUBLIC_KEYS', JSON.stringify(jwks));
    const before = as.hits.jwks;
    try {
      const verify = createVerifier();
      expect((await verify(await as.token({ audience: RESOURCE }))).sub).toBe('alice');
      // Configured keys: nothing is fetched.
      expect(as.hits.jwks).toBe(before);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('createVerifier', () => {
  it('takes public keys as a JWKS object, one JWK or a PEM', async () => {
    const key = as.keys[0]!;
    const token = await as.token({ audience: RESOURCE });
    const pem = key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    for (const publicKeys of [{ keys: [key.publicJwk] }, key.publicJwk, pem]) {
      const verify = createVerifier({ issuer: as.issuer, audience: RESOURCE, publicKeys });
      expect((await verify(token)).client_id).toBe('reporting');
    }
  });

  it('throws an OAuthError with the RFC 6750 code, status and challenge of each refusal', async () => {
    const verify = createVerifier({ issuer: as.issuer, audience: RESOURCE, scopes: ['admin'] });
    const refusal = async (token: string) => {
      try {
        await verify(token);
      } catch (error) {
        expect(error).toBeInstanceOf(OAuthError);
        const e = error as InstanceType<typeof OAuthError>;
        return { error: e.error, status: e.status, challenge: e.headers['www-authenticate'] };
      }
      throw new Error('accepted');
    };
    expect(await refusal('not-a-jwt')).toMatchObject({ error: 'invalid_token', status: 401 });
    expect(await refusal(await as.token({ audience: RESOURCE }))).toMatchObject({
      error: 'insufficient_scope',
      status: 403,
      challenge: expect.stringContaining('scope="admin"'),
    });
  });
});

describe('keys fetched from the issuer', () => {
  it('fetches the metadata and the JWKS once, then verifies with no network call', async () => {
    const fresh = await startIssuerDouble();
    try {
      const main = protect({ issuer: fresh.issuer, audience: RESOURCE }, helloHandler);
      const token = await fresh.token({ audience: RESOURCE });
      for (let i = 0; i < 20; i++) expect((await call(main, bearer(token))).statusCode).toBe(200);
      expect(fresh.hits).toEqual({ metadata: 1, jwks: 1 });
    } finally {
      await fresh.close();
    }
  });

  it('fetches once for a new kid a minute after the last fetch, and a flood of made-up kids fetches no more', async () => {
    const fresh = await startIssuerDouble();
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    try {
      const main = protect({ issuer: fresh.issuer, audience: RESOURCE }, helloHandler);
      expect((await call(main, bearer(await fresh.token({ audience: RESOURCE })))).statusCode).toBe(200);
      const next = await fresh.rotate();
      const rotated = await fresh.token({ audience: RESOURCE, key: next });
      // Within a minute of the last fetch, an unknown kid is refused without asking again.
      expect((await call(main, bearer(rotated))).statusCode).toBe(401);
      expect(fresh.hits.jwks).toBe(1);
      vi.setSystemTime(Date.now() + 60_000);
      expect((await call(main, bearer(rotated))).statusCode).toBe(200);
      expect(fresh.hits.jwks).toBe(2);
      const forged = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          call(
            main,
            bearer(
              rawRs256(
                { alg: 'RS256', typ: 'at+jwt', kid: `forged-${i}` },
                standardClaims(fresh.issuer, RESOURCE),
                next.privateKey,
              ),
            ),
          ),
        ),
      );
      expect(forged.every((r) => r.statusCode === 401)).toBe(true);
      // Within a minute of the last fetch: none at all for the flood.
      expect(fresh.hits.jwks).toBe(2);
    } finally {
      vi.useRealTimers();
      await fresh.close();
    }
  });

  it('answers 503 with Retry-After while the JWKS is down and no key was ever fetched', async () => {
    const fresh = await startIssuerDouble();
    try {
      fresh.mode = 'down';
      let called = false;
      const main = protect({ issuer: fresh.issuer, audience: RESOURCE }, () => {
        called = true;
        return {};
      });
      const r = await call(main, bearer(await fresh.token({ audience: RESOURCE })));
      expect(r.statusCode).toBe(503);
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(JSON.parse(r.body).error).toBe('temporarily_unavailable');
      expect(called).toBe(false);
      expect(logs.some((l) => l.includes('"status":503') && l.includes('answered 503'))).toBe(true);
    } finally {
      await fresh.close();
    }
  });

  it('keeps verifying with the keys it holds while the JWKS is down', async () => {
    const fresh = await startIssuerDouble();
    try {
      const main = protect({ issuer: fresh.issuer, audience: RESOURCE }, helloHandler);
      const token = await fresh.token({ audience: RESOURCE });
      expect((await call(main, bearer(token))).statusCode).toBe(200);
      fresh.mode = 'down';
      expect((await call(main, bearer(token))).statusCode).toBe(200);
    } finally {
      await fresh.close();
    }
  });

  it('gives up on a JWKS that does not answer after 3 s, with a 503', async () => {
    const fresh = await startIssuerDouble();
    try {
      fresh.mode = 'hang';
      const main = protect({ issuer: fresh.issuer, audience: RESOURCE }, helloHandler);
      const started = Date.now();
      const r = await call(main, bearer(await fresh.token({ audience: RESOURCE })));
      const elapsed = Date.now() - started;
      expect(r.statusCode).toBe(503);
      expect(elapsed).toBeGreaterThanOrEqual(2900);
      expect(elapsed).toBeLessThan(6000);
    } finally {
      await fresh.close();
    }
  }, 15_000);

  it('refuses metadata that names another issuer (RFC 8414 §3.3)', async () => {
    const fresh = await startIssuerDouble();
    try {
      const verify = createVerifier({
        issuer: `${fresh.issuer.replace('127.0.0.1', 'localhost')}`,
        audience: RESOURCE,
      });
      await expect(verify(await fresh.token({ audience: RESOURCE }))).rejects.toMatchObject({ status: 503 });
      expect(fresh.hits.jwks).toBe(0);
    } finally {
      await fresh.close();
    }
  });
});

describe('the remote key source, on a fixed clock', () => {
  const jwksOf = (double: IssuerDouble) => JSON.stringify({ keys: double.keys.map((k) => k.publicJwk) });

  it('re-fetches at most once a minute with keys, every 5 s without, one fetch at a time', async () => {
    let now = 1_000_000;
    let up = false;
    let fetches = 0;
    const source = createRemoteKeySource({
      issuer: 'https://auth.example',
      jwksUri: 'https://auth.example/jwks',
      now: () => now,
      fetch: (async () => {
        fetches++;
        await new Promise((r) => setTimeout(r, 5));
        return up ? new Response(jwksOf(as)) : new Response('', { status: 500 });
      }) as typeof fetch,
    });
    const kid = as.keys[0]!.kid;
    // Ten requests at once while it is down: one fetch, and all of them told when to come back.
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => source.refresh(kid)));
    expect(fetches).toBe(1);
    for (const o of outcomes) {
      expect(o.status).toBe('rejected');
      expect((o as PromiseRejectedResult).reason).toBeInstanceOf(KeysUnavailable);
      expect(((o as PromiseRejectedResult).reason as KeysUnavailable).retryAfterSeconds).toBe(5);
    }
    now += 4000;
    await expect(source.refresh(kid)).rejects.toMatchObject({ retryAfterSeconds: 1 });
    expect(fetches).toBe(1);
    up = true;
    now += 1000;
    await source.refresh(kid);
    expect(fetches).toBe(2);
    expect(source.cached(kid)).toBeDefined();
    // Keys held: an unknown kid is asked for again only a minute after the last fetch.
    now += 59_000;
    await source.refresh('unknown');
    expect(fetches).toBe(2);
    now += 1000;
    await source.refresh('unknown');
    expect(fetches).toBe(3);
  });

  it('finds the metadata where RFC 8414 §3.1 puts it, for an issuer with a path', () => {
    expect(metadataUrls('https://h.example')).toEqual([
      'https://h.example/.well-known/oauth-authorization-server',
    ]);
    expect(metadataUrls('https://h.example/tenant')).toEqual([
      'https://h.example/.well-known/oauth-authorization-server/tenant',
      'https://h.example/tenant/.well-known/oauth-authorization-server',
    ]);
  });
});
