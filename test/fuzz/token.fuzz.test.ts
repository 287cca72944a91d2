import fc from 'fast-check';
import { describe, it } from 'vitest';
import { createTokenApp } from '../../functions/token/app.ts';
import { loadTokenConfig } from '../../functions/token/config.ts';
import { createScfHandler } from '../../shared/http/scf.ts';
import { setLogSink } from '../../shared/log.ts';
import { anything, events } from '../support/arbitraries.ts';
import { basic, CONFIDENTIAL_SECRET, POST_SECRET, testEnv } from '../support/fixtures.ts';
import { assertWellFormed, FUZZ_RUNS } from '../support/fuzz.ts';

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
    const env = await testEnv();
    const config = await loadTokenConfig(env);
    const handler = createScfHandler(async () => createTokenApp(config));
    const secrets = [
      CONFIDENTIAL_SECRET,
      POST_SECRET,
      env.OAUTH_SECRET!,
      env.OAUTH_PRIVATE_KEY!.slice(100, 160),
    ];
    const logs: string[] = [];
    const restore = setLogSink((l) => logs.push(l));
    try {
      const credentials = [basic('confidential', CONFIDENTIAL_SECRET).slice('Basic '.length), 'abc.def.ghi'];
      await fc.assert(
        fc.asyncProperty(
          fc.oneof({ weight: 9, arbitrary: events(PATHS, credentials) }, { weight: 1, arbitrary: anything }),
          async (event) => {
            await assertWellFormed(handler, event, secrets, logs);
          },
        ),
        { numRuns: FUZZ_RUNS },
      );
    } finally {
      setLogSink(restore);
    }
  }, 300_000);
});
