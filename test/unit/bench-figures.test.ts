// The bench's figures step (infra/bench/figures.ts): pure arithmetic on raw measurements, checked on
// numbers worked out by hand.
import { describe, expect, it } from 'vitest';
import { type BenchRaw, computeFigures, TARGETS, targetsMet } from '../../infra/bench/figures.ts';
import { parseBenchOptions } from '../../infra/bench/options.ts';

const base: BenchRaw = {
  settings: { rounds: 3, durationMs: 3000, connections: 32, coldRuns: 10 },
  machine: { cpu: 'test cpu', cores: 2, node: 'v20', openssl: '3' },
  elapsedS: 12,
  bundles: [
    { name: 'business', bytes: 25_000, vendor: [{ name: 'ioredis', bytes: 194_000 }] },
    { name: 'token', bytes: 101_000 },
  ],
};

const phase = (cpuUs: number) => ({ cpuUs, rps: 1000, p99Ms: 10 });

describe('computeFigures', () => {
  it('takes each function ratio and difference against the floor of its own round, then the median', () => {
    const f = computeFigures({
      ...base,
      functions: {
        token: [
          { cpuUs: 1100, floorUs: 1000 },
          { cpuUs: 1300, floorUs: 1000 },
          { cpuUs: 1000, floorUs: 500 },
        ],
        code: [
          { cpuUs: 1200, floorUs: 1000 },
          { cpuUs: 1250, floorUs: 1000 },
          { cpuUs: 1400, floorUs: 1000 },
        ],
        work: [
          { cpuUs: 50, floorUs: 40 },
          { cpuUs: 70, floorUs: 40 },
          { cpuUs: 45, floorUs: 20 },
        ],
      },
    });
    // Ratios 1.1, 1.3, 2 → 1.3; never the ratio of the medians (1100 / 1000).
    expect(f.token_fn_overhead).toBe(1.3);
    expect(f.token_fn_cpu_us).toBe(1100);
    expect(f.code_fn_overhead).toBe(1.25);
    // Differences 10, 30, 25 → 25.
    expect(f.work_fn_extra_us).toBe(25);
    // The floors of every round: sign 1000 ×5 and 500 → 1000; verify 40, 40, 20 → 40.
    expect(f.sign_cpu_us).toBe(1000);
    expect(f.verify_cpu_us).toBe(40);
  });

  it('subtracts node -e from each cold start, reports memory in MB and bundles as they are', () => {
    const f = computeFigures({
      ...base,
      cold: {
        node_baseline_ms: 40,
        cold_start_ms: { business: 61.5, token: 80, 'token (compare)': 70 },
        statuses: { business: '200', token: '200' },
      },
      memory: { business: 40 * 1024 * 1024, token: 50.25 * 1024 * 1024 },
      store: { code_exchange: 1, refresh: 2, revocation_check: 1 / 3 },
    });
    expect(f.cold_start_ms).toEqual({ business: 61.5, token: 80 });
    expect(f.cold_start_extra_ms).toEqual({ business: 21.5, token: 40 });
    expect(f.fn_rss_mb).toEqual({ business: 40, token: 50.3 });
    expect(f.store_round_trips).toEqual({ code_exchange: 1, refresh: 2, revocation_check: 0.33 });
    expect(f.bundle_bytes).toEqual({ business: 25_000, token: 101_000 });
    expect(f.optional_chunk_bytes).toEqual({ business: 194_000, token: 0 });
    expect(f.optional_chunks).toEqual({ business: { ioredis: 194_000 }, token: {} });
    expect(targetsMet(f)).toEqual({
      'store_round_trips.code_exchange': true,
      'store_round_trips.refresh': true,
      'store_round_trips.revocation_check': true,
      'cold_start_extra_ms.business': true,
      'cold_start_extra_ms.token': false,
      'fn_rss_mb.business': true,
      'fn_rss_mb.token': false,
      'bundle_bytes.business': true,
      'bundle_bytes.token': false,
    });
  });

  it('keeps the through-the-gateway figures, for information, with no target', () => {
    const side = {
      name: 'this tree',
      rounds: { token: [phase(1200), phase(1100), phase(1300)], work: [phase(300)], code: [phase(1400)] },
      tokenOverhead: [1.4, 1.2, 1.3],
      workOverhead: [1.6],
      tokenOverBare: [1.1],
      workOverBare: [1.5],
      peakRssBytes: 90 * 1024 * 1024,
    };
    const f = computeFigures({
      ...base,
      gateway: {
        plain: [phase(85)],
        bareSign: [phase(1000)],
        bareVerify: [phase(160)],
        bareSignOverhead: [1.1],
        bareVerifyOverhead: [0.98],
        signFloors: [900, 1000, 800],
        verifyFloors: [40],
        sides: [side],
      },
    });
    expect(f).toMatchObject({
      sign_cpu_us: 900,
      token_cpu_us: 1200,
      token_overhead: 1.3,
      work_cpu_us: 300,
      code_flow_cpu_us: 1400,
      plain_cpu_us: 85,
      peak_rss_mb: 90,
    });
    expect(Object.keys(targetsMet(f)).filter((k) => !k.startsWith('bundle_bytes'))).toEqual([]);
  });

  it('judges the functions against the targets of the restated benchmark', () => {
    expect(TARGETS).toMatchObject({
      token_fn_overhead: 1.15,
      work_fn_extra_us: 15,
      code_fn_overhead: 1.3,
      store_round_trips: { code_exchange: 2, refresh: 2, revocation_check: 1 },
      cold_start_extra_ms: 25,
      fn_rss_mb: 48,
    });
    const f = computeFigures({
      ...base,
      functions: {
        token: [{ cpuUs: 1150, floorUs: 1000 }],
        code: [{ cpuUs: 1301, floorUs: 1000 }],
        work: [{ cpuUs: 55, floorUs: 40 }],
      },
    });
    expect(targetsMet(f)).toMatchObject({
      token_fn_overhead: true,
      code_fn_overhead: false,
      work_fn_extra_us: true,
    });
  });
});

