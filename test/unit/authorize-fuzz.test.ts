// Property tests: random input to /authorize and to the code and refresh grants yields a page, a
// redirect or an OAuth error — never a 500 or an unknown throw.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Harness, makeHarness, redeem, standardParams } from '../support/authorize-flow.ts';
import { ISSUER, testClients } from '../support/fixtures.ts';

let h: Harness;
beforeAll(async () => {
  h = await makeHarness();
});

const OAUTH_ERRORS = [
  'invalid_request',
  'invalid_grant',
  'invalid_scope',
  'unauthorized_client',
  'invalid_client',
];
const names = fc.constantFrom(
  ...Object.keys(standardParams()),
  'csrf_token',
  'decision',
  'username',
  'password',
  '__proto__',
  'x',
);
const values = fc.oneof(
  fc.string(),
  fc.constantFrom(...Object.values(standardParams()), 'allow', 'deny', '%', '%E0%A4%A'),
);
const pairs = fc.array(fc.tuple(names, values), { maxLength: 12 });
const rawQuery = fc.oneof(
  pairs.map((ps) => ps.map(([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`).join('&')),
  fc.string(),
);

describe('/authorize under random input', () => {
  it('answers a page or a redirect to a registered URI, never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(rawQuery, fc.boolean(), async (query, post) => {
        const req = post
          ? new Request(`${ISSUER}/authorize`, {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: query,
            })
          : new Request(`${ISSUER}/authorize?${query.replace(/#/g, '%23')}`);
        const res = await h.authorize(req);
        expect(res.status).toBeLessThan(500);
        const location = res.headers.get('location');
        if (location && !location.startsWith('/authorize?')) {
          expect(testClients.flatMap((c) => c.redirect_uris ?? [])).toContain(
            `${new URL(location).origin}${new URL(location).pathname}`,
          );
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('the code and refresh grants under random input', () => {
  it('answer an OAuth error, never a 500', async () => {
    const fields = fc.record(
      {
        grant_type: fc.constantFrom('authorization_code', 'refresh_token'),
        code: fc.oneof(fc.string(), fc.constant('eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..a.b.c')),
        refresh_token: fc.string(),
        redirect_uri: fc.string(),
        code_verifier: fc.string(),
        scope: fc.string(),
      },
      { requiredKeys: ['grant_type'] },
    );
    await fc.assert(
      fc.asyncProperty(fields, async (f) => {
        const res = await redeem(h, f as Record<string, string>);
        const body = (await res.json()) as { error?: string };
        expect(res.status).toBeLessThan(500);
        expect(OAUTH_ERRORS).toContain(body.error);
      }),
      { numRuns: 150 },
    );
  });
});
