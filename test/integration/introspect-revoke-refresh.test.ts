// Refresh tokens at /introspect and /revoke (RFC 7662, RFC 7009), with the memory and Redis stores.
import { beforeAll, describe, expect, it } from 'vitest';
import { Registry } from '../../shared/registry.ts';
import { MemoryStore } from '../../shared/store/memory.ts';
import type { Store } from '../../shared/store/store.ts';
import { businessApp } from '../support/apps.ts';
import {
  bodyOf,
  CONFIDENTIAL_REDIRECT,
  ctx,
  type Harness,
  makeHarness,
  redeem,
  runAuthorization,
  standardParams,
  VERIFIER,
} from '../support/authorize-flow.ts';
import { basic, CONFIDENTIAL_SECRET, form, ISSUER, POST_SECRET, TEST_USER } from '../support/fixtures.ts';
import { redisForFile } from '../support/redis.ts';

const redis = redisForFile();
const hasRedis = redis.available;

const kinds: { name: string; make: (now: () => number) => Store }[] = [
  { name: 'memory store', make: (now) => new MemoryStore({ now }) },
  {
    name: 'Redis store',
    make: (now) => redis.store({ now }),
  },
];

const confidential = { authorization: basic('confidential', CONFIDENTIAL_SECRET) };

for (const kind of kinds) {
  describe.skipIf(kind.name === 'Redis store' && !hasRedis)(`refresh tokens, ${kind.name}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await makeHarness({}, kind.make);
    });

    async function tokens(): Promise<{ access_token: string; refresh_token: string }> {
      const location = await runAuthorization(h, standardParams());
      const res = await redeem(h, {
        grant_type: 'authorization_code',
        code: location.searchParams.get('code')!,
        redirect_uri: CONFIDENTIAL_REDIRECT,
        code_verifier: VERIFIER,
      });
      expect(res.status).toBe(200);
      return (await bodyOf(res)) as { access_token: string; refresh_token: string };
    }

    const refresh = (token: string) => redeem(h, { grant_type: 'refresh_token', refresh_token: token });
    const introspect = async (
      body: Record<string, string>,
      headers: Record<string, string> = confidential,
    ) => {
      const res = await h.token(form(body, headers, `${ISSUER}/introspect`));
      return { status: res.status, body: await bodyOf(res) };
    };
    const revoke = async (body: Record<string, string>, headers: Record<string, string> = confidential) => {
      const res = await h.token(form(body, headers, `${ISSUER}/revoke`));
      return { status: res.status, body: res.status === 200 ? undefined : await bodyOf(res) };
    };

    it('introspection describes a live refresh token to the client it was issued to', async () => {
      const { refresh_token } = await tokens();
      const iat = Math.floor(h.clock.now / 1000);
      expect((await introspect({ token: refresh_token, token_type_hint: 'refresh_token' })).body).toEqual({
        active: true,
        scope: 'read',
        client_id: 'confidential',
        sub: 'user-alice',
        exp: expect.any(Number),
        iat,
        iss: ISSUER,
      });
    });

    it('and reports it inactive to any other client', async () => {
      const { refresh_token } = await tokens();
      const other = await introspect(
        { token: refresh_token, client_id: 'poster', client_secret: POST_SECRET },
        {},
      );
      expect(other).toEqual({ status: 200, body: { active: false } });
    });

    it('a rotated refresh token is inactive; its successor is live', async () => {
      const { refresh_token } = await tokens();
      const next = (await bodyOf(await refresh(refresh_token))).refresh_token as string;
      expect((await introspect({ token: refresh_token })).body).toEqual({ active: false });
      expect((await introspect({ token: next })).body.active).toBe(true);
    });

    it('revoking a refresh token revokes its family: every member is inactive and refused', async () => {
      const { refresh_token } = await tokens();
      const next = (await bodyOf(await refresh(refresh_token))).refresh_token as string;
      // The revoked token is the rotated (first) one: its successor goes with it.
      expect(await revoke({ token: refresh_token, token_type_hint: 'refresh_token' })).toEqual({
        status: 200,
        body: undefined,
      });
      expect((await introspect({ token: next })).body).toEqual({ active: false });
      const again = await refresh(next);
      expect({ status: again.status, error: (await bodyOf(again)).error }).toEqual({
        status: 400,
        error: 'invalid_grant',
      });
    });

    it('revoking the current refresh token stops the grant', async () => {
      const { refresh_token } = await tokens();
      expect((await revoke({ token: refresh_token })).status).toBe(200);
      expect((await refresh(refresh_token)).status).toBe(400);
    });

    it('revoking the refresh token revokes the access tokens of its grant too (RFC 7009 §2.1)', async () => {
      const { access_token, refresh_token } = await tokens();
      const later = (await bodyOf(await refresh(refresh_token))) as { access_token: string };
      const business = await businessApp(
        { ...h.env, OAUTH_STORE: 'redis://127.0.0.1:1' },
        { now: () => h.clock.now, store: h.store },
      );
      const work = async (token: string) =>
        (
          await business(
            new Request(`${ISSUER}/work`, { headers: { authorization: `Bearer ${token}` } }),
            ctx(),
          )
        ).status;
      expect(await work(later.access_token)).toBe(200);
      expect((await revoke({ token: refresh_token })).status).toBe(200);
      for (const token of [access_token, later.access_token]) {
        expect((await introspect({ token })).body).toEqual({ active: false });
        expect(await work(token).catch((e: { status?: number }) => e.status)).toBe(401);
      }
    });

    it('a replayed code revokes the access token of the first redemption', async () => {
      const location = await runAuthorization(h, standardParams());
      const fields = {
        grant_type: 'authorization_code',
        code: location.searchParams.get('code')!,
        redirect_uri: CONFIDENTIAL_REDIRECT,
        code_verifier: VERIFIER,
      };
      const { access_token } = (await bodyOf(await redeem(h, fields))) as { access_token: string };
      expect((await introspect({ token: access_token })).body.active).toBe(true);
      expect((await redeem(h, fields)).status).toBe(400);
      expect((await introspect({ token: access_token })).body).toEqual({ active: false });
    });

    it('another client may not revoke it: 200 as for any invalid token, and it stays live', async () => {
      const { refresh_token } = await tokens();
      const r = await revoke({ token: refresh_token, client_id: 'poster', client_secret: POST_SECRET }, {});
      expect(r.status).toBe(200);
      expect((await introspect({ token: refresh_token })).body.active).toBe(true);
    });

    it('a refresh token whose user was disabled is inactive, as the refresh grant refuses it', async () => {
      // A store of its own: the user stays disabled there.
      const own = await makeHarness({}, kind.make);
      const location = await runAuthorization(own, standardParams());
      const { refresh_token } = (await bodyOf(
        await redeem(own, {
          grant_type: 'authorization_code',
          code: location.searchParams.get('code')!,
          redirect_uri: CONFIDENTIAL_REDIRECT,
          code_verifier: VERIFIER,
        }),
      )) as { refresh_token: string };
      const active = async () =>
        (await bodyOf(await own.token(form({ token: refresh_token }, confidential, `${ISSUER}/introspect`))))
          .active;
      expect(await active()).toBe(true);
      await new Registry(own.store, () => own.clock.now).disableUser({
        username: TEST_USER.username,
        password_hash: 'unused',
        sub: TEST_USER.sub,
      });
      expect(await active()).toBe(false);
      const refused = await redeem(own, { grant_type: 'refresh_token', refresh_token });
      expect({ status: refused.status, error: (await bodyOf(refused)).error }).toEqual({
        status: 400,
        error: 'invalid_grant',
      });
      await own.store.close();
    });

    it('an expired refresh token is inactive and its revocation answers 200', async () => {
      const { refresh_token } = await tokens();
      const saved = h.clock.now;
      h.clock.now += 15 * 86_400_000;
      expect((await introspect({ token: refresh_token })).body).toEqual({ active: false });
      expect((await revoke({ token: refresh_token })).status).toBe(200);
      h.clock.now = saved;
    });
  });
}
