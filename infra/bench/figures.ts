// The bench's figures from its raw measurements: pure arithmetic (medians, ratios, differences,
// rounding) and the targets, with nothing measured here, so that it is tested on its own
// (test/unit/bench-figures.test.ts) and a new field is one line here and one in report.ts.
import type { ProtectFigures } from './protect.ts';
import { median, r1, r2, r3 } from './stats.ts';

/** What the cloud bills, on this machine, in the same run: the targets of the project. */
export const TARGETS = {
  /** Token handler CPU per client_credentials event ÷ raw RS256 signature CPU. */
  token_fn_overhead: 1.15,
  /** Business handler CPU per event − raw RS256 verification CPU, µs. */
  work_fn_extra_us: 15,
  /** Token handler CPU per code + PKCE exchange ÷ raw signature CPU (memory store). */
  code_fn_overhead: 1.3,
  /** Redis round trips per code exchange, refresh and revocation check. */
  store_round_trips: { code_exchange: 2, refresh: 2, revocation_check: 1 },
  /** Each function's cold start − `node -e 0`'s, ms. */
  cold_start_extra_ms: 25,
  /** Each function's resident memory after loading and 1,000 events, MB (business runs in 64 MB). */
  fn_rss_mb: 48,
  /** µs of CPU the resource-server kit's `protect` may add per event to the raw RS256 verification. */
  protect_extra_us: 15,
  /** Each bundle (SCF code packages; ioredis apart). */
  bundle_bytes: 100_000,
} as const;

export interface PhaseInput {
  cpuUs: number;
  rps: number;
  p99Ms: number;
}

export interface FunctionRoundInput {
  cpuUs: number;
  floorUs: number;
}

export interface SideInput {
  name: string;
  rounds: Record<'token' | 'work' | 'code', PhaseInput[]>;
  tokenOverhead: number[];
  workOverhead: number[];
  tokenOverBare: number[];
  workOverBare: number[];
  peakRssBytes: number;
}

export interface BundleInput {
  name: string;
  bytes: number;
  vendor?: { name?: string; bytes: number }[];
}

export interface BenchRaw {
  settings: {
    rounds: number;
    durationMs: number;
    connections: number;
    coldRuns: number;
    compareTree?: string;
  };
  machine: { cpu: string; cores: number; node: string; openssl: string };
  elapsedS: number;
  bundles: BundleInput[];
  compareBundles?: BundleInput[];
  crypto?: {
    sign_cpu_us: number;
    verify_cpu_us: number;
    jose_sign_cpu_us: number;
    jose_verify_cpu_us: number;
  };
  cold?: {
    node_baseline_ms: number;
    cold_start_ms: Record<string, number>;
    statuses: Record<string, string>;
  };
  functions?: Record<'token' | 'code' | 'work', FunctionRoundInput[]>;
  store?: { code_exchange: number; refresh: number; revocation_check: number };
  /** Resident memory of each function after 1,000 events, bytes. */
  memory?: Record<string, number>;
  gateway?: {
    plain: PhaseInput[];
    bareSign: PhaseInput[];
    bareVerify: PhaseInput[];
    bareSignOverhead: number[];
    bareVerifyOverhead: number[];
    signFloors: number[];
    verifyFloors: number[];
    sides: SideInput[];
  };
  inProcess?: Record<string, number>;
  /** Each platform entry's CPU per GET /work event beside SCF's (infra/bench/adapters.ts). */
  adapters?: {
    cpu_us: Record<string, number>;
    over_scf_us: Record<string, number>;
    response_object_us: number;
    request_headers_us: number;
    fetch_translation_over_scf_us: number;
  };
  /** The resource-server kit's protect beside raw RS256 verification of the same tokens (infra/bench/protect.ts). */
  protect?: ProtectFigures;
}

const pick = (phase: readonly PhaseInput[], key: keyof PhaseInput) => median(phase.map((p) => p[key]));
const byName = <T>(names: readonly string[], f: (name: string) => T) =>
  Object.fromEntries(names.map((n) => [n, f(n)])) as Record<string, T>;

