// Negative catalogue: password guessing at the sign-in form. Failures are counted per username (known
// or not) and per caller address in the store, with both stores; past the limit the form answers 429
// even to the right password; with the store down sign-in fails closed.
import { describe, expect, it } from 'vitest';
import type { HttpResponse } from '../../shared/http/web.ts';
import { MemoryStore } from '../../shared/store/memory.ts';
import { type Store, StoreUnavailableError } from '../../shared/store/store.ts';
import { authorizeApp } from '../support/apps.ts';
import {
  FIXED_NOW,
  type Harness,
  makeHarness,
  postLogin,
  standardParams,
  wrap,
} from '../support/authorize-flow.ts';
import { TEST_USER } from '../support/fixtures.ts';
import { redisForFile } from '../support/redis.ts';

const redis = redisForFile();

/** A harness whose authorize function counts in `store`, under the harness clock. */
async function throttled(makeStore: (now: () => number) => Store, env: Record<string, string> = {}) {
  const h = await makeHarness(env);
  const now = () => h.clock.now;
  const store = makeStore(now);
  const app = await authorizeApp(h.env, { now, store });
  return { ...h, authorize: wrap(app) } as Harness;
}

const login = (h: Harness, username: string, password: string, ip = '198.51.100.7') =>
  postLogin(h, standardParams(), username, password, ip);

async function pageText(res: HttpResponse): Promise<string> {
  return res.text();
}

const stores = [
  { name: 'memory', available: true, make: (now: () => number) => new MemoryStore({ now }) as Store },
  { name: 'redis', available: redis.available, make: (now: () => number) => redis.store({ now }) as Store },
];

for (const kind of stores) {
  describe.skipIf(!kind.available)(`sign-in throttling (${kind.name} store)`, { timeout: 60_000 }, () => {
    it('after 5 failed sign-ins for a username, even the right password gets 429 until the window passes', async () => {
      const h = await throttled(kind.make);
      for (let i = 0; i < 5; i++) expect((await login(h, TEST_USER.username, `wrong-${i}`)).status).toBe(401);
      const blocked = await login(h, TEST_USER.username, TEST_USER.password);
      expect(blocked.status).toBe(429);
      expect(await pageText(blocked)).toContain('Too many failed sign-ins');
      // Another address does not lift it: the limit is the username's.
      expect((await login(h, TEST_USER.username, TEST_USER.password, '203.0.113.9')).status).toBe(429);
      if (kind.name === 'memory') {
        h.clock.now = FIXED_NOW + 901_000;
        expect((await login(h, TEST_USER.username, TEST_USER.password)).status).toBe(303);
      }
    });

    it('an unknown username is throttled exactly like a known one (no enumeration)', async () => {
      const h = await throttled(kind.make);
      const answers: number[] = [];
      for (let i = 0; i < 6; i++) answers.push((await login(h, 'nobody-here', `guess-${i}`)).status);
      expect(answers).toEqual([401, 401, 401, 401, 401, 429]);
    });

    it('one address trying many usernames meets the per-address ceiling', async () => {
      const h = await throttled(kind.make, { OAUTH_LOGIN_MAX_FAILURES_PER_IP: '3' });
      for (const name of ['u1', 'u2', 'u3']) expect((await login(h, name, 'x')).status).toBe(401);
      expect((await login(h, TEST_USER.username, TEST_USER.password)).status).toBe(429);
      // The person at another address is not locked out.
      expect((await login(h, TEST_USER.username, TEST_USER.password, '203.0.113.9')).status).toBe(303);
    });
  });
}

describe('sign-in with the store down', () => {
  it('fails closed: 503 and no session, even for the right password', async () => {
    const down = new MemoryStore();
    const fail = () => Promise.reject(new StoreUnavailableError('down'));
    Object.assign(down, { get: fail, increment: fail });
    const h = await throttled(() => down);
    const res = await login(h, TEST_USER.username, TEST_USER.password);
    expect(res.status).toBe(503);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(res.headers.get('retry-after')).toBe('5');
  });
});
