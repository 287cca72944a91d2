// The store contract, run against both implementations, and what the token endpoint does when Redis
// is unreachable: 503 temporarily_unavailable for the grants that need it, client_credentials unaffected,
// recovery without a restart.
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../infra/net.ts';
import type { HttpResponse } from '../../shared/http/web.ts';
import { MemoryStore } from '../../shared/store/memory.ts';
import { openStore } from '../../shared/store/open.ts';
import type { RedisStore } from '../../shared/store/redis.ts';
import { type Store, StoreUnavailableError, storeKey } from '../../shared/store/store.ts';
import {
  bodyOf,
  CONFIDENTIAL_REDIRECT,
  makeHarness,
  redeem,
  runAuthorization,
  standardParams,
  VERIFIER,
} from '../support/authorize-flow.ts';
import { redisForFile, startRedis } from '../support/redis.ts';

const T0 = 1_800_000_000;
const redis = redisForFile();
const hasRedis = redis.available;

function redisStore(now: () => number, url = redis.url(), connectTimeoutMs = 300): RedisStore {
  return redis.store({ url, now, connectTimeoutMs, commandTimeoutMs: 300 });
}

const kinds = [
  { name: 'memory', make: (now: () => number) => new MemoryStore({ now }) as Store },
  { name: 'redis', make: (now: () => number) => redisStore(now) as Store },
];

