// The bench's command line, read once into one value that every step receives: no flag lives in a
// module global.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

export interface BenchOptions {
  /** Load rounds through the gateway (median taken). */
  rounds: number;
  /** Measured milliseconds per load phase. */
  durationMs: number;
  /** Cold starts per function. */
  coldRuns: number;
  connections: number;
  /** Where the gateway writes its CPU profiles (node --cpu-prof), if anywhere. */
  profileDir?: string;
  /** Another checkout measured side by side with this one. */
  compareTree?: string;
  /** Stop after the cold starts, print them as one JSON line. */
  coldOnly: boolean;
  /**
   * Only what runs in this process and in single function processes (no gateway, no load generator):
   * with --compare, the two trees' functions interleaved; without, each function's CPU per event beside
   * the RS256 floor, its store round trips, cold start and memory.
   */
  inProcessOnly: boolean;
  inProcessRounds: number;
  /** Only each platform entry's CPU per GET /work event beside SCF's. */
  adaptersOnly: boolean;
  adapterRounds: number;
  /** Only the resource-server kit's protect against raw RS256 verification, in process. */
  protectOnly: boolean;
  /** BENCH_THREADS: CPU per request by thread of the gateway. */
  threads: boolean;
  /** BENCH_GATEWAY_FLAGS: extra node flags of the gateway process. */
  gatewayFlags: string[];
}

export function parseBenchOptions(
  argv: string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      rounds: { type: 'string', default: '3' },
      duration: { type: 'string', default: '3' },
      cold: { type: 'string', default: '10' },
      connections: { type: 'string', default: '32' },
      profile: { type: 'string' },
      compare: { type: 'string' },
      'cold-only': { type: 'boolean', default: false },
      'in-process-only': { type: 'boolean', default: false },
      'in-process-rounds': { type: 'string', default: '14' },
      'adapters-only': { type: 'boolean', default: false },
      'adapter-rounds': { type: 'string', default: '9' },
      'protect-only': { type: 'boolean', default: false },
    },
  });
  const count = (name: string, text: string, min: number): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min)
      throw new TypeError(`--${name} must be an integer ≥ ${min}, got ${text}`);
    return n;
  };
  return {
    rounds: count('rounds', values.rounds, 1),
    durationMs: count('duration', values.duration, 1) * 1000,
    coldRuns: count('cold', values.cold, 1),
    connections: count('connections', values.connections, 1),
    ...(values.profile ? { profileDir: resolve(values.profile) } : {}),
    ...(values.compare ? { compareTree: resolve(values.compare) } : {}),
    coldOnly: values['cold-only'],
    inProcessOnly: values['in-process-only'],
    inProcessRounds: count('in-process-rounds', values['in-process-rounds'], 1),
    adaptersOnly: values['adapters-only'],
    adapterRounds: count('adapter-rounds', values['adapter-rounds'], 1),
    protectOnly: values['protect-only'],
    threads: Boolean(env.BENCH_THREADS),
    gatewayFlags: env.BENCH_GATEWAY_FLAGS?.split(' ').filter(Boolean) ?? [],
  };
}
