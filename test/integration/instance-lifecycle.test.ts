// Closing the local gateway ends its function instances as SCF ends them: whether they run in the
// gateway's thread or in worker threads, no store connection they opened outlives them.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Isolation } from '../../infra/gateway/function-host.ts';
import { startTestGateway } from '../support/gateway.ts';
import { tokenRequest } from '../support/http-flow.ts';
import { type RedisServer, redisAvailable, startRedis } from '../support/redis.ts';

const hasRedis = redisAvailable();
const PROBE = 'lifecycle-probe';

describe.skipIf(!hasRedis)('ending instances releases what they opened', () => {
  let redis: RedisServer;
  let probe: Redis;

  /** Clients connected to Redis, other than this test's own. */
  async function otherClients(): Promise<number> {
    const list = (await probe.call('CLIENT', 'LIST')) as string;
    return list.split('\n').filter((line) => line.includes('addr=') && !line.includes(`name=${PROBE}`))
      .length;
  }

  beforeAll(async () => {
    redis = await startRedis();
    probe = new Redis(redis.url, { connectionName: PROBE });
  });
  afterAll(async () => {
    probe?.disconnect();
    await redis?.stop();
  });

  it.each<Isolation>(['inline', 'worker'])(
    'with functions %s: recycling and closing drop the store connections',
    async (isolation) => {
      const gw = await startTestGateway({ OAUTH_STORE: redis.url }, { isolation });
      try {
        const issued = await tokenRequest(gw.url, { grant_type: 'client_credentials' });
        expect(issued.status).toBe(200);
        const work = await fetch(`${gw.url}/work`, {
          headers: { authorization: `Bearer ${issued.body.access_token}` },
        });
        expect(work.status).toBe(200);
        await expect.poll(otherClients).toBeGreaterThan(0);

        // Recycled: the instances end, and the next requests start new ones, which connect again.
        await gw.recycle();
        await expect.poll(otherClients).toBe(0);
        const again = await tokenRequest(gw.url, { grant_type: 'client_credentials' });
        expect(again.status).toBe(200);
        const workAgain = await fetch(`${gw.url}/work`, {
          headers: { authorization: `Bearer ${again.body.access_token}` },
        });
        expect(workAgain.status).toBe(200);
        await expect.poll(otherClients).toBeGreaterThan(0);
      } finally {
        await gw.close();
      }
      await expect.poll(otherClients).toBe(0);
    },
  );
});
