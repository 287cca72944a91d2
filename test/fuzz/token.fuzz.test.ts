import fc from 'fast-check';
import { describe, it } from 'vitest';
import { createScfHandler } from '../../shared/http/scf.ts';
import { anything, events } from '../support/arbitraries.ts';
import { assertWellFormed, FUZZ_RUNS, fuzz, fuzzedTokenFunction } from '../support/fuzz.ts';

const PATHS = [
  '/token',
  '/introspect',
  '/revoke',
  '/.well-known/oauth-authorization-server',
  '/.well-known/jwks.json',
  '/.well-known/openid-configuration',
  '/userinfo',
];

describe('token function under random events', () => {
  it(`answers ${FUZZ_RUNS} generated events with well-formed responses and no secret`, async () => {
    const { app, secrets, credentials } = await fuzzedTokenFunction();
    const handler = createScfHandler(async () => app);
    await fuzz(
      fc.oneof({ weight: 9, arbitrary: events(PATHS, credentials) }, { weight: 1, arbitrary: anything }),
      async (event, logs) => {
        await assertWellFormed(handler, event, secrets, logs);
      },
    );
  }, 300_000);
});
