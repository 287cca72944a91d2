// The resource-server kit's protect under random events: a well-formed integrated response for every
// one (its own 2xx/4xx answers or the handler's), never a 500 or an escaped exception.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import type { ScfHandler } from '../../shared/http/scf.ts';
import { importSigningKey } from '../../shared/jwt/keys.ts';
import { signAccessToken } from '../../shared/jwt/sign.ts';
import { setLogSink } from '../../shared/log.ts';
import { protect } from '../../shared/resource-server/index.ts';
import { anything, events } from '../support/arbitraries.ts';
import { AUDIENCE, ISSUER, testKeys } from '../support/fixtures.ts';
import { tamperPayload } from '../support/forge.ts';
import { assertWellFormed, FUZZ_RUNS } from '../support/fuzz.ts';
import { helloHandler } from '../support/kit.ts';

describe('protect under random events', () => {
  it(`answers ${FUZZ_RUNS} generated events with well-formed responses`, async () => {
    const keys = await testKeys();
    const key = await importSigningKey(keys.privatePem);
    const main = protect(
      { issuer: ISSUER, audience: AUDIENCE, scopes: ['read'], publicKeys: key.publicJwk },
      helloHandler,
    ) as unknown as ScfHandler;
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
    const tokens = [token, tamperPayload(token, (c) => ({ ...c, aud: 'x' })), `${token}x`];
    const paths = [
      '/work',
      '/.well-known/oauth-protected-resource/work',
      '/.well-known/oauth-protected-resource',
    ];
    const logs: string[] = [];
    const restore = setLogSink((l) => logs.push(l));
    let accepted = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            { weight: 7, arbitrary: events(paths, tokens) },
            {
              weight: 2,
              arbitrary: fc.tuple(fc.constantFrom(...tokens), fc.boolean()).map(([t, gatewayForm]) => ({
                httpMethod: 'GET',
                path: '/work',
                headers: { authorization: gatewayForm ? `Bearer id_token="${t}"` : `Bearer ${t}` },
              })),
            },
            { weight: 1, arbitrary: anything },
          ),
          async (event) => {
            const out = await assertWellFormed(main, event, [keys.privatePem], logs);
            if (out.statusCode === 200 && out.body === 'hello world') accepted++;
          },
        ),
        { numRuns: FUZZ_RUNS },
      );
    } finally {
      setLogSink(restore);
    }
    if (accepted === 0) throw new Error('no generated event carried the valid token');
  }, 300_000);
});
