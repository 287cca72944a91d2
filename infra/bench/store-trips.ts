// Store round trips per event, with Redis: a redis-server started for the bench, the token and business
// functions pointed at it, and the commands it executed counted (INFO commandstats) around a run of
// events. Every store operation is one command on its own connection (no pipelining), so commands
// are round trips.
import { Redis } from 'ioredis';
import { type RedisServer, startRedis } from '../redis-server.ts';
import { codeExchanges } from './code-flow.ts';
import { call200, hostOf } from './functions.ts';
import type { BenchSetup } from './setup.ts';
import { type FunctionTarget, findTarget, withBearer, withBody } from './targets.ts';

export interface StoreTrips {
  code_exchange: number;
  refresh: number;
  revocation_check: number;
}

/** Commands Redis has executed so far, all kinds together. */
async function commandsSoFar(admin: Redis): Promise<number> {
  const info = await admin.info('commandstats');
  let calls = 0;
  for (const match of info.matchAll(/^cmdstat_[^:]+:calls=(\d+)/gm)) calls += Number(match[1]);
  return calls;
}

export async function countStoreTrips(
  setup: BenchSetup,
  targets: readonly FunctionTarget[],
  tokens: readonly string[],
  events: number,
): Promise<StoreTrips> {
  let redis: RedisServer | undefined;
  let admin: Redis | undefined;
  const tokenTarget = findTarget(targets, 'token');
  const workTarget = findTarget(targets, 'business');
  try {
    redis = await startRedis();
    admin = new Redis(redis.url, { lazyConnect: true });
    await admin.connect();
    const store = { OAUTH_STORE: redis.url };
    const token = hostOf(tokenTarget, { ...tokenTarget.env, ...store });
    // With Redis the business function checks revocation by default (OAUTH_CHECK_REVOCATION).
    const business = hostOf(workTarget, { ...workTarget.env, ...store });
    const bodies = await codeExchanges(setup, events + 1);
    const refreshTokens: string[] = [];
    const exchange = async (body: string) => {
      const answer = JSON.parse(await call200(token, withBody(tokenTarget.event, body))) as {
        refresh_token?: string;
      };
      if (!answer.refresh_token) throw new Error('a code exchange answered no refresh token');
      refreshTokens.push(answer.refresh_token);
    };
    const refresh = (refreshToken: string) =>
      call200(
        token,
        withBody(
          tokenTarget.event,
          `grant_type=refresh_token&refresh_token=${encodeURIComponent(refreshToken)}`,
        ),
      );
    const work = (i: number) => call200(business, withBearer(workTarget.event, tokens[i % tokens.length]!));

    // Per event, over `events` events, after one that opens the connection (and reads the server's
    // start, once per connection) uncounted. The INFO that reads the count before is counted by the
    // one after: one command less.
    const perEvent = async (warm: () => Promise<unknown>, each: (i: number) => Promise<unknown>) => {
      await warm();
      const before = await commandsSoFar(admin!);
      for (let i = 0; i < events; i++) await each(i);
      return (await commandsSoFar(admin!)) - before - 1;
    };
    const codeTrips = await perEvent(
      () => exchange(bodies[events]!),
      (i) => exchange(bodies[i]!),
    );
    const warmRefresh = refreshTokens.shift()!;
    const family = [...refreshTokens];
    const refreshTrips = await perEvent(
      () => refresh(warmRefresh),
      (i) => refresh(family[i]!),
    );
    const revocationTrips = await perEvent(
      () => work(events),
      (i) => work(i),
    );
    await Promise.all([token.close(), business.close()]);
    return {
      code_exchange: codeTrips / events,
      refresh: refreshTrips / events,
      revocation_check: revocationTrips / events,
    };
  } finally {
    admin?.disconnect();
    await redis?.stop();
  }
}
