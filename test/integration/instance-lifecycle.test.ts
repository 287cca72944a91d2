// Ending the local gateway's function instances (recycling them, or closing the gateway) releases
// what they opened, as SCF ending an instance does: whether they run in the gateway's thread or in
// worker threads, no store connection outlives them.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Isolation } from '../../infra/gateway/function-host.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { tokenRequest } from '../support/http-flow.ts';
import { redisForFile } from '../support/redis.ts';

const redis = redisForFile();
const PROBE = 'lifecycle-probe';

describe.skipIf(!redis.available)('ending instances releases what they opened', () => {
  let probe: Redis;

  /** Clients connected to Redis, other than this test's own. */
  async function otherClients(): Promise<number> {
    const list = (await probe.call('CLIENT', 'LIST')) as string;
    return list.split('\n').filter((line) => line.includes('addr=') && !line.includes(`name=${PROBE}`))
      .length;
  }

  /** A token, then /work with it: the business function asks the store about revocation. */
  async function useTheStore(gw: TestGateway): Promise<void> {
    const issued = await tokenRequest(gw.url, { grant_type: 'client_credentials' });
    expect(issued.status).toBe(200);
    const work = await fetch(`${gw.url}/work`, {
      headers: { authorization: `Bearer ${issued.body.access_token}` },
    });
    expect(work.status).toBe(200);
  }

  beforeAll(() => {
    probe = new Redis(redis.url(), { connectionName: PROBE });
  });
  afterAll(() => {
    probe?.disconnect();
  });

  it.each<Isolation>(['inline', 'worker'])(
    'with functions %s: recycling and closing drop the store connections',
    async (isolation) => {
      const gw = await startTestGateway({ OAUTH_STORE: redis.url() }, { isolation });
      try {
        await useTheStore(gw);
        await expect.poll(otherClients).toBeGreaterThan(0);

        // Recycled: the instances end, and the next requests start new ones, which connect again.
        await gw.recycle();
        await expect.poll(otherClients).toBe(0);
        await useTheStore(gw);
        await expect.poll(otherClients).toBeGreaterThan(0);
      } finally {
        await gw.close();
      }
      await expect.poll(otherClients).toBe(0);
    },
  );
});