function sideFigures(side: SideInput) {
  return {
    token_cpu_us: r1(pick(side.rounds.token, 'cpuUs')),
    token_rps: Math.round(pick(side.rounds.token, 'rps')),
    token_p99_ms: r2(pick(side.rounds.token, 'p99Ms')),
    token_overhead: r3(median(side.tokenOverhead)),
    token_over_bare: r3(median(side.tokenOverBare)),
    work_cpu_us: r1(pick(side.rounds.work, 'cpuUs')),
    work_rps: Math.round(pick(side.rounds.work, 'rps')),
    work_p99_ms: r2(pick(side.rounds.work, 'p99Ms')),
    work_overhead: r3(median(side.workOverhead)),
    work_over_bare: r3(median(side.workOverBare)),
    code_flow_cpu_us: r1(pick(side.rounds.code, 'cpuUs')),
    code_flow_rps: Math.round(pick(side.rounds.code, 'rps')),
    code_flow_p99_ms: r2(pick(side.rounds.code, 'p99Ms')),
    peak_rss_mb: r1(side.peakRssBytes / 1024 / 1024),
  };
}

function bundleFigures(bundles: readonly BundleInput[]) {
  return {
    bundle_bytes: Object.fromEntries(bundles.map((b) => [b.name, b.bytes])),
    // vendor/ files a function loads only when it needs them (ioredis with a Redis store, jose with
    // the first client assertion): in all, and each.
    optional_chunk_bytes: Object.fromEntries(
      bundles.map((b) => [b.name, (b.vendor ?? []).reduce((n, v) => n + v.bytes, 0)]),
    ),
    optional_chunks: Object.fromEntries(
      bundles.map((b) => [
        b.name,
        Object.fromEntries((b.vendor ?? []).map((v) => [v.name ?? 'vendor', v.bytes])),
      ]),
    ),
  };
}

