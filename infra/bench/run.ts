// npm run bench — everything measured in one run on this machine. First what the cloud bills: each
// function's CPU per event with a real API Gateway event, in process, beside the raw RS256 signature
// and verification measured around it; its Redis round trips; its cold start over `node -e 0`; its
// memory after 1,000 events; its bundle. Then, for information, POST /token, GET /work and a code
// exchange through the local gateway under load, beside a bare HTTP server. A table for people, then
// one JSON line.
//
// Flags: --rounds N (load rounds, median taken; default 3), --duration S (measured seconds per load
// phase; default 3), --cold N (cold starts per function; default 10), --connections N (default 32),
// --profile DIR (write the gateway's CPU profiles, every thread, with node --cpu-prof to DIR),
// --compare TREE (another checkout, e.g. of main: its functions and gateway run side by side with
// this tree's in the same run, phases alternating, same key and tokens; reported under "compare";
// and both trees' token and business functions called in this process, interleaved: "in_process").
// --cold-only (stop after the cold starts and print them as one JSON line).
// --in-process-only: no gateway and no load (~30–60 s); with --compare, only the in-process comparison
// of the two trees' functions (--in-process-rounds N of them, default 14), printed as one JSON line.
// --adapters-only (only each platform entry's CPU per GET /work event beside SCF's, "adapters",
// --adapter-rounds N of them, default 9, printed as one JSON line; ~10 s).
// --protect-only (only the resource-server kit's protect against raw RS256 verification, in process,
// printed as one JSON line; a few seconds).
//
// The run is a list of phases (PHASES): each says when it runs and fills its part of the raw
// measurements; figures.ts turns those into figures, report.ts prints them. A new measurement is a
// phase here, a field in figures.ts and a row in report.ts.
import { rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { freePort } from '../net.ts';
import { type AdapterFigures, measureAdapters } from './adapters.ts';
import { type ColdFigures, measureColdStarts } from './cold-start.ts';
import { type CryptoFigures, measureCrypto } from './crypto.ts';
import { type BenchRaw, computeFigures } from './figures.ts';
import { measureFunctionMemory } from './fn-memory.ts';
import { type FunctionCpu, measureFunctionCpu } from './functions.ts';
import { type GatewayLoad, measureThroughGateway } from './gateway-load.ts';
import { compareInProcess, type InProcessFigures } from './in-process.ts';
import { type BenchOptions, parseBenchOptions } from './options.ts';
import { measureProtect, type ProtectFigures } from './protect.ts';
import { formatReport } from './report.ts';
import { type BenchSetup, prepareBench } from './setup.ts';
import { countStoreTrips, type StoreTrips } from './store-trips.ts';
import { type FunctionTarget, findTarget, functionTargets, mintTokens, withBearer } from './targets.ts';

const REPO = resolve(import.meta.dirname, '../..');
/** Rounds of the in-process function measurement, median taken. */
const FUNCTION_ROUNDS = 7;
/** Events per store round-trip count. */
const STORE_EVENTS = 100;
/** Events before each function's memory is read. */
const MEMORY_EVENTS = 1000;
/** Rounds of the resource-server kit's measurement (median taken), and events per round. */
const PROTECT_ROUNDS = 21;
const PROTECT_CALLS = 1000;

/** What every phase may read, and the raw measurements the phases fill in. */
interface BenchRun {
  options: BenchOptions;
  port: number;
  setup: BenchSetup;
  compareSetup?: BenchSetup;
  targets: FunctionTarget[];
  /** Distinct valid access tokens: /work gets a different one on every event. */
  tokens: string[];
  raw: {
    crypto?: CryptoFigures;
    cold?: ColdFigures;
    functions?: FunctionCpu;
    store?: StoreTrips;
    memory?: Record<string, number>;
    gateway?: GatewayLoad;
    inProcess?: InProcessFigures;
    adapters?: AdapterFigures;
    protect?: ProtectFigures;
  };
}

interface Phase {
  name: string;
  when(options: BenchOptions): boolean;
  run(bench: BenchRun): Promise<void>;
}

const comparing = (o: BenchOptions) => o.compareTree !== undefined;
/** One of the modes that measure one thing only. */
const only = (o: BenchOptions) => o.coldOnly || o.adaptersOnly || (o.inProcessOnly && comparing(o));
/** The full run, or --in-process-only without a tree to compare. */
const billed = (o: BenchOptions) => !only(o);

const PHASES: readonly Phase[] = [
  {
    name: 'RS256 with node:crypto and jose',
    when: billed,
    run: async (b) => {
      b.raw.crypto = await measureCrypto(300, 3000);
    },
  },
  {
    name: 'each function in process: CPU per event beside the RS256 floor',
    when: billed,
    run: async (b) => {
      b.raw.functions = await measureFunctionCpu(b.setup, b.targets, b.tokens, FUNCTION_ROUNDS);
    },
  },
  {
    name: `Redis round trips per event (${STORE_EVENTS} events each)`,
    when: billed,
    run: async (b) => {
      b.raw.store = await countStoreTrips(b.setup, b.targets, b.tokens, STORE_EVENTS);
    },
  },
  {
    name: `each function's memory after ${MEMORY_EVENTS} events`,
    when: billed,
    run: async (b) => {
      b.raw.memory = await measureFunctionMemory(
        b.targets,
        (t) => (t.name === 'business' ? b.tokens.map((token) => withBearer(t.event, token)) : [t.event]),
        b.setup.root,
        MEMORY_EVENTS,
      );
    },
  },
  {
    name: 'each platform entry of the business function in process',
    when: (o) => billed(o) || o.adaptersOnly,
    run: async (b) => {
      b.raw.adapters = await measureAdapters(
        findTarget(b.targets, 'business'),
        b.tokens,
        b.options.adapterRounds,
      );
    },
  },
  {
    name: 'the resource-server kit: protect against raw RS256 verification, in process',
    when: billed,
    run: async (b) => {
      b.raw.protect = await measureProtect(PROTECT_ROUNDS, PROTECT_CALLS);
    },
  },
  {
    name: 'cold starts',
    when: (o) => billed(o) || o.coldOnly,
    run: async (b) => {
      const mine = b.targets;
      const other = b.compareSetup
        ? functionTargets(b.compareSetup, b.tokens[0]!).map((t) => ({ ...t, name: `${t.name} (compare)` }))
        : [];
      b.raw.cold = await measureColdStarts([...mine, ...other], b.options.coldRuns);
    },
  },
  {
    name: 'through the local gateway',
    when: (o) => billed(o) && !o.inProcessOnly,
    run: async (b) => {
      b.raw.gateway = await measureThroughGateway(b.options, [
        { name: 'this tree', tree: REPO, setup: b.setup, port: b.port },
        ...(b.compareSetup
          ? [{ name: 'compare', tree: b.options.compareTree!, setup: b.compareSetup, port: await freePort() }]
          : []),
      ]);
    },
  },
  {
    name: "both trees' token and business functions in process",
    when: (o) => comparing(o) && !o.coldOnly && !o.adaptersOnly,
    run: async (b) => {
      b.raw.inProcess = await compareInProcess(
        b.targets,
        functionTargets(b.compareSetup!, b.tokens[0]!),
        b.tokens,
        b.options.inProcessRounds,
      );
    },
  },
];

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

/** Runs the phases the options call for, in order, on one prepared deployment (and the compared one). */
async function runPhases(options: BenchOptions, phases: readonly Phase[] = PHASES): Promise<BenchRun> {
  const port = await freePort();
  progress('building production bundles');
  const setup = await prepareBench(REPO, port);
  const compareSetup = options.compareTree ? await prepareBench(options.compareTree, port, setup) : undefined;
  const tokens = await mintTokens(setup, 1000);
  const bench: BenchRun = {
    options,
    port,
    setup,
    ...(compareSetup ? { compareSetup } : {}),
    targets: functionTargets(setup, tokens[0]!),
    tokens,
    raw: {},
  };
  try {
    for (const phase of phases) {
      if (!phase.when(options)) continue;
      progress(phase.name);
      await phase.run(bench);
    }
  } finally {
    for (const s of [setup, compareSetup]) if (s) rmSync(s.root, { recursive: true, force: true });
  }
  return bench;
}

function rawFigures(bench: BenchRun, elapsedS: number): BenchRaw {
  const { options, raw } = bench;
  return {
    settings: {
      rounds: options.rounds,
      durationMs: options.durationMs,
      connections: options.connections,
      coldRuns: options.coldRuns,
      ...(options.compareTree ? { compareTree: options.compareTree } : {}),
    },
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      node: process.version,
      openssl: process.versions.openssl,
    },
    elapsedS,
    bundles: bench.setup.bundles,
    ...(bench.compareSetup ? { compareBundles: bench.compareSetup.bundles } : {}),
    ...(raw.crypto ? { crypto: raw.crypto } : {}),
    ...(raw.cold ? { cold: raw.cold } : {}),
    ...(raw.functions ? { functions: raw.functions } : {}),
    ...(raw.store ? { store: raw.store } : {}),
    ...(raw.memory ? { memory: raw.memory } : {}),
    ...(raw.gateway
      ? {
          gateway: {
            ...raw.gateway,
            sides: raw.gateway.sides.map((s) => ({ ...s, peakRssBytes: s.usage?.maxRssBytes ?? Number.NaN })),
          },
        }
      : {}),
    ...(raw.inProcess ? { inProcess: { ...raw.inProcess } } : {}),
    ...(raw.adapters ? { adapters: raw.adapters } : {}),
    ...(raw.protect ? { protect: raw.protect } : {}),
  };
}

async function main(): Promise<void> {
  const started = performance.now();
  const options = parseBenchOptions(process.argv.slice(2));
  // The kit is measured on its own keys and tokens: no bundle to build, nothing else to run.
  if (options.protectOnly) {
    console.log(JSON.stringify(await measureProtect(PROTECT_ROUNDS, PROTECT_CALLS)));
    return;
  }
  const bench = await runPhases(options);
  // The two short modes print only what they measured.
  if (options.coldOnly) {
    console.log(JSON.stringify(bench.raw.cold));
    return;
  }
  if (options.adaptersOnly) {
    console.log(JSON.stringify({ adapters: bench.raw.adapters }));
    return;
  }
  if (options.inProcessOnly && comparing(options)) {
    console.log(JSON.stringify({ in_process: bench.raw.inProcess }));
    return;
  }
  const figures = computeFigures(rawFigures(bench, Math.round((performance.now() - started) / 1000)));
  process.stdout.write(formatReport(figures));
}

await main();
process.exit(0);
