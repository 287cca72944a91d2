// oauth-requirements.md, "Authorization codes" (one test per line, named after it), the refresh-token
// lines of "Token endpoint", and concurrent redemption — each with the memory store and with Redis.
import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { loadAuthorizeConfig } from '../../functions/authorize/config.ts';
import type { HttpResponse } from '../../shared/http/web.ts';
import { MemoryStore } from '../../shared/store/memory.ts';
import type { Store } from '../../shared/store/store.ts';
import { tokenApp } from '../support/apps.ts';
import {
  bodyOf,
  CONFIDENTIAL_REDIRECT,
  type Harness,
  makeHarness,
  PUBLIC_REDIRECT,
  redeem,
  runAuthorization,
  standardParams,
  VERIFIER,
  wrap,
} from '../support/authorize-flow.ts';
import { basic, CONFIDENTIAL_SECRET, TEST_USER } from '../support/fixtures.ts';
import { redisForFile } from '../support/redis.ts';

const OTHER_VERIFIER = 'other-verifier-0123456789-0123456789-0123456789';

interface StoreKind {
  name: string;
  make(now: () => number): Store;
}

const redis = redisForFile();
const hasRedis = redis.available;

/** The code redeemed by another client, the public one, with everything else right. */
function redeemAsPublicApp(h: Harness, code: string): Promise<HttpResponse> {
  return redeem(
    h,
    {
      grant_type: 'authorization_code',
      code,
      client_id: 'public-app',
      redirect_uri: CONFIDENTIAL_REDIRECT,
      code_verifier: VERIFIER,
    },
    false,
  );
}

const kinds: StoreKind[] = [
  { name: 'memory store', make: (now) => new MemoryStore({ now }) },
  {
    name: 'Redis store',
    make: (now) => redis.store({ now }),
  },
];

