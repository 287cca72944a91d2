import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createScfHandler } from '../../shared/http/scf.ts';
import { authorizeApp } from '../support/apps.ts';
import { anything, events } from '../support/arbitraries.ts';
import { standardParams } from '../support/authorize-flow.ts';
import { TEST_USER, testClients, testEnv } from '../support/fixtures.ts';
import { assertWellFormed, expectReached, FUZZ_RUNS, fuzz } from '../support/fuzz.ts';

const REGISTERED = testClients.flatMap((c) => c.redirect_uris ?? []);

// Authorization requests whose parameters are drawn from valid values, near misses and noise.
const authorizeParams = fc.dictionary(
  fc.constantFrom(
    ...Object.keys(standardParams()),
    'csrf_token',
    'decision',
    'username',
    'password',
    'prompt',
  ),
  fc.oneof(
    fc.constantFrom(
      ...Object.values(standardParams()),
      ...REGISTERED,
      'public-app',
      'code-only',
      'token',
      'plain',
      'allow',
      'deny',
      'javascript:alert(1)',
      'https://evil.example/cb',
      'http://127.0.0.1:9/cb',
    ),
    fc.string({ unit: 'binary', maxLength: 40 }),
  ),
  { maxKeys: 9 },
);

describe('authorize function under random events', () => {
  it(`answers ${FUZZ_RUNS} generated events with a page or a redirect to a registered URI`, async () => {
    const env = await testEnv();
    const app = await authorizeApp(env);
    const handler = createScfHandler(async () => app);
    const secrets = [env.OAUTH_SECRET!, TEST_USER.password];
    let redirects = 0;
    const generated = fc.oneof(
      { weight: 5, arbitrary: events(['/authorize', '/logout'], ['a.b.c']) },
      {
        weight: 4,
        arbitrary: fc.tuple(authorizeParams, fc.boolean(), fc.boolean()).map(([params, post, b64]) => {
          const query = new URLSearchParams(params).toString();
          return post
            ? {
                httpMethod: 'POST',
                path: '/authorize',
                headers: { 'content-type': 'application/x-www-form-urlencoded', host: 'auth.example' },
                body: b64 ? Buffer.from(query).toString('base64') : query,
                isBase64Encoded: b64,
              }
            : {
                httpMethod: 'GET',
                path: '/authorize',
                headers: { host: 'auth.example' },
                queryString: params,
              };
        }),
      },
      { weight: 1, arbitrary: anything },
    );
    await fuzz(generated, async (event, logs) => {
      const out = await assertWellFormed(handler, event, secrets, logs);
      const location = out.headers.location;
      if (location && !location.startsWith('/authorize')) {
        // No open redirector: a redirect goes only to a registered URI (a loopback port may vary).
        const url = new URL(location);
        const base = `${url.protocol}//${url.hostname}${url.pathname}`;
        const registered = REGISTERED.map((u) => {
          const r = new URL(u);
          return `${r.protocol}//${r.hostname}${r.pathname}`;
        });
        expect(registered).toContain(base);
        redirects++;
      }
    });
    expectReached(redirects, 'a redirect');
  }, 300_000);
});