describe('the resource-server kit figures', () => {
  it("rounds protect's figures and judges its overhead against protect_extra_us", () => {
    expect(TARGETS.protect_extra_us).toBe(15);
    const raw = {
      protect_cpu_us: 51.26,
      protect_raw_verify_cpu_us: 40.04,
      protect_overhead_us: 11.22,
      protect_jwks_fetches: 1,
    };
    const f = computeFigures({ ...base, protect: raw });
    expect(f).toMatchObject({
      protect_cpu_us: 51.3,
      protect_raw_verify_cpu_us: 40,
      protect_overhead_us: 11.2,
      protect_jwks_fetches: 1,
    });
    expect(targetsMet(f).protect_extra_us).toBe(true);
    const over = computeFigures({ ...base, protect: { ...raw, protect_overhead_us: 15.2 } });
    expect(targetsMet(over).protect_extra_us).toBe(false);
    expect(targetsMet(computeFigures(base)).protect_extra_us).toBeUndefined();
  });
});

describe('parseBenchOptions', () => {
  it('reads every flag into one value, and refuses a count that is not one', () => {
    expect(parseBenchOptions(['--rounds', '5', '--in-process-only'], { BENCH_THREADS: '1' })).toMatchObject({
      rounds: 5,
      durationMs: 3000,
      coldRuns: 10,
      inProcessOnly: true,
      coldOnly: false,
      protectOnly: false,
      threads: true,
      gatewayFlags: [],
    });
    expect(parseBenchOptions(['--protect-only'], {}).protectOnly).toBe(true);
    expect(() => parseBenchOptions(['--rounds', '0'], {})).toThrow('--rounds must be an integer ≥ 1, got 0');
    expect(() => parseBenchOptions(['--nope'], {})).toThrow();
  });
});
