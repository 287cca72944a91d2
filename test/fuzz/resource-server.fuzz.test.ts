// The resource-server kit's protect under random events: a well-formed integrated response for every
// one (its own 2xx/4xx answers or the handler's), never a 500 or an escaped exception.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import type { ScfHandler } from '../../shared/http/scf.ts';
import { protect } from '../../shared/resource-server/index.ts';
import { anything, events } from '../support/arbitraries.ts';
import { AUDIENCE, ISSUER } from '../support/fixtures.ts';
import {
  assertWellFormed,
  expectReached,
  FUZZ_RUNS,
  fuzz,
  presentedTokens,
  resourceTokens,
} from '../support/fuzz.ts';
import { helloHandler } from '../support/kit.ts';

describe('protect under random events', () => {
  it(`answers ${FUZZ_RUNS} generated events with well-formed responses`, async () => {
    const { keys, key, tokens } = await resourceTokens();
    const main = protect(
      { issuer: ISSUER, audience: AUDIENCE, scopes: ['read'], publicKeys: key.publicJwk },
      helloHandler,
    ) as unknown as ScfHandler;
    const paths = [
      '/work',
      '/.well-known/oauth-protected-resource/work',
      '/.well-known/oauth-protected-resource',
    ];
    let accepted = 0;
    await fuzz(
      fc.oneof(
        { weight: 7, arbitrary: events(paths, tokens) },
        { weight: 2, arbitrary: presentedTokens(tokens, ['bearer', 'gateway']) },
        { weight: 1, arbitrary: anything },
      ),
      async (event, logs) => {
        const out = await assertWellFormed(main, event, [keys.privatePem], logs);
        if (out.statusCode === 200 && out.body === 'hello world') accepted++;
      },
    );
    expectReached(accepted, 'the handler with the valid token');
  }, 300_000);
});