export function computeFigures(raw: BenchRaw) {
  const fn = raw.functions;
  const gw = raw.gateway;
  // Every floor measurement of the run, each taken right beside a measured phase.
  const signFloors = [
    ...(gw?.signFloors ?? []),
    ...(fn ? [...fn.token, ...fn.code].map((r) => r.floorUs) : []),
  ];
  const verifyFloors = [...(gw?.verifyFloors ?? []), ...(fn ? fn.work.map((r) => r.floorUs) : [])];
  const signCpu = signFloors.length > 0 ? median(signFloors) : raw.crypto?.sign_cpu_us;
  const verifyCpu = verifyFloors.length > 0 ? median(verifyFloors) : raw.crypto?.verify_cpu_us;
  const names = raw.bundles.map((b) => b.name);
  const cold = raw.cold;
  const mine = gw?.sides[0];
  const other = gw?.sides[1];

  return {
    ...(signCpu !== undefined ? { sign_cpu_us: r1(signCpu) } : {}),
    ...(verifyCpu !== undefined ? { verify_cpu_us: r1(verifyCpu) } : {}),
    // Each function's own work per event, in process, beside the cryptography it cannot avoid: each
    // ratio or difference taken against the floor measured around that very round, then the median.
    ...(fn
      ? {
          token_fn_cpu_us: r1(median(fn.token.map((r) => r.cpuUs))),
          token_fn_overhead: r3(median(fn.token.map((r) => r.cpuUs / r.floorUs))),
          work_fn_cpu_us: r1(median(fn.work.map((r) => r.cpuUs))),
          work_fn_extra_us: r1(median(fn.work.map((r) => r.cpuUs - r.floorUs))),
          code_fn_cpu_us: r1(median(fn.code.map((r) => r.cpuUs))),
          code_fn_overhead: r3(median(fn.code.map((r) => r.cpuUs / r.floorUs))),
        }
      : {}),
    ...(raw.store
      ? {
          store_round_trips: {
            code_exchange: r2(raw.store.code_exchange),
            refresh: r2(raw.store.refresh),
            revocation_check: r2(raw.store.revocation_check),
          },
        }
      : {}),
    ...(cold
      ? {
          node_baseline_ms: cold.node_baseline_ms,
          cold_start_ms: byName(names, (n) => cold.cold_start_ms[n] ?? Number.NaN),
          cold_start_extra_ms: byName(names, (n) =>
            r1((cold.cold_start_ms[n] ?? Number.NaN) - cold.node_baseline_ms),
          ),
        }
      : {}),
    ...(raw.memory
      ? { fn_rss_mb: byName(Object.keys(raw.memory), (n) => r1(raw.memory![n]! / 1024 / 1024)) }
      : {}),
    ...(raw.protect
      ? {
          protect_cpu_us: r1(raw.protect.protect_cpu_us),
          protect_raw_verify_cpu_us: r1(raw.protect.protect_raw_verify_cpu_us),
          protect_overhead_us: r1(raw.protect.protect_overhead_us),
          protect_jwks_fetches: raw.protect.protect_jwks_fetches,
        }
      : {}),
    ...bundleFigures(raw.bundles),
    // Through the local gateway, for information: in the cloud the gateway is Tencent's.
    ...(gw && mine
      ? {
          plain_cpu_us: r1(pick(gw.plain, 'cpuUs')),
          plain_rps: Math.round(pick(gw.plain, 'rps')),
          plain_p99_ms: r2(pick(gw.plain, 'p99Ms')),
          ...sideFigures(mine),
          bare_sign_cpu_us: r1(pick(gw.bareSign, 'cpuUs')),
          bare_sign_rps: Math.round(pick(gw.bareSign, 'rps')),
          bare_sign_overhead: r3(median(gw.bareSignOverhead)),
          bare_verify_cpu_us: r1(pick(gw.bareVerify, 'cpuUs')),
          bare_verify_rps: Math.round(pick(gw.bareVerify, 'rps')),
          bare_verify_overhead: r3(median(gw.bareVerifyOverhead)),
        }
      : {}),
    ...(raw.crypto
      ? {
          jose_sign_cpu_us: r1(raw.crypto.jose_sign_cpu_us),
          jose_verify_cpu_us: r1(raw.crypto.jose_verify_cpu_us),
        }
      : {}),
    ...(cold ? { cold_start_status: byName(names, (n) => cold.statuses[n] ?? '') } : {}),
    ...(other
      ? {
          compare: {
            tree: raw.settings.compareTree,
            ...sideFigures(other),
            ...(cold
              ? { cold_start_ms: byName(names, (n) => cold.cold_start_ms[`${n} (compare)`] ?? Number.NaN) }
              : {}),
            ...bundleFigures(raw.compareBundles ?? []),
          },
        }
      : {}),
    ...(raw.inProcess ? { in_process: raw.inProcess } : {}),
    ...(raw.adapters ? { adapters: raw.adapters } : {}),
    settings: {
      rounds: raw.settings.rounds,
      measured_s: raw.settings.durationMs / 1000,
      connections: raw.settings.connections,
      cold_runs: raw.settings.coldRuns,
    },
    machine: raw.machine,
    elapsed_s: raw.elapsedS,
  };
}

export type Figures = ReturnType<typeof computeFigures>;

/** Each target with the figure it judges: true when met; absent when the run did not measure it. */
export function targetsMet(f: Figures): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  if (f.token_fn_overhead !== undefined)
    out.token_fn_overhead = f.token_fn_overhead <= TARGETS.token_fn_overhead;
  if (f.work_fn_extra_us !== undefined) out.work_fn_extra_us = f.work_fn_extra_us <= TARGETS.work_fn_extra_us;
  if (f.code_fn_overhead !== undefined) out.code_fn_overhead = f.code_fn_overhead <= TARGETS.code_fn_overhead;
  if (f.store_round_trips) {
    for (const [k, limit] of Object.entries(TARGETS.store_round_trips)) {
      out[`store_round_trips.${k}`] = f.store_round_trips[k as keyof typeof f.store_round_trips] <= limit;
    }
  }
  for (const [name, ms] of Object.entries(f.cold_start_extra_ms ?? {})) {
    out[`cold_start_extra_ms.${name}`] = ms <= TARGETS.cold_start_extra_ms;
  }
  for (const [name, mb] of Object.entries(f.fn_rss_mb ?? {}))
    out[`fn_rss_mb.${name}`] = mb <= TARGETS.fn_rss_mb;
  if (f.protect_overhead_us !== undefined)
    out.protect_extra_us = f.protect_overhead_us <= TARGETS.protect_extra_us;
  for (const [name, bytes] of Object.entries(f.bundle_bytes)) {
    out[`bundle_bytes.${name}`] = bytes <= TARGETS.bundle_bytes;
  }
  return out;
}
