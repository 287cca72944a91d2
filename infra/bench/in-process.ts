// With --compare: the token and business functions of both trees called directly in this process,
// each bundle its own instance with only its own environment (as the local gateway runs them), the
// calls of the two trees interleaved round by round. The difference between the trees then shows
// with far less noise than through the gateway, where HTTP and the machine's drift add to every figure.
import type { FunctionHost } from '../gateway/function-host.ts';
import { call200, hostOf } from './functions.ts';
import { cpuPerCall, median, r1 } from './stats.ts';
import { type FunctionTarget, findTarget, type ScfEvent, withBearer } from './targets.ts';

export interface InProcessFigures {
  /** CPU µs per call of this tree's token function (client credentials) and business function. */
  token_us: number;
  work_us: number;
  compare_token_us: number;
  compare_work_us: number;
  /** Median over the rounds of (this tree − compare) within each round: negative is faster. */
  token_diff_us: number;
  work_diff_us: number;
}

interface Side {
  token: FunctionHost;
  business: FunctionHost;
  tokenEvent: ScfEvent;
  workEvent: ScfEvent;
}

function side(targets: readonly FunctionTarget[]): Side {
  const token = findTarget(targets, 'token');
  const business = findTarget(targets, 'business');
  return {
    token: hostOf(token),
    business: hostOf(business),
    tokenEvent: token.event,
    workEvent: business.event,
  };
}

export async function compareInProcess(
  mine: readonly FunctionTarget[],
  other: readonly FunctionTarget[],
  tokens: readonly string[],
  rounds: number,
): Promise<InProcessFigures> {
  const sides = [side(mine), side(other)] as const;
  let next = 0;
  // Every /work call sends the next token of the pool, as the load phases do.
  const work = (s: Side) => () =>
    call200(s.business, withBearer(s.workEvent, tokens[next++ % tokens.length]!));
  const token = (s: Side) => () => call200(s.token, s.tokenEvent);

  // Warmed up once here; each round's figures then carry no warm-up of their own.
  for (const s of sides) {
    await cpuPerCall(200, token(s), 0);
    await cpuPerCall(2000, work(s), 0);
  }
  const figures = sides.map(() => ({ token: [] as number[], work: [] as number[] }));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? [0, 1] : [1, 0];
    for (const i of order) figures[i]!.token.push(await cpuPerCall(100, token(sides[i]!), 0));
    for (const i of order) figures[i]!.work.push(await cpuPerCall(1000, work(sides[i]!), 0));
  }
  await Promise.all(sides.flatMap((s) => [s.token.close(), s.business.close()]));

  const [a, b] = figures as [(typeof figures)[0], (typeof figures)[0]];
  const diff = (x: number[], y: number[]) => median(x.map((v, i) => v - y[i]!));
  return {
    token_us: r1(median(a.token)),
    work_us: r1(median(a.work)),
    compare_token_us: r1(median(b.token)),
    compare_work_us: r1(median(b.work)),
    token_diff_us: r1(diff(a.token, b.token)),
    work_diff_us: r1(diff(a.work, b.work)),
  };
}
