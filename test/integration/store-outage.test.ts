// Redis stopped mid-run: the grants that need it answer 503 and issue nothing; when it comes back
// everything works again without a restart, and no code or refresh token is redeemed twice across
// the outage (the restarted Redis has lost its records, so what predates it is refused).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { exchangeCode, obtainCode, refreshWith, tokenRequest } from '../support/http-flow.ts';
import { type RedisServer, redisAvailable, startRedis } from '../support/redis.ts';

const hasRedis = redisAvailable();

describe.skipIf(!hasRedis)('a Redis outage in the middle of a run', () => {
  let redis: RedisServer;
  let gw: TestGateway;

  beforeAll(async () => {
    redis = await startRedis();
    gw = await startTestGateway({ OAUTH_STORE: redis.url });
  });
  afterAll(async () => {
    await gw?.close();
    await redis?.stop();
  });

  it('answers 503 while Redis is down, recovers by itself, and never redeems anything twice', async () => {
    const base = gw.url;
    // Before: a redeemed code, a rotated refresh token and its successor, a code not yet redeemed.
    const usedCode = await obtainCode(base);
    const first = await exchangeCode(base, usedCode);
    expect(first.status).toBe(200);
    const rotated = await refreshWith(base, first.body.refresh_token!);
    expect(rotated.status).toBe(200);
    const pendingCode = await obtainCode(base);
    await new Promise((r) => setTimeout(r, 1100)); // whole seconds: issuance times are in seconds

    await redis.pause();
    const during = [
      await exchangeCode(base, pendingCode),
      await refreshWith(base, rotated.body.refresh_token!),
      await refreshWith(base, first.body.refresh_token!),
    ];
    for (const answer of during) {
      expect({ status: answer.status, error: answer.body.error }).toEqual({
        status: 503,
        error: 'temporarily_unavailable',
      });
      expect(answer.body.access_token).toBeUndefined();
    }
    const machine = await tokenRequest(base, { grant_type: 'client_credentials' });
    expect(machine.status).toBe(200);

    await redis.start();
    // The first requests after the restart may still meet the reconnecting client.
    let replay = await exchangeCode(base, usedCode);
    for (let i = 0; i < 40 && replay.status === 503; i++) {
      await new Promise((r) => setTimeout(r, 100));
      replay = await exchangeCode(base, usedCode);
    }
    // Every artefact from before the outage is refused: the emptied store cannot vouch for it.
    const after = [
      replay,
      await refreshWith(base, first.body.refresh_token!),
      await refreshWith(base, rotated.body.refresh_token!),
      await exchangeCode(base, pendingCode),
    ];
    for (const answer of after) {
      expect({ status: answer.status, error: answer.body.error }).toEqual({
        status: 400,
        error: 'invalid_grant',
      });
      expect(answer.body.access_token).toBeUndefined();
    }

    // And everything new works, with no restart of any function.
    const fresh = await exchangeCode(base, await obtainCode(base));
    expect(fresh.status).toBe(200);
    const fresher = await refreshWith(base, fresh.body.refresh_token!);
    expect(fresher.status).toBe(200);
    expect((await refreshWith(base, fresh.body.refresh_token!)).body.error).toBe('invalid_grant');
  }, 60_000);
});
