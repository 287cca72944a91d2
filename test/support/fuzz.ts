// The fuzz harness. The property every function must hold for any input: a well-formed integrated
// response, never a 500 or an escaped exception, and no secret in the body or the log; the runner that
// draws FUZZ_RUNS inputs with the log captured; and the tokens a resource is fuzzed with.
import fc from 'fast-check';
import { expect } from 'vitest';
import type { GeneratedKeys } from '../../infra/keys/generate.ts';
import type { App } from '../../shared/http/app.ts';
import type { IntegratedResponse } from '../../shared/http/scf.ts';
import { importSigningKey, type SigningKey } from '../../shared/jwt/keys.ts';
import { signAccessToken } from '../../shared/jwt/sign.ts';
import { setLogSink } from '../../shared/log.ts';
import { tokenApp } from './apps.ts';
import { AUDIENCE, basic, CONFIDENTIAL_SECRET, ISSUER, POST_SECRET, testEnv, testKeys } from './fixtures.ts';
import { tamperPayload } from './forge.ts';

export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);

export async function assertWellFormed(
  handler: (event: unknown) => Promise<IntegratedResponse>,
  event: unknown,
  secrets: readonly string[],
  logs: string[],
): Promise<IntegratedResponse> {
  logs.length = 0;
  const out = await handler(event); // must not throw
  expect(Number.isInteger(out.statusCode)).toBe(true);
  expect(out.statusCode).toBeGreaterThanOrEqual(200);
  expect(out.statusCode).toBeLessThan(500);
  expect(typeof out.body).toBe('string');
  expect(typeof out.isBase64Encoded).toBe('boolean');
  for (const [name, value] of Object.entries(out.headers)) {
    expect(typeof value, name).toBe('string');
  }
  if ((out.headers['content-type'] ?? '').startsWith('application/json')) JSON.parse(out.body);
  const text = out.isBase64Encoded ? Buffer.from(out.body, 'base64').toString('latin1') : out.body;
  for (const secret of secrets) {
    expect(text.includes(secret)).toBe(false);
    for (const line of logs) expect(line.includes(secret)).toBe(false);
  }
  for (const line of logs) JSON.parse(line);
  return out;
}

/** Runs `property` on FUZZ_RUNS inputs drawn from `inputs`; `logs` holds the log lines written meanwhile. */
export async function fuzz<T>(
  inputs: fc.Arbitrary<T>,
  property: (input: T, logs: string[]) => Promise<void>,
): Promise<void> {
  const logs: string[] = [];
  const restore = setLogSink((l) => logs.push(l));
  try {
    await fc.assert(
      fc.asyncProperty(inputs, (input) => property(input, logs)),
      { numRuns: FUZZ_RUNS },
    );
  } finally {
    setLogSink(restore);
  }
}

/** A generated input did reach `what` (the success path, a redirect): the property is not vacuous. */
export function expectReached(count: number, what: string): void {
  if (count === 0) throw new Error(`no generated input reached ${what}: the property is vacuous`);
}

/**
 * The token function as it is fuzzed: its app, what no answer or log line may show (the clients' secrets,
 * OAUTH_SECRET, a piece of the private key), and credentials for the generated requests to carry.
 */
export async function fuzzedTokenFunction(): Promise<{ app: App; secrets: string[]; credentials: string[] }> {
  const env = await testEnv();
  return {
    app: await tokenApp(env),
    secrets: [CONFIDENTIAL_SECRET, POST_SECRET, env.OAUTH_SECRET!, env.OAUTH_PRIVATE_KEY!.slice(100, 160)],
    credentials: [basic('confidential', CONFIDENTIAL_SECRET).slice('Basic '.length), 'abc.def.ghi'],
  };
}

/**
 * A resource's tokens: the test key, a valid access token for ISSUER and AUDIENCE signed with it, and
 * that token's near misses (another audience, a broken signature), the valid one first.
 */
export async function resourceTokens(): Promise<{ keys: GeneratedKeys; key: SigningKey; tokens: string[] }> {
  const keys = await testKeys();
  const key = await importSigningKey(keys.privatePem);
  const { token } = await signAccessToken(key, {
    issuer: ISSUER,
    audience: AUDIENCE,
    subject: 's',
    clientId: 'confidential',
    scope: 'read',
    ttlSeconds: 3600,
    now: Date.now(),
    typ: 'at+jwt',
  });
  return { keys, key, tokens: [token, tamperPayload(token, (c) => ({ ...c, aud: 'x' })), `${token}x`] };
}

/** Where a request may carry its access token: `Bearer`, API Gateway's `Bearer id_token="…"`, a cookie. */
export type TokenPlace = 'bearer' | 'gateway' | 'cookie';

/**
 * Near-valid requests to /work: one of `tokens` in one of `places`, beside noise headers, so that the
 * success path is exercised alongside the refusals.
 */
export function presentedTokens(tokens: readonly string[], places: readonly TokenPlace[]) {
  return fc
    .tuple(
      fc.constantFrom(...tokens),
      fc.constantFrom(...places),
      fc.dictionary(fc.constantFrom('accept', 'x-a', 'user-agent'), fc.string({ maxLength: 20 })),
    )
    .map(([t, place, noise]) => ({
      httpMethod: 'GET',
      path: '/work',
      headers: {
        ...noise,
        ...(place === 'cookie'
          ? { cookie: `id_token=${t}` }
          : { authorization: place === 'bearer' ? `Bearer ${t}` : `Bearer id_token="${t}"` }),
      },
    }));
}
