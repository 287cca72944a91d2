// Negative catalogue: forged and misused access tokens at GET /work, through the local gateway, at the
// business function with no gateway in front (it must be safe on its own), through each platform's
// entry (SCF, AWS Lambda 1.0/2.0/function URL, Alibaba Cloud FC, fetch), and at a handler protected
// by the resource-server kit with the keys it fetched from the issuer's jwks_uri.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEntries, type Entries } from '../../shared/http/entries.ts';
import type { App } from '../../shared/http/scf.ts';
import { importSigningKey, type SigningKey } from '../../shared/jwt/keys.ts';
import { signAccessToken } from '../../shared/jwt/sign.ts';
import { setLogSink } from '../../shared/log.ts';
import { protect } from '../../shared/resource-server/index.ts';
import type { IntegratedResponse } from '../../shared/resource-server/types.ts';
import { businessApp } from '../support/apps.ts';
import { gatewayEvent } from '../support/events.ts';
import { foreignKeyPair, runApp, testKeys } from '../support/fixtures.ts';
import { rawRs256, standardClaims, tamperPayload, tamperSignature, unsigned } from '../support/forge.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { helloHandler } from '../support/kit.ts';
import { PLATFORMS, sendThrough } from '../support/platforms.ts';

let gw: TestGateway;
let business: App;
let entries: Entries;
let withCookie: App;
let cookieEntries: Entries;
let kit: (event: unknown, context: unknown) => Promise<IntegratedResponse>;
let restoreLogs: ReturnType<typeof setLogSink>;
let key: SigningKey;
let issuer: string;
let audience: string;

beforeAll(async () => {
  gw = await startTestGateway();
  business = await businessApp(gw.env);
  entries = createEntries(() => businessApp(gw.env));
  const cookieEnv = { ...gw.env, OAUTH_BEARER_COOKIE: 'id_token' };
  withCookie = await businessApp(cookieEnv);
  cookieEntries = createEntries(() => businessApp(cookieEnv));
  key = await importSigningKey((await testKeys()).privatePem);
  issuer = gw.env.OAUTH_ISSUER!;
  audience = gw.env.OAUTH_AUDIENCE!;
  kit = protect({ issuer, audience }, helloHandler);
  restoreLogs = setLogSink(() => {});
});
afterAll(async () => {
  setLogSink(restoreLogs);
  await entries?.dispose();
  await cookieEntries?.dispose();
  await gw?.close();
});

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const claims = (extra: Record<string, unknown> = {}) => ({ ...standardClaims(issuer, audience), ...extra });
const ours = (header: Record<string, unknown>, payload = claims()) =>
  rawRs256({ alg: 'RS256', kid: key.kid, typ: 'at+jwt', ...header }, payload, key.privateKey);
async function valid(): Promise<string> {
  const { token } = await signAccessToken(key, {
    issuer,
    audience,
    subject: 'alice',
    clientId: 'confidential',
    scope: 'read',
    ttlSeconds: 300,
    now: Date.now(),
    typ: 'at+jwt',
  });
  return token;
}

/** Status at the gateway (and whether the backend ran), and at the business function alone. */
async function attempt(headers: Record<string, string>, query = '') {
  const before = gw.invocations.get('oauth-business') ?? 0;
  const res = await fetch(`${gw.url}/work${query}`, { headers });
  const viaGateway = res.status;
  const backendRan = (gw.invocations.get('oauth-business') ?? 0) > before;
  const direct = await runApp(business, new Request(`${issuer}/work${query}`, { headers }));
  // Every platform's entry is a door with no gateway in front: each answers as the bare function.
  for (const platform of PLATFORMS) {
    const through = await sendThrough(
      platform,
      { business: entries },
      new Request(`${issuer}/work${query}`, { headers }),
    );
    expect(through.status, platform).toBe(direct.res.status);
  }
  const viaKit = await kit(gatewayEvent(`${issuer}/work${query}`, headers), {});
  return {
    viaGateway,
    backendRan,
    direct: direct.res.status,
    kit: viaKit.statusCode,
    body: await res.text(),
  };
}

/** Status at the business function configured with OAUTH_BEARER_COOKIE=id_token, alone and through each platform's entry. */
async function withCookieConfigured(headers: Record<string, string>) {
  const direct = await runApp(withCookie, new Request(`${issuer}/work`, { headers }));
  for (const platform of PLATFORMS) {
    const through = await sendThrough(
      platform,
      { business: cookieEntries },
      new Request(`${issuer}/work`, { headers }),
    );
    expect(through.status, platform).toBe(direct.res.status);
  }
  return direct.res;
}