for (const kind of kinds) {
  describe.skipIf(kind.name === 'redis' && !hasRedis)(`the ${kind.name} store`, () => {
    const clock = { now: T0 * 1000 };
    let store: Store;
    beforeAll(() => {
      store = kind.make(() => clock.now);
    });

    it('consumeOnce is true the first time only', async () => {
      const key = storeKey('code', randomBytes(8).toString('hex'));
      expect(await store.consumeOnce(key, T0 + 60)).toBe(true);
      expect(await store.consumeOnce(key, T0 + 60)).toBe(false);
    });

    it('consumeOnce is atomic under concurrency', async () => {
      const key = storeKey('refresh', randomBytes(8).toString('hex'));
      const results = await Promise.all(Array.from({ length: 50 }, () => store.consumeOnce(key, T0 + 60)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('put and get keep a value', async () => {
      const key = storeKey('assertion', randomBytes(8).toString('hex'));
      expect(await store.get(key)).toBeUndefined();
      await store.put(key, 'value', T0 + 60);
      expect(await store.get(key)).toBe('value');
    });

    it('revoke and isRevoked, by family or by access-token jti', async () => {
      const family = storeKey('family', randomBytes(8).toString('hex'));
      const jti = storeKey('access', randomBytes(8).toString('hex'));
      expect(await store.isRevoked(family)).toBe(false);
      await store.revoke(family, T0 + 600);
      await store.revoke(jti, T0 + 60);
      expect(await store.isRevoked(family)).toBe(true);
      expect(await store.isRevoked(jti)).toBe(true);
      // A shorter second revocation never shortens the first.
      await store.revoke(family, T0 + 1);
      expect(await store.isRevoked(family)).toBe(true);
    });

    it('anyRecorded asks about revoked ids and stored keys together', async () => {
      const family = storeKey('family', randomBytes(8).toString('hex'));
      const jti = storeKey('access', randomBytes(8).toString('hex'));
      const key = storeKey('disabled', randomBytes(8).toString('hex'));
      expect(await store.anyRecorded({})).toBe(false);
      expect(await store.anyRecorded({ revoked: [family, jti], keys: [key] })).toBe(false);
      // A revoked id is not a stored key, nor a stored key a revoked id.
      await store.put(family, 'value', T0 + 60);
      await store.revoke(key, T0 + 60);
      expect(await store.anyRecorded({ revoked: [family, jti], keys: [key] })).toBe(false);
      await store.revoke(jti, T0 + 60);
      expect(await store.anyRecorded({ revoked: [family, jti] })).toBe(true);
      expect(await store.anyRecorded({ revoked: [family], keys: [key] })).toBe(false);
      await store.put(key, 'value', T0 + 60);
      expect(await store.anyRecorded({ revoked: [family], keys: [key] })).toBe(true);
      expect(await store.anyRecorded({ keys: [key] })).toBe(true);
    });

    it('increment counts atomically in a window its first increment fixes', async () => {
      const key = storeKey('throttle', randomBytes(8).toString('hex'));
      const counts = await Promise.all(Array.from({ length: 20 }, () => store.increment(key, T0 + 60)));
      expect(counts.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(await store.increment(key, T0 + 6000)).toBe(21);
    });

    it('keys lists one namespace, glob characters in it taken literally; delete forgets a key', async () => {
      const tag = randomBytes(6).toString('hex');
      await store.put(storeKey('client', `${tag}*a`), '1', T0 + 60);
      await store.put(storeKey('client', `${tag}?b`), '2', T0 + 60);
      await store.put(storeKey('client', `${tag}x[c]`), '3', T0 + 60);
      await store.put(storeKey('user', `${tag}*a`), '4', T0 + 60);
      expect((await store.keys(storeKey('client', `${tag}*`))).sort()).toEqual([
        storeKey('client', `${tag}*a`),
      ]);
      expect((await store.keys(storeKey('client', tag))).sort()).toEqual(
        [`${tag}*a`, `${tag}?b`, `${tag}x[c]`].map((id) => storeKey('client', id)).sort(),
      );
      await store.delete(storeKey('client', `${tag}?b`));
      expect(await store.get(storeKey('client', `${tag}?b`))).toBeUndefined();
      expect(await store.keys(storeKey('client', tag))).toHaveLength(2);
    });
  });
}

describe('the memory store', () => {
  it('forgets records after their expiry', async () => {
    const clock = { now: T0 * 1000 };
    const store = new MemoryStore({ now: () => clock.now });
    await store.consumeOnce('code:a', T0 + 60);
    await store.revoke('family:a', T0 + 60);
    clock.now += 61_000;
    expect(await store.consumeOnce('code:a', T0 + 120)).toBe(true);
    expect(await store.isRevoked('family:a')).toBe(false);
  });
});

describe('openStore', () => {
  it('chooses by OAUTH_STORE', async () => {
    expect(openStore('memory')).toBeInstanceOf(MemoryStore);
    // The Redis store loads on demand (it is a file of its own in the bundle): tell it by behaviour.
    const r = openStore('redis://127.0.0.1:1');
    expect(r).not.toBeInstanceOf(MemoryStore);
    await expect(r.consumeOnce('k', 1)).rejects.toBeInstanceOf(StoreUnavailableError);
    await r.close();
    expect(() => openStore('mongodb://x')).toThrow(TypeError);
  });
});

describe.skipIf(!hasRedis)('an unreachable Redis', () => {
  it('fails fast with StoreUnavailableError', async () => {
    const port = await freePort();
    const store = redisStore(Date.now, `redis://127.0.0.1:${port}`);
    await expect(store.consumeOnce('code:x', Math.floor(Date.now() / 1000) + 60)).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
  });

  it('makes the code and refresh grants answer 503 temporarily_unavailable, issuing nothing; client_credentials keeps working', async () => {
    const port = await freePort();
    const h = await makeHarness({}, (now) => redisStore(now, `redis://127.0.0.1:${port}`));
    const location = await runAuthorization(h, standardParams());
    const res = await redeem(h, {
      grant_type: 'authorization_code',
      code: location.searchParams.get('code')!,
      redirect_uri: CONFIDENTIAL_REDIRECT,
      code_verifier: VERIFIER,
    });
    const body = await bodyOf(res);
    expect({ status: res.status, error: body.error }).toEqual({
      status: 503,
      error: 'temporarily_unavailable',
    });
    expect(body.access_token).toBeUndefined();
    const refresh = await redeem(h, { grant_type: 'refresh_token', refresh_token: 'anything' });
    // A token that does not open is refused before the store is asked.
    expect((await bodyOf(refresh)).error).toBe('invalid_grant');
    const cc = await redeem(h, { grant_type: 'client_credentials' });
    expect(cc.status).toBe(200);
  });

  it('recovers on its own when Redis comes back, without a restart, refusing what it can no longer vouch for', async () => {
    const server = await startRedis();
    try {
      const h = await makeHarness({}, (now) => redisStore(now, server.url));
      const first = await bodyOf(
        await redeem(h, {
          grant_type: 'authorization_code',
          code: (await runAuthorization(h, standardParams())).searchParams.get('code')!,
          redirect_uri: CONFIDENTIAL_REDIRECT,
          code_verifier: VERIFIER,
        }),
      );
      expect(first.refresh_token).toBeTruthy();
      await server.pause();
      const during = await redeem(h, {
        grant_type: 'refresh_token',
        refresh_token: first.refresh_token as string,
      });
      expect({ status: during.status, error: (await bodyOf(during)).error }).toEqual({
        status: 503,
        error: 'temporarily_unavailable',
      });
      await server.start();
      h.clock.now += 5_000;
      // The restarted Redis is empty: whether that refresh token was rotated before the outage is
      // lost, so it is refused (a second redemption is never possible) ...
      let after: HttpResponse | undefined;
      for (let i = 0; i < 40; i++) {
        after = await redeem(h, {
          grant_type: 'refresh_token',
          refresh_token: first.refresh_token as string,
        });
        if (after.status !== 503) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect({ status: after!.status, error: (await bodyOf(after!)).error }).toEqual({
        status: 400,
        error: 'invalid_grant',
      });
      // ... and a new authorization works end to end, with no restart of the function.
      const again = await redeem(h, {
        grant_type: 'authorization_code',
        code: (await runAuthorization(h, standardParams())).searchParams.get('code')!,
        redirect_uri: CONFIDENTIAL_REDIRECT,
        code_verifier: VERIFIER,
      });
      expect(again.status).toBe(200);
      const rotated = await redeem(h, {
        grant_type: 'refresh_token',
        refresh_token: (await bodyOf(again)).refresh_token as string,
      });
      expect(rotated.status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});
