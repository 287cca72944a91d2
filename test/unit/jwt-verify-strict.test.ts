// Access-token verification: what must be refused (oauth-requirements.md, "Token verification"), and
// agreement with jose's jwtVerify, the reference the node:crypto path replaced. Every case runs twice:
// against the verifier as the functions build it, and against the resource-server kit's
// createVerifier with its keys fetched from a JWKS URL.
import { createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { errors, jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  importPublicKeys,
  importSigningKey,
  type SigningKey,
  type VerificationKey,
} from '../../shared/jwt/keys.ts';
import { signAccessToken } from '../../shared/jwt/sign.ts';
import {
  type AccessTokenVerifier,
  createAccessTokenVerifier,
  TokenRejected,
} from '../../shared/jwt/verify.ts';
import { createVerifier, OAuthError } from '../../shared/resource-server/index.ts';

const ISSUER = 'https://auth.example';
const AUDIENCE = 'https://api.example/work';
const NOW_S = 1_800_000_000;
const TOLERANCE = 30;

let key: SigningKey;
let publicKeys: VerificationKey[];
let publicPem: string;
let foreign: { privateKey: KeyObject; publicKey: KeyObject };
let verifyToken: AccessTokenVerifier;
let sharedVerifier: AccessTokenVerifier;
let kitVerifier: AccessTokenVerifier;
let jwksServer: Server;

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A token with any header and claims, RS256-signed with `signer` (our key unless told). */
function forge(header: unknown, claims: unknown, signer: KeyObject = key.privateKey): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), signer).toString('base64url')}`;
}

function goodHeader(): { alg: string; typ: string; kid: string } & Record<string, unknown> {
  return { alg: 'RS256', typ: 'at+jwt', kid: key.kid };
}

function goodClaims(): Record<string, unknown> {
  return {
    iss: ISSUER,
    sub: 'client-1',
    aud: AUDIENCE,
    exp: NOW_S + 300,
    iat: NOW_S,
    nbf: NOW_S,
    jti: 'jti-1',
    client_id: 'client-1',
    scope: 'read',
  };
}

async function reason(token: string): Promise<string> {
  try {
    await verifyToken(token);
  } catch (error) {
    expect(error).toBeInstanceOf(TokenRejected);
    return (error as TokenRejected).reason;
  }
  throw new Error('the token was accepted');
}

/**
 * The previous implementation, on jose's jwtVerify (with the typ check RFC 9068 §4 asks for, and the
 * header and claim checks jwtVerify does not make: no b64/zip/cty header, a string sub, no iat in the
 * future, no exp beyond the longest lifetime): the oracle the node:crypto path must agree with.
 */
async function referenceAccepts(token: string): Promise<boolean> {
  const byKid = new Map(publicKeys.map((k) => [k.kid, k.publicKey]));
  if (token.length > 8192 || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) return false;
  try {
    const { payload, protectedHeader } = await jwtVerify(
      token,
      (header) => {
        if (header.alg !== 'RS256') throw new TokenRejected('alg');
        for (const name of ['jwk', 'jku', 'x5u', 'x5c', 'crit', 'b64', 'zip', 'cty']) {
          if (name in header) throw new TokenRejected(name);
        }
        if (typeof header.kid !== 'string') throw new TokenRejected('kid');
        const found = byKid.get(header.kid);
        if (!found) throw new TokenRejected('kid');
        return found;
      },
      {
        algorithms: ['RS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
        clockTolerance: TOLERANCE,
        currentDate: new Date(NOW_S * 1000),
        requiredClaims: ['iss', 'aud', 'sub', 'exp', 'iat', 'jti', 'client_id'],
      },
    );
    const typ = String(protectedHeader.typ ?? '')
      .toLowerCase()
      .replace(/^application\//, '');
    if (typ !== 'at+jwt') return false;
    if (typeof payload.client_id !== 'string' || typeof payload.jti !== 'string') return false;
    if (typeof payload.sub !== 'string' || payload.sub === '') return false;
    if (payload.iat! > NOW_S + TOLERANCE) return false;
    if (payload.exp! > NOW_S + 86_400 + TOLERANCE) return false;
    if (payload.scope !== undefined && typeof payload.scope !== 'string') return false;
    if (payload.grant_id !== undefined && typeof payload.grant_id !== 'string') return false;
    return true;
  } catch (error) {
    if (error instanceof TokenRejected || error instanceof errors.JOSEError || error instanceof TypeError) {
      return false;
    }
    throw error;
  }
}

async function accepts(token: string): Promise<boolean> {
  try {
    await verifyToken(token);
    return true;
  } catch (error) {
    if (error instanceof TokenRejected) return false;
    throw error;
  }
}

beforeAll(async () => {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  key = await importSigningKey(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  publicPem = key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  publicKeys = await importPublicKeys(publicPem);
  foreign = generateKeyPairSync('rsa', { modulusLength: 2048 });
  sharedVerifier = createAccessTokenVerifier({
    keys: publicKeys,
    issuer: ISSUER,
    audience: AUDIENCE,
    clockToleranceSeconds: TOLERANCE,
    now: () => NOW_S * 1000 + 500,
  });
  const jwks = JSON.stringify({ keys: publicKeys.map((k) => k.publicJwk) });
  jwksServer = createServer((_req, res) => res.end(jwks));
  await new Promise<void>((done) => jwksServer.listen(0, '127.0.0.1', done));
  const { port } = jwksServer.address() as AddressInfo;
  const kit = createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwksUri: `http://127.0.0.1:${port}/jwks.json`,
    clockTolerance: TOLERANCE,
  });
  // The kit's refusal carries the verifier's reason as its private cause.
  kitVerifier = async (token) => {
    try {
      return (await kit(token)) as Awaited<ReturnType<AccessTokenVerifier>>;
    } catch (error) {
      if (error instanceof OAuthError && error.cause instanceof TokenRejected) throw error.cause;
      throw error;
    }
  };
});
afterAll(() => jwksServer?.close());

