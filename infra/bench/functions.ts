// What the cloud bills: each function's CPU per event, its handler called in this process with a real
// API Gateway event (the bundle in its own instance with only its own environment, as the local
// gateway and SCF run it), beside the RS256 operation it cannot avoid, measured right before and right
// after on the same core: the speed of a core on a shared machine drifts within seconds.
import { createFunctionHost, type FunctionHost } from '../gateway/function-host.ts';
import { codeExchanges } from './code-flow.ts';
import { createFloorMeter } from './crypto.ts';
import type { BenchSetup } from './setup.ts';
import { cpuPerCall } from './stats.ts';
import { type FunctionTarget, findTarget, type ScfEvent, withBearer, withBody } from './targets.ts';

export interface FunctionRound {
  /** CPU µs per event of the handler. */
  cpuUs: number;
  /** The raw RS256 signature (token) or verification (business) CPU µs around it. */
  floorUs: number;
}

export interface FunctionCpu {
  /** Client credentials at POST /token. */
  token: FunctionRound[];
  /** Authorization code + PKCE exchange at POST /token, memory store, a fresh code per event. */
  code: FunctionRound[];
  /** GET /work, a different valid token per event. */
  work: FunctionRound[];
}

export function hostOf(target: FunctionTarget, env: Record<string, string> = target.env): FunctionHost {
  return createFunctionHost({
    name: target.name,
    file: target.file,
    handler: 'main_handler',
    env,
    onOutput: () => {},
  });
}

let invocations = 0;

/**
 * Calls the handler, which must answer 200; its body when it does. With the context SCF hands every
 * invocation: its request id (the function's log line carries it) and the function's name.
 */
export async function call200(host: FunctionHost, event: ScfEvent): Promise<string> {
  const context = { request_id: `bench-${++invocations}`, function_name: 'bench' };
  const outcome = await host.invoke(event, context);
  const result = outcome.result as { statusCode?: number; body?: string } | undefined;
  if (result?.statusCode !== 200) {
    throw new Error(`${event.httpMethod} ${event.path} answered ${result?.statusCode ?? outcome.error}`);
  }
  return result.body ?? '';
}

const TOKEN_CALLS = 200;
const CODE_CALLS = 200;
const WORK_CALLS = 1000;

export async function measureFunctionCpu(
  setup: BenchSetup,
  targets: readonly FunctionTarget[],
  tokens: readonly string[],
  rounds: number,
): Promise<FunctionCpu> {
  const tokenTarget = findTarget(targets, 'token');
  const workTarget = findTarget(targets, 'business');
  const token = hostOf(tokenTarget);
  const business = hostOf(workTarget);
  const meter = createFloorMeter();
  let nextToken = 0;
  const work = () => call200(business, withBearer(workTarget.event, tokens[nextToken++ % tokens.length]!));
  const bodies = await codeExchanges(setup, CODE_CALLS * (rounds + 1));
  let nextCode = 0;
  const code = () => call200(token, withBody(tokenTarget.event, bodies[nextCode++]!));
  const clientCredentials = () => call200(token, tokenTarget.event);

  // One untimed pass first: compiled code and the instances' caches settle before any round counts.
  await cpuPerCall(TOKEN_CALLS, clientCredentials, 0);
  await cpuPerCall(CODE_CALLS, code, 0);
  await cpuPerCall(WORK_CALLS, work, 0);

  const around = async (kind: 'sign' | 'verify', calls: number, fn: () => Promise<unknown>) => {
    const floor = () => (kind === 'sign' ? meter.measure(100, 0) : meter.measure(0, 1000));
    const before = (await floor())[kind];
    const cpuUs = await cpuPerCall(calls, fn, 0);
    const after = (await floor())[kind];
    return { cpuUs, floorUs: (before + after) / 2 };
  };
  const figures: FunctionCpu = { token: [], code: [], work: [] };
  for (let round = 0; round < rounds; round++) {
    figures.token.push(await around('sign', TOKEN_CALLS, clientCredentials));
    figures.code.push(await around('sign', CODE_CALLS, code));
    figures.work.push(await around('verify', WORK_CALLS, work));
  }
  await Promise.all([token.close(), business.close()]);
  return figures;
}