for (const kind of kinds) {
  describe.skipIf(kind.name === 'Redis store' && !hasRedis)(`with the ${kind.name}`, () => {
    async function harness(overrides: Record<string, string> = {}): Promise<Harness> {
      // One clock for the apps and the store.
      return makeHarness(overrides, kind.make);
    }

    async function codeFor(h: Harness, extra: Record<string, string> = {}): Promise<string> {
      const location = await runAuthorization(h, standardParams(extra));
      return location.searchParams.get('code')!;
    }

    const exchange = (h: Harness, code: string, extra: Record<string, string> = {}) =>
      redeem(h, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: CONFIDENTIAL_REDIRECT,
        code_verifier: VERIFIER,
        ...extra,
      });

    const refresh = (h: Harness, token: string, extra: Record<string, string> = {}) =>
      redeem(h, { grant_type: 'refresh_token', refresh_token: token, ...extra });

    async function expectError(res: HttpResponse, error: string, status = 400) {
      expect({ status: res.status, error: (await bodyOf(res)).error }).toEqual({ status, error });
    }

    describe('Authorization codes', () => {
      describe('Short life (60 s default, never over 10 minutes), one use only', () => {
        it('a code redeemed within 60 s works', async () => {
          const h = await harness();
          const code = await codeFor(h);
          h.clock.now += 59_000;
          expect((await exchange(h, code)).status).toBe(200);
        });

        it('a code is refused after 60 s (invalid_grant)', async () => {
          const h = await harness();
          const code = await codeFor(h);
          h.clock.now += 61_000;
          await expectError(await exchange(h, code), 'invalid_grant');
        });

        it('OAUTH_CODE_TTL over 600 seconds is a configuration error', async () => {
          const h = await harness();
          await expect(loadAuthorizeConfig({ ...h.env, OAUTH_CODE_TTL: '601' })).rejects.toThrow(
            /OAUTH_CODE_TTL must be an integer 10–600/,
          );
          expect((await loadAuthorizeConfig({ ...h.env, OAUTH_CODE_TTL: '600' })).codeTtl).toBe(600);
        });

        it('a code works once only', async () => {
          const h = await harness();
          const code = await codeFor(h);
          expect((await exchange(h, code)).status).toBe(200);
          await expectError(await exchange(h, code), 'invalid_grant');
        });
      });

      describe('Bound to client_id, redirect_uri, code_challenge, scope, subject', () => {
        it('another client cannot redeem it', async () => {
          const h = await harness();
          const code = await codeFor(h);
          const res = await redeemAsPublicApp(h, code);
          await expectError(res, 'invalid_grant');
        });

        it('a different redirect_uri is refused, and a missing one when it was sent', async () => {
          const h = await harness();
          const code = await codeFor(h);
          await expectError(
            await exchange(h, code, { redirect_uri: 'https://client.example/other' }),
            'invalid_grant',
          );
          const { redirect_uri: _omit, ...noRedirect } = {
            grant_type: 'authorization_code',
            code,
            redirect_uri: '',
            code_verifier: VERIFIER,
          };
          await expectError(await redeem(h, noRedirect), 'invalid_request');
        });

        it('a verifier that does not match the challenge is refused', async () => {
          const h = await harness();
          const code = await codeFor(h);
          await expectError(await exchange(h, code, { code_verifier: OTHER_VERIFIER }), 'invalid_grant');
        });

        it('the tokens carry the code’s scope and subject', async () => {
          const h = await harness();
          const code = await codeFor(h, { scope: 'write' });
          const body = await bodyOf(await exchange(h, code));
          expect(body.scope).toBe('write');
          expect(decodeJwt(body.access_token as string)).toMatchObject({
            sub: TEST_USER.sub,
            scope: 'write',
            client_id: 'confidential',
          });
        });

        it('a tampered or forged code is refused', async () => {
          const h = await harness();
          const code = await codeFor(h);
          const parts = code.split('.');
          const tag = parts[4]!;
          parts[4] = `${tag.slice(0, -2)}${tag.endsWith('AA') ? 'BA' : 'AA'}`;
          await expectError(await exchange(h, parts.join('.')), 'invalid_grant');
          await expectError(await exchange(h, 'not-a-code'), 'invalid_grant');
        });

        it('a code sealed with another OAUTH_SECRET is refused', async () => {
          const h = await harness();
          const other = await harness();
          const code = await codeFor(other);
          await expectError(await exchange(h, code), 'invalid_grant');
        });
      });

      describe('A second valid redemption is refused (invalid_grant) and revokes the refresh-token family; an invalid replay revokes nothing', () => {
        it('a second valid redemption is refused and revokes the refresh token issued from the first', async () => {
          const h = await harness();
          const code = await codeFor(h);
          const first = await bodyOf(await exchange(h, code));
          await expectError(await exchange(h, code), 'invalid_grant');
          await expectError(await refresh(h, first.refresh_token as string), 'invalid_grant');
        });

        it('an invalid replay (wrong verifier, wrong client) revokes nothing', async () => {
          const h = await harness();
          const code = await codeFor(h);
          const first = await bodyOf(await exchange(h, code));
          await expectError(await exchange(h, code, { code_verifier: OTHER_VERIFIER }), 'invalid_grant');
          await expectError(await redeemAsPublicApp(h, code), 'invalid_grant');
          expect((await refresh(h, first.refresh_token as string)).status).toBe(200);
        });

        it('an invalid attempt does not use the code up', async () => {
          const h = await harness();
          const code = await codeFor(h);
          await expectError(await exchange(h, code, { code_verifier: OTHER_VERIFIER }), 'invalid_grant');
          expect((await exchange(h, code)).status).toBe(200);
        });
      });

      describe('A code_verifier without a challenge is refused (PKCE downgrade); a missing verifier when there was one is refused', () => {
        it('refuses a code_verifier when the authorization request had no challenge', async () => {
          const h = await harness({ OAUTH_REQUIRE_PKCE: 'false' });
          const code = await codeFor(h, { code_challenge: '', code_challenge_method: '' });
          await expectError(await exchange(h, code), 'invalid_grant');
          const { code_verifier: _omit, ...noVerifier } = {
            grant_type: 'authorization_code',
            code,
            redirect_uri: CONFIDENTIAL_REDIRECT,
            code_verifier: '',
          };
          expect((await redeem(h, noVerifier)).status).toBe(200);
        });

        it('refuses a missing code_verifier when there was a challenge', async () => {
          const h = await harness();
          const code = await codeFor(h);
          await expectError(
            await redeem(h, { grant_type: 'authorization_code', code, redirect_uri: CONFIDENTIAL_REDIRECT }),
            'invalid_grant',
          );
        });
      });
    });

    describe('Refresh tokens', () => {
      async function tokens(h: Harness) {
        return bodyOf(await exchange(h, await codeFor(h, { scope: 'read write' })));
      }

      it('are rotated on every use', async () => {
        const h = await harness();
        const first = await tokens(h);
        const second = await bodyOf(await refresh(h, first.refresh_token as string));
        expect(second.refresh_token).toBeTruthy();
        expect(second.refresh_token).not.toBe(first.refresh_token);
        const third = await bodyOf(await refresh(h, second.refresh_token as string));
        expect(third.access_token).toBeTruthy();
      });

      it('reuse of a rotated token revokes the whole family', async () => {
        const h = await harness();
        const first = await tokens(h);
        const second = await bodyOf(await refresh(h, first.refresh_token as string));
        await expectError(await refresh(h, first.refresh_token as string), 'invalid_grant');
        await expectError(await refresh(h, second.refresh_token as string), 'invalid_grant');
      });

      it('a refreshed grant can narrow its scope, never widen it', async () => {
        const h = await harness();
        const first = await bodyOf(await exchange(h, await codeFor(h, { scope: 'read' })));
        await expectError(
          await refresh(h, first.refresh_token as string, { scope: 'read write' }),
          'invalid_scope',
        );
        const wide = await tokens(h);
        const narrowed = await bodyOf(await refresh(h, wide.refresh_token as string, { scope: 'read' }));
        expect(narrowed.scope).toBe('read');
        const again = await bodyOf(await refresh(h, narrowed.refresh_token as string));
        expect(again.scope).toBe('read write');
      });

      it('another client cannot use it, and its attempt revokes nothing', async () => {
        const h = await harness();
        const first = await tokens(h);
        const res = await redeem(
          h,
          {
            grant_type: 'refresh_token',
            refresh_token: first.refresh_token as string,
            client_id: 'public-app',
          },
          false,
        );
        await expectError(res, 'invalid_grant');
        expect((await refresh(h, first.refresh_token as string)).status).toBe(200);
      });

      it('public clients use PKCE and get rotating refresh tokens', async () => {
        const h = await harness();
        const location = await runAuthorization(
          h,
          standardParams({ client_id: 'public-app', redirect_uri: PUBLIC_REDIRECT }),
        );
        const res = await redeem(
          h,
          {
            grant_type: 'authorization_code',
            client_id: 'public-app',
            code: location.searchParams.get('code')!,
            redirect_uri: PUBLIC_REDIRECT,
            code_verifier: VERIFIER,
          },
          false,
        );
        const body = await bodyOf(res);
        expect(res.status).toBe(200);
        const next = await bodyOf(
          await redeem(
            h,
            {
              grant_type: 'refresh_token',
              client_id: 'public-app',
              refresh_token: body.refresh_token as string,
            },
            false,
          ),
        );
        expect(next.refresh_token).not.toBe(body.refresh_token);
      });

      it('expire with their family', async () => {
        const h = await harness({ OAUTH_REFRESH_TOKEN_TTL: '3600' });
        const first = await tokens(h);
        h.clock.now += 1800_000;
        const second = await bodyOf(await refresh(h, first.refresh_token as string));
        h.clock.now += 1801_000;
        await expectError(await refresh(h, second.refresh_token as string), 'invalid_grant');
      });
    });

    describe('Concurrent redemption of one code or one refresh token: exactly one wins', () => {
      it('25 concurrent redemptions of one code give exactly one success', async () => {
        const h = await harness();
        const code = await codeFor(h);
        const results = await Promise.all(Array.from({ length: 25 }, () => exchange(h, code)));
        const statuses = results.map((r) => r.status);
        expect(statuses.filter((s) => s === 200)).toHaveLength(1);
        expect(statuses.filter((s) => s === 400)).toHaveLength(24);
      });

      it('25 concurrent redemptions of one refresh token give exactly one success', async () => {
        const h = await harness();
        const first = await bodyOf(await exchange(h, await codeFor(h)));
        const results = await Promise.all(
          Array.from({ length: 25 }, () => refresh(h, first.refresh_token as string)),
        );
        const statuses = results.map((r) => r.status);
        expect(statuses.filter((s) => s === 200)).toHaveLength(1);
        expect(statuses.filter((s) => s === 400)).toHaveLength(24);
      });
    });
  });
}