describe.each([
  ["the functions' verifier", () => sharedVerifier, false],
  ["the kit's createVerifier, keys fetched from a JWKS URL", () => kitVerifier, true],
])('%s', (_door, verifier, kitClock) => {
  beforeAll(() => {
    verifyToken = verifier();
    // The kit reads the real clock: it is set to the fixed time the tokens are made for.
    if (kitClock) vi.useFakeTimers({ toFake: ['Date'], now: NOW_S * 1000 + 500 });
  });
  afterAll(() => {
    vi.useRealTimers();
  });

  describe('accepts', () => {
    it('a token from the signing library, with every claim', async () => {
      const { token, claims } = await signAccessToken(key, {
        issuer: ISSUER,
        audience: AUDIENCE,
        subject: 'user-1',
        clientId: 'client-1',
        scope: 'read write',
        ttlSeconds: 300,
        now: NOW_S * 1000,
        typ: 'at+jwt',
      });
      expect(await verifyToken(token)).toEqual(claims);
    });

    it('a token signed by jose with our key (the encodings agree)', async () => {
      const token = await new SignJWT(goodClaims()).setProtectedHeader(goodHeader()).sign(key.privateKey);
      expect((await verifyToken(token)).jti).toBe('jti-1');
    });

    it('an audience array that holds ours, and the edges of the clock tolerance', async () => {
      expect(await accepts(forge(goodHeader(), { ...goodClaims(), aud: ['other', AUDIENCE] }))).toBe(true);
      expect(await accepts(forge(goodHeader(), { ...goodClaims(), exp: NOW_S - TOLERANCE + 1 }))).toBe(true);
      expect(await accepts(forge(goodHeader(), { ...goodClaims(), nbf: NOW_S + TOLERANCE }))).toBe(true);
    });
  });

  describe('refuses', () => {
    it('alg none, with or without a signature part', async () => {
      const unsigned = `${b64({ alg: 'none', kid: key.kid })}.${b64(goodClaims())}`;
      expect(await reason(`${unsigned}.`)).toBe('not a compact JWS');
      expect(await reason(`${unsigned}.AAAA`)).toMatch(/ALG_NOT_ALLOWED/);
    });

    it('HS256 signed with our public key as the HMAC secret', async () => {
      const input = `${b64({ alg: 'HS256', kid: key.kid })}.${b64(goodClaims())}`;
      const mac = createHmac('sha256', publicPem).update(input).digest('base64url');
      expect(await reason(`${input}.${mac}`)).toMatch(/ALG_NOT_ALLOWED/);
    });

    it('other algorithms, even ones of the same key type', async () => {
      for (const alg of ['RS384', 'RS512', 'PS256', 'ES256', 'rs256']) {
        expect(await reason(forge({ ...goodHeader(), alg }, goodClaims()))).toMatch(/ALG_NOT_ALLOWED/);
      }
    });

    it('a kid that is not ours, a missing kid, a kid that is not a string', async () => {
      expect(
        await reason(forge({ ...goodHeader(), kid: 'someone-else' }, goodClaims(), foreign.privateKey)),
      ).toBe('kid not in our key set');
      const { kid: _, ...noKid } = goodHeader();
      expect(await reason(forge(noKid, goodClaims()))).toMatch(/kid missing/);
      expect(await reason(forge({ ...goodHeader(), kid: 7 }, goodClaims()))).toMatch(/kid missing/);
    });

    it('our kid on a token signed by another key', async () => {
      expect(await reason(forge(goodHeader(), goodClaims(), foreign.privateKey))).toMatch(
        /SIGNATURE_VERIFICATION_FAILED/,
      );
    });

    it('jwk, jku, x5u, x5c and crit header parameters', async () => {
      const foreignJwk = foreign.publicKey.export({ format: 'jwk' });
      const extra: Record<string, unknown> = {
        jwk: foreignJwk,
        jku: 'https://evil.example/jwks.json',
        x5u: 'https://evil.example/cert.pem',
        x5c: ['MIIB'],
        crit: ['exp'],
      };
      for (const [name, value] of Object.entries(extra)) {
        expect(await reason(forge({ ...goodHeader(), [name]: value }, goodClaims()))).toBe(
          `header parameter ${name} not accepted`,
        );
      }
    });

    it('a tampered payload, header or signature', async () => {
      const [header, payload, signature] = forge(goodHeader(), goodClaims()).split('.') as [
        string,
        string,
        string,
      ];
      const raised = b64({ ...goodClaims(), scope: 'admin' });
      expect(await reason(`${header}.${raised}.${signature}`)).toMatch(/SIGNATURE_VERIFICATION_FAILED/);
      const retyped = b64({ ...goodHeader(), typ: 'JWT' });
      expect(await reason(`${retyped}.${payload}.${signature}`)).toMatch(/SIGNATURE_VERIFICATION_FAILED/);
      const flipped = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1);
      expect(await reason(`${header}.${payload}.${flipped}`)).toMatch(/SIGNATURE_VERIFICATION_FAILED/);
      // A cut signature fails verification, or decoding when its new last character has spare bits set.
      expect(await reason(`${header}.${payload}.${signature.slice(0, -4)}`)).toMatch(
        /SIGNATURE_VERIFICATION_FAILED|ERR_JWS_INVALID/,
      );
    });

    it('b64, zip and cty header parameters (RFC 7797, RFC 7516, RFC 7519 §5.2)', async () => {
      const extra: Record<string, unknown> = { b64: false, zip: 'DEF', cty: 'JWT' };
      for (const [name, value] of Object.entries(extra)) {
        expect(await reason(forge({ ...goodHeader(), [name]: value }, goodClaims()))).toBe(
          `header parameter ${name} not accepted`,
        );
      }
    });

    it('a sub that is not a non-empty string, an iat in the future, an exp past the longest lifetime', async () => {
      for (const sub of ['', 7, null, ['client-1']]) {
        expect(await reason(forge(goodHeader(), { ...goodClaims(), sub }))).toMatch(
          /"sub" claim must be a non-empty string/,
        );
      }
      expect(await reason(forge(goodHeader(), { ...goodClaims(), iat: NOW_S + TOLERANCE + 1 }))).toMatch(
        /"iat" claim is in the future/,
      );
      for (const exp of [NOW_S + 86_400 + TOLERANCE + 1, 1e308]) {
        expect(await reason(forge(goodHeader(), { ...goodClaims(), exp }))).toMatch(
          /"exp" claim is too far in the future/,
        );
      }
      // The edges themselves are accepted.
      expect(await accepts(forge(goodHeader(), { ...goodClaims(), iat: NOW_S + TOLERANCE }))).toBe(true);
      expect(await accepts(forge(goodHeader(), { ...goodClaims(), exp: NOW_S + 86_400 + TOLERANCE }))).toBe(
        true,
      );
    });

    it('expired and not yet valid tokens, past the tolerance', async () => {
      expect(await reason(forge(goodHeader(), { ...goodClaims(), exp: NOW_S - TOLERANCE }))).toMatch(
        /ERR_JWT_EXPIRED/,
      );
      expect(await reason(forge(goodHeader(), { ...goodClaims(), nbf: NOW_S + TOLERANCE + 1 }))).toMatch(
        /"nbf" claim timestamp check failed/,
      );
    });

    it('a wrong issuer or audience', async () => {
      for (const iss of ['https://evil.example', `${ISSUER}/`, '', null, [ISSUER]]) {
        expect(await reason(forge(goodHeader(), { ...goodClaims(), iss }))).toMatch(/unexpected "iss"/);
      }
      for (const aud of ['https://other.example', [], ['x'], null, `${AUDIENCE} `]) {
        expect(await reason(forge(goodHeader(), { ...goodClaims(), aud }))).toMatch(/unexpected "aud"/);
      }
    });

    it('a missing required claim', async () => {
      for (const name of ['iss', 'aud', 'sub', 'exp', 'iat', 'jti', 'client_id']) {
        const claims = goodClaims();
        delete claims[name];
        expect(await reason(forge(goodHeader(), claims))).toMatch(`missing required "${name}" claim`);
      }
    });

    it('claims of the wrong type', async () => {
      const cases: [string, unknown, RegExp][] = [
        ['exp', String(NOW_S + 300), /"exp" claim must be a number/],
        ['iat', null, /"iat" claim must be a number/],
        ['nbf', '0', /"nbf" claim must be a number/],
        ['client_id', 5, /client_id or jti/],
        ['jti', {}, /client_id or jti/],
        ['scope', ['read'], /scope is not a string/],
      ];
      for (const [name, value, expected] of cases) {
        expect(await reason(forge(goodHeader(), { ...goodClaims(), [name]: value }))).toMatch(expected);
      }
    });

    it('headers and claim sets that are not JSON objects', async () => {
      for (const header of ['[]', 'null', '"RS256"', '{', 'true']) {
        expect(await reason(forge(header, goodClaims()))).toMatch(/JWS Protected Header is invalid/);
      }
      for (const claims of ['[]', 'null', '12', '{"iss":']) {
        expect(await reason(forge(goodHeader(), claims))).toMatch(
          /JWT Claims Set must be a top-level JSON object/,
        );
      }
      const invalidUtf8 = `${Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url')}`;
      const input = `${b64(goodHeader())}.${invalidUtf8}`;
      const signature = sign('sha256', Buffer.from(input), key.privateKey).toString('base64url');
      expect(await reason(`${input}.${signature}`)).toMatch(/JWT Claims Set must be a top-level JSON object/);
    });

    it('malformed compact serializations', async () => {
      const token = forge(goodHeader(), goodClaims());
      const [header, payload, signature] = token.split('.') as [string, string, string];
      for (const bad of [
        '',
        'abc',
        `${header}.${payload}`,
        `${token}.x`,
        ` ${token}`,
        `${token}=`,
        `${header}.${payload}.${signature}+`,
        `${header}A.${payload}.${signature}`.replace(/^(.{4}).*?\./, '$1A.'),
        `${header}.${payload}.${signature.slice(0, -2)}${signature.length % 4 === 2 ? 'A' : 'AAA'}`,
        `${token}${'A'.repeat(8200)}`,
      ]) {
        expect(await accepts(bad)).toBe(false);
      }
      // A base64url part of length 1 mod 4 encodes no whole byte.
      const oddHeader = `${header.slice(0, 4 * Math.floor(header.length / 4))}A`;
      expect(await reason(`${oddHeader}.${payload}.${signature}`)).toMatch(/JWS Protected Header is invalid/);
    });
  });

  describe('agrees with jose jwtVerify', () => {
    // Mostly valid, one or two things off: both paths must agree on every one.
    const usually = <T>(valid: T, ...others: unknown[]) =>
      fc.oneof(
        { weight: 6, arbitrary: fc.constant<unknown>(valid) },
        { weight: 1, arbitrary: fc.constantFrom(...others) },
      );
    const headerArb = fc
      .record({
        alg: usually('RS256', 'HS256', 'none', 'PS256', 'RS512'),
        typ: usually('at+jwt', 'JWT', 'application/at+jwt', 'AT+JWT', 42, undefined),
        kid: usually('ours', 'theirs', 3, undefined),
        extra: usually(
          {},
          { crit: ['b64'], b64: false },
          { crit: ['exp'] },
          { jku: 'https://evil.example' },
          { cty: 'JWT' },
        ),
      })
      .map(({ extra, ...header }) => ({ ...header, ...(extra as object) }));
    const numeric = (valid: number, edge: number) =>
      usually(valid, edge, edge + 1, edge - 1, '1', null, 1.5e300);
    const claimsArb = fc.record({
      iss: usually(ISSUER, 'https://evil.example', 7, undefined),
      aud: usually(AUDIENCE, [AUDIENCE, 'x'], ['x'], 'x', null, undefined),
      sub: usually('user-1', 5, undefined),
      exp: numeric(NOW_S + 300, NOW_S - TOLERANCE),
      iat: numeric(NOW_S, NOW_S),
      nbf: numeric(NOW_S, NOW_S + TOLERANCE),
      jti: usually('j', 1, undefined),
      client_id: usually('c', null, undefined),
      scope: usually('read', ['read'], undefined),
      grant_id: usually('g', 7, undefined),
    });

    it('on random headers and claims signed with our key or another', async () => {
      let accepted = 0;
      await fc.assert(
        fc.asyncProperty(headerArb, claimsArb, usually(true, false), async (header, claims, ours) => {
          const kid = header.kid === 'ours' ? key.kid : header.kid;
          const present = Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
          const token = forge({ ...header, kid }, present, ours ? key.privateKey : foreign.privateKey);
          const verdict = await accepts(token);
          expect(verdict).toBe(await referenceAccepts(token));
          if (verdict) accepted++;
        }),
        { numRuns: 400 },
      );
      // Not vacuous: some generated tokens pass both.
      expect(accepted).toBeGreaterThan(0);
    });

    it('on arbitrary strings and on tokens with random parts replaced', async () => {
      const good = forge(goodHeader(), goodClaims()).split('.');
      const part = fc.stringMatching(/^[A-Za-z0-9_-]{0,12}$/);
      await fc.assert(
        fc.asyncProperty(fc.nat(2), part, fc.string(), async (index, replacement, junk) => {
          const parts = [...good];
          parts[index] = replacement;
          const token = parts.join('.');
          expect(await accepts(token)).toBe(await referenceAccepts(token));
          expect(await accepts(junk)).toBe(await referenceAccepts(junk));
        }),
        { numRuns: 300 },
      );
    });
  });
});
