// The business function under random events: a well-formed integrated response for every one, never a
// 500 or an escaped exception, and the valid token accepted wherever it may come.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { createScfHandler } from '../../shared/http/scf.ts';
import { businessApp } from '../support/apps.ts';
import { anything, events } from '../support/arbitraries.ts';
import { testEnv } from '../support/fixtures.ts';
import {
  assertWellFormed,
  expectReached,
  FUZZ_RUNS,
  fuzz,
  presentedTokens,
  resourceTokens,
} from '../support/fuzz.ts';

describe('business function under random events', () => {
  it(`answers ${FUZZ_RUNS} generated events with well-formed responses`, async () => {
    const app = await businessApp(await testEnv());
    const handler = createScfHandler(async () => app);
    const { tokens: resource } = await resourceTokens();
    const tokens = [...resource, resource[0]!.split('.').slice(0, 2).join('.')];
    let accepted = 0;
    await fuzz(
      fc.oneof(
        { weight: 7, arbitrary: events(['/work'], tokens) },
        { weight: 2, arbitrary: presentedTokens(tokens, ['bearer', 'gateway', 'cookie']) },
        { weight: 1, arbitrary: anything },
      ),
      async (event, logs) => {
        const out = await assertWellFormed(handler, event, [], logs);
        if (out.statusCode === 200) accepted++;
      },
    );
    expectReached(accepted, '/work with the valid token');
  }, 300_000);
});