describe.skipIf(!hasRedis)('several function instances sharing one Redis', () => {
  it('25 concurrent redemptions of one code, and of one refresh token, spread over five instances: exactly one wins', async () => {
    const prefix = `i${randomBytes(4).toString('hex')}:`;
    const connect = (now: () => number) => redis.store({ now, keyPrefix: prefix });
    const h = await makeHarness({}, connect);
    const now = () => h.clock.now;
    const instances = await Promise.all(
      Array.from({ length: 5 }, async () => wrap(await tokenApp(h.env, { now, store: connect(now) }))),
    );
    const post = (i: number, fields: Record<string, string>) =>
      instances[i % instances.length]!(
        new Request(`${h.env.OAUTH_ISSUER}/token`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: basic('confidential', CONFIDENTIAL_SECRET),
          },
          body: new URLSearchParams(fields).toString(),
        }),
      );

    const location = await runAuthorization(h, standardParams());
    const code = location.searchParams.get('code')!;
    const codeResults = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        post(i, {
          grant_type: 'authorization_code',
          code,
          redirect_uri: CONFIDENTIAL_REDIRECT,
          code_verifier: VERIFIER,
        }),
      ),
    );
    const winners = codeResults.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);

    // A fresh grant, so the refresh race is not affected by the code replays above.
    const second = await runAuthorization(h, standardParams());
    const tokens = await bodyOf(
      await post(0, {
        grant_type: 'authorization_code',
        code: second.searchParams.get('code')!,
        redirect_uri: CONFIDENTIAL_REDIRECT,
        code_verifier: VERIFIER,
      }),
    );
    const refreshResults = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        post(i, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string }),
      ),
    );
    expect(refreshResults.filter((r) => r.status === 200)).toHaveLength(1);
  });
});
