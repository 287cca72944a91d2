import fc from 'fast-check';
import { describe, it } from 'vitest';
import { createBusinessApp } from '../../functions/business/app.ts';
import { loadBusinessConfig } from '../../functions/business/config.ts';
import { createScfHandler } from '../../shared/http/scf.ts';
import { importSigningKey } from '../../shared/jwt/keys.ts';
import { signAccessToken } from '../../shared/jwt/sign.ts';
import { setLogSink } from '../../shared/log.ts';
import { anything, events } from '../support/arbitraries.ts';
import { AUDIENCE, ISSUER, testEnv, testKeys } from '../support/fixtures.ts';
import { tamperPayload } from '../support/forge.ts';
import { assertWellFormed, FUZZ_RUNS } from '../support/fuzz.ts';

describe('business function under random events', () => {
  it(`answers ${FUZZ_RUNS} generated events with well-formed responses`, async () => {
    const config = await loadBusinessConfig(await testEnv());
    const handler = createScfHandler(async () => createBusinessApp(config));
    const key = await importSigningKey((await testKeys()).privatePem);
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
    const tokens = [
      token,
      tamperPayload(token, (c) => ({ ...c, aud: 'x' })),
      `${token}x`,
      token.split('.').slice(0, 2).join('.'),
    ];
    const logs: string[] = [];
    const restore = setLogSink((l) => logs.push(l));
    let accepted = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            { weight: 7, arbitrary: events(['/work'], tokens) },
            // Near-valid requests: the right route with one of the tokens in each accepted place,
            // plus noise headers, so the success path is exercised alongside the refusals.
            {
              weight: 2,
              arbitrary: fc
                .tuple(
                  fc.constantFrom(...tokens),
                  fc.constantFrom('bearer', 'gateway', 'cookie'),
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
                })),
            },
            { weight: 1, arbitrary: anything },
          ),
          async (event) => {
            const out = await assertWellFormed(handler, event, [], logs);
            if (out.statusCode === 200) accepted++;
          },
        ),
        { numRuns: FUZZ_RUNS },
      );
    } finally {
      setLogSink(restore);
    }
    // The generator does reach the success path: the property is not vacuous.
    if (accepted === 0) throw new Error('no generated event carried the valid token to /work');
  }, 300_000);
});