const bearer = (token: string) => ({ authorization: `Bearer id_token="${token}"` });

/** Refused before the backend runs, and refused by the backend on its own. */
async function refusedEverywhere(token: string) {
  const r = await attempt(bearer(token));
  expect(r.viaGateway).toBe(401);
  expect(r.backendRan).toBe(false);
  expect(r.direct).toBe(401);
  expect(r.kit).toBe(401);
}

/** Let through by the gateway (which checks only signature and expiry), refused by the backend. */
async function refusedByBackend(token: string) {
  const r = await attempt(bearer(token));
  expect(r.viaGateway).toBe(401);
  expect(r.direct).toBe(401);
  expect(r.kit).toBe(401);
}

describe('forged access tokens at /work', () => {
  it('control: a valid token is accepted through the gateway and directly', async () => {
    const r = await attempt(bearer(await valid()));
    expect(r).toMatchObject({
      viaGateway: 200,
      backendRan: true,
      direct: 200,
      kit: 200,
      body: 'hello world',
    });
  });

  it.each<[string, () => string | Promise<string>]>([
    ['alg none with an empty signature', () => unsigned(claims())],
    ['alg none with a signature part', () => `${unsigned(claims())}c2ln`],
    [
      'a tampered payload (scope widened)',
      async () => tamperPayload(await valid(), (c) => ({ ...c, scope: 'admin' })),
    ],
    [
      'a tampered payload (subject swapped)',
      async () => tamperPayload(await valid(), (c) => ({ ...c, sub: 'root' })),
    ],
    ['a tampered signature', async () => tamperSignature(await valid())],
    [
      'a stripped signature',
      async () => {
        const [h, p] = (await valid()).split('.');
        return `${h}.${p}.`;
      },
    ],
    [
      'a token with only two parts',
      async () => {
        const [h, p] = (await valid()).split('.');
        return `${h}.${p}`;
      },
    ],
    ['a JWE-shaped five-part token', () => 'eyJhbGciOiJkaXIifQ..aaaa.bbbb.cccc'],
    [
      'an expired token',
      () => ours({}, claims({ iat: 1_600_000_000, nbf: 1_600_000_000, exp: 1_600_000_300 })),
    ],
    [
      'a token not valid yet (nbf in the future)',
      () => {
        const future = Math.floor(Date.now() / 1000) + 3600;
        return ours({}, claims({ iat: future, nbf: future, exp: future + 300 }));
      },
    ],
    [
      'a token without exp (the gateway requires it)',
      () => {
        const { exp: _exp, ...rest } = claims();
        return ours({}, rest);
      },
    ],
    [
      'a token without iat (the gateway requires it)',
      () => {
        const { iat: _iat, ...rest } = claims();
        return ours({}, rest);
      },
    ],
    [
      'a header that is not JSON',
      async () => {
        const [, p, s] = (await valid()).split('.');
        return `${Buffer.from('{alg:RS256').toString('base64url')}.${p}.${s}`;
      },
    ],
    ['trailing garbage after the signature', async () => `${await valid()}.extra`],
    [
      'an exp given as a string',
      () => {
        const now = Math.floor(Date.now() / 1000);
        return ours({}, claims({ exp: String(now + 300) }));
      },
    ],
  ])('%s is refused', async (_case, token) => {
    await refusedEverywhere(await token());
  });

  it.each<[string, () => string | Promise<string>]>([
    ['a crit header naming an unknown extension', () => ours({ crit: ['exp-ext'], 'exp-ext': true })],
    ['a token from another issuer', () => ours({}, claims({ iss: 'https://attacker.example' }))],
    ['a token for another audience', () => ours({}, claims({ aud: 'https://other-api.example' }))],
    [
      'a token whose audience array omits ours',
      () => ours({}, claims({ aud: ['https://a.example', 'https://b.example'] })),
    ],
    ['an empty kid', () => ours({ kid: '' })],
  ])('%s is refused by the backend', async (_case, token) => {
    await refusedByBackend(await token());
  });

  it.each(['None', 'NONE', 'nOnE'])('alg %s (case trick on none) is refused', async (alg) => {
    await refusedEverywhere(`${unsigned(claims(), alg)}c2ln`);
  });

  it.each(['rs256', 'Rs256', 'RS256 '])('alg %j (case or padding trick on RS256) is refused', async (alg) => {
    await refusedEverywhere(ours({ alg }));
  });

  it('alg PS256 signed with our RSA key is refused (algorithm confusion within RSA)', async () => {
    await refusedEverywhere(ours({ alg: 'PS256' }));
  });

  it('HS256 signed with our public key PEM as the HMAC secret is refused', async () => {
    const input = `${b64({ alg: 'HS256', kid: key.kid, typ: 'at+jwt' })}.${b64(claims())}`;
    const pem = key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const sig = createHmac('sha256', pem).update(input).digest('base64url');
    await refusedEverywhere(`${input}.${sig}`);
  });

  it('HS256 signed with our public JWK modulus as the HMAC secret is refused', async () => {
    const input = `${b64({ alg: 'HS256', kid: key.kid })}.${b64(claims())}`;
    const sig = createHmac('sha256', key.publicJwk.n).update(input).digest('base64url');
    await refusedEverywhere(`${input}.${sig}`);
  });

  it('an unknown kid signed by a foreign key is refused', async () => {
    const foreign = foreignKeyPair();
    await refusedEverywhere(rawRs256({ alg: 'RS256', kid: 'attacker' }, claims(), foreign.privateKey));
  });

  it('our kid on a token signed by a foreign key is refused', async () => {
    const foreign = foreignKeyPair();
    await refusedEverywhere(rawRs256({ alg: 'RS256', kid: key.kid }, claims(), foreign.privateKey));
  });

  it('an unknown kid on a token signed by our key is refused by the backend', async () => {
    await refusedByBackend(ours({ kid: 'not-a-thumbprint' }));
  });

  it.each([[42], [null], [['x']], ['../../../etc/passwd']])(
    'a non-string or path-like kid %j is refused',
    async (kid) => {
      await refusedByBackend(ours({ kid }));
    },
  );

  it('an embedded jwk header carrying the attacker key is refused', async () => {
    const foreign = foreignKeyPair();
    const jwk = foreign.publicKey.export({ format: 'jwk' });
    await refusedEverywhere(rawRs256({ alg: 'RS256', jwk }, claims(), foreign.privateKey));
  });

  it.each(['jku', 'x5u'])('the %s header pointing at an attacker URL is refused', async (name) => {
    await refusedByBackend(ours({ [name]: 'https://attacker.example/keys.json' }));
  });

  it('an x5c header with an attacker certificate chain is refused', async () => {
    await refusedByBackend(ours({ x5c: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'] }));
  });

  it('alg RS512 signed with our key is refused (only RS256 is allowed)', async () => {
    const input = `${b64({ alg: 'RS512', kid: key.kid })}.${b64(claims())}`;
    const { createSign } = await import('node:crypto');
    const sig = createSign('RSA-SHA512').update(input).sign(key.privateKey).toString('base64url');
    await refusedByBackend(`${input}.${sig}`);
  });

  it('a payload that is not JSON is refused', async () => {
    const input = `${b64({ alg: 'RS256', kid: key.kid })}.${Buffer.from('not json').toString('base64url')}`;
    const { createSign } = await import('node:crypto');
    const sig = createSign('RSA-SHA256').update(input).sign(key.privateKey).toString('base64url');
    await refusedEverywhere(`${input}.${sig}`);
  });

  it('a payload that is a JSON array is refused', async () => {
    const input = `${b64({ alg: 'RS256', kid: key.kid })}.${b64([claims()])}`;
    const { createSign } = await import('node:crypto');
    const sig = createSign('RSA-SHA256').update(input).sign(key.privateKey).toString('base64url');
    await refusedEverywhere(`${input}.${sig}`);
  });

  it.each([
    ['a numeric sub', { sub: 42 }],
    ['an empty sub', { sub: '' }],
    ['an iat a day in the future', { iat: Math.floor(Date.now() / 1000) + 86_400 }],
    ['an exp of 1e308', { exp: 1e308 }],
    ['an exp a year ahead', { exp: Math.floor(Date.now() / 1000) + 365 * 86_400 }],
  ])(
    'a token with %s is refused by the backend (RFC 9068 §2.2 claim types and ranges)',
    async (_what, extra) => {
      await refusedByBackend(ours({}, claims(extra)));
    },
  );

  it.each([
    ['b64 without crit (RFC 7797 unencoded payload)', { b64: false }],
    ['b64 true without crit', { b64: true }],
    ['zip (compressed payload)', { zip: 'DEF' }],
    ['cty JWT (nested token)', { cty: 'JWT' }],
  ])('a %s header is refused by the backend', async (_what, header) => {
    await refusedByBackend(ours(header));
  });

  it('a token quoted with single quotes in the gateway form is refused', async () => {
    const r = await attempt({ authorization: `Bearer id_token='${await valid()}'` });
    expect(r.viaGateway).toBe(401);
    expect(r.direct).toBe(401);
    expect(r.kit).toBe(401);
  });

  it('a signature spelt with non-zero spare bits in its last character is refused (malleability)', async () => {
    // The header and payload are signed as spelt; the signature is decoded, and Buffer.from ignores
    // the bits of its last character that encode nothing: 256 bytes take 342 characters, 4 spare bits.
    const token = await valid();
    const [header, payload, signature] = token.split('.') as [string, string, string];
    expect(signature.length % 4).toBe(2);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(signature.at(-1)!);
    const respelt = signature.slice(0, -1) + alphabet[last ^ 1];
    expect(Buffer.from(respelt, 'base64url')).toEqual(Buffer.from(signature, 'base64url'));
    expect((await attempt(bearer(token))).direct).toBe(200);
    await refusedEverywhere(`${header}.${payload}.${respelt}`);
  });

  it('an oversized token (10 KB of claims) is refused', async () => {
    await refusedByBackend(ours({}, claims({ pad: 'x'.repeat(10_000) })));
  });
});

describe('misplaced and doubled tokens at /work', () => {
  it('a token in the access_token query parameter is refused', async () => {
    const token = await valid();
    const r = await attempt({}, `?access_token=${token}`);
    expect(r.viaGateway).toBe(401);
    expect(r.direct).toBe(400);
    expect(r.kit).toBe(400);
  });

  it('a token in the query string is refused even beside a valid header', async () => {
    const token = await valid();
    const r = await attempt(bearer(token), `?access_token=${token}`);
    expect(r.viaGateway).toBe(400);
    expect(r.direct).toBe(400);
    expect(r.kit).toBe(400);
  });

  it('two different tokens (header and the configured cookie) are refused', async () => {
    const token = await valid();
    const headers = { ...bearer(token), cookie: `id_token=${await valid()}` };
    expect((await withCookieConfigured(headers)).status).toBe(400);
    // With no OAUTH_BEARER_COOKIE (the gateway's backend here) a cookie is no credential at all; the
    // kit never reads one.
    const r = await attempt(headers);
    expect(r.viaGateway).toBe(200);
    expect(r.direct).toBe(200);
    expect(r.kit).toBe(200);
  });

  it('a token in the id_token cookie alone is refused by the business function by default (ambient credential)', async () => {
    const headers = { cookie: `id_token=${await valid()}` };
    const direct = await runApp(business, new Request(`${issuer}/work`, { headers }));
    expect(direct.res.status).toBe(401);
    expect(direct.res.headers.get('www-authenticate')).toBe('Bearer realm="work"');
    // Every platform's entry and the kit answer as the bare function.
    expect((await attempt(headers)).kit).toBe(401);
    // Configured explicitly, the same cookie is read.
    expect((await withCookieConfigured(headers)).status).toBe(200);
  });

  it('two tokens in one Authorization header are refused', async () => {
    const r = await attempt({ authorization: `Bearer ${await valid()}, Bearer ${await valid()}` });
    expect(r.viaGateway).toBe(401);
    expect(r.direct).toBe(401);
    expect(r.kit).toBe(401);
  });

  it('a token sent with the Basic scheme is refused', async () => {
    const r = await attempt({ authorization: `Basic ${await valid()}` });
    expect(r.viaGateway).toBe(401);
    expect(r.direct).toBe(400);
    expect(r.kit).toBe(400);
  });
});

describe('tokens outside the Authorization header at a kit-protected handler', () => {
  it('a valid token in the id_token cookie alone is not taken by the kit', async () => {
    const r = await attempt({ cookie: `id_token=${await valid()}` });
    expect(r.kit).toBe(401);
  });

  it('a forged token in the id_token cookie beside a valid header is never read by the kit', async () => {
    const forged = tamperPayload(await valid(), (c) => ({ ...c, scope: 'admin' }));
    const r = await attempt({ ...bearer(await valid()), cookie: `id_token=${forged}` });
    expect(r.kit).toBe(200);
  });
});
