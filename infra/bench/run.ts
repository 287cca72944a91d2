// npm run bench — everything measured in one run on this machine: the RS256 floor, a bare HTTP
// server, POST /token and GET /work through the local gateway (production bundles, own process),
// cold starts, bundle sizes and the gateway's peak memory. A table for people, then one JSON line.
//
// Flags: --rounds N (load rounds, median taken; default 3), --duration S (measured seconds per load
// phase; default 3), --cold N (cold starts per function; default 11), --connections N (default 32),
// --profile DIR (write the gateway's CPU profiles, every thread, with node --cpu-prof to DIR).
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { signAccessToken } from '../../shared/jwt/sign.ts';
import { freePort } from '../net.ts';
import { loadProject } from '../serverless/project.ts';
import { writeCodeExchanges } from './code-flow.ts';
import { type ColdTarget, measureColdStarts } from './cold-start.ts';
import { measureCrypto } from './crypto.ts';
import type { LoadJob, LoadMessage, LoadResult } from './load.ts';
import { BENCH_CLIENT_ID, BENCH_SCOPE, type BenchSetup, basicAuth, prepareBench } from './setup.ts';
import type { ServerMessage, Usage } from './usage.ts';

const HERE = import.meta.dirname;
const REPO = resolve(HERE, '../..');

const { values: flags } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '3' },
    cold: { type: 'string', default: '11' },
    connections: { type: 'string', default: '32' },
    profile: { type: 'string' },
  },
});
const ROUNDS = Number(flags.rounds);
const DURATION_MS = Number(flags.duration) * 1000;
const COLD_RUNS = Number(flags.cold);
const CONNECTIONS = Number(flags.connections);
// Long enough for the optimizing compiler to settle in every isolate of the gateway.
const WARMUP_MS = 2000;
// GET /work sends each token once, and each code exchange redeems its own code: these bound how
// many a round needs.
const WORK_WARMUP_MAX = 1500;
const WORK_MAX = 5000;
const CODE_WARMUP_MAX = 600;
const CODE_MAX = 2400;

const TARGETS = {
  token_overhead: 1.25,
  work_overhead: 1.5,
  cold_extra_ms: 30,
  bundle_bytes: 100_000,
  peak_rss_mb: 128,
};

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

function startChild(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  execArgv: string[] = [],
): ChildProcess {
  // A prebuilt .mjs runs on plain node; sources run through tsx.
  const loader = file.endsWith('.mjs') ? [] : ['--import', 'tsx'];
  return fork(file.startsWith('/') ? file : join(HERE, file), args, {
    cwd: REPO,
    env,
    execArgv: [...loader, ...execArgv],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
}

/**
 * The gateway process as one JavaScript file, so that it runs on plain node like the functions do:
 * no TypeScript loader thread in the process whose memory and CPU are measured. It is written under
 * node_modules/.cache so that esbuild (needed only to build from source) still resolves.
 */
async function bundleGateway(): Promise<string> {
  const outfile = join(REPO, 'node_modules', '.cache', 'scf-oauth2-bench', 'gateway-server.mjs');
  await build({
    entryPoints: [join(HERE, 'gateway-server.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    external: ['esbuild'],
    // CommonJS dependencies bundled into ESM need a require.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    logLevel: 'silent',
  });
  return outfile;
}

/** A measured server process: its origin, and its usage on demand. */
interface ServerChild {
  origin: string;
  usage(): Promise<Usage>;
  stop(): Promise<void>;
}

function startServer(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  execArgv: string[] = [],
): Promise<ServerChild> {
  const child = startChild(file, args, env, execArgv);
  const waiters: ((u: Usage) => void)[] = [];
  return new Promise((ok, fail) => {
    child.once('exit', (code) => fail(new Error(`${file} exited with ${code} before it was ready`)));
    child.on('message', (msg: ServerMessage) => {
      if (msg.type === 'usage') waiters.shift()?.(msg.usage);
      else
        ok({
          origin: msg.origin,
          usage: () =>
            new Promise((got) => {
              waiters.push(got);
              child.send('usage');
            }),
          stop: () =>
            new Promise<void>((stopped) => {
              child.removeAllListeners('exit');
              child.once('exit', () => stopped());
              // A disconnect lets it exit by itself (and write its profile, if one was asked for).
              child.disconnect();
            }),
        });
    });
  });
}

interface PhaseFigures {
  cpuUs: number;
  rps: number;
  p99Ms: number;
  requests: number;
}

/** One load phase: warm up, then CPU of the server read around exactly the measured requests. */
function runLoad(server: ServerChild, job: LoadJob): Promise<PhaseFigures> {
  const child = startChild('load.ts', [], process.env);
  let before: Usage | undefined;
  return new Promise((ok, fail) => {
    child.once('exit', (code) => {
      if (code !== 0) fail(new Error(`load generator exited with ${code}`));
    });
    child.on('message', async (msg: LoadMessage) => {
      if (msg.type === 'failed') return fail(new Error(msg.message));
      if (msg.type === 'warm') {
        if (msg.errors > 0) progress(`warning: ${msg.errors} failed warm-up requests on ${job.path}`);
        before = await server.usage();
        child.send('go');
        return;
      }
      const after = await server.usage();
      const r: LoadResult = msg.result;
      if (r.errors > 0 || r.requests === 0) {
        return fail(
          new Error(
            `${job.method} ${job.path}: ${r.errors} of ${r.requests} requests failed ${JSON.stringify(r.statuses)}: ${r.firstFailure ?? ''}`,
          ),
        );
      }
      if (process.env.BENCH_THREADS) {
        const parts = Object.entries(after.threads)
          .map(([name, us]) => [name, (us - (before!.threads[name] ?? 0)) / r.requests] as const)
          .filter(([, us]) => us > 0)
          .map(([name, us]) => `${name} ${us.toFixed(0)}`);
        progress(`  CPU µs/request by thread: ${parts.join(', ')}`);
      }
      ok({
        cpuUs: (after.cpuUs - before!.cpuUs) / r.requests,
        rps: r.rps,
        p99Ms: r.p99Ms,
        requests: r.requests,
      });
    });
    child.send(job);
  });
}

/** Tokens exactly as the token endpoint issues them, signed here with the bench key. */
async function mintTokens(setup: BenchSetup, count: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const { token } = await signAccessToken(setup.signingKey, {
      issuer: setup.issuer,
      audience: setup.audience,
      subject: BENCH_CLIENT_ID,
      clientId: BENCH_CLIENT_ID,
      scope: BENCH_SCOPE,
      ttlSeconds: 300,
      now: Date.now(),
      typ: 'at+jwt',
    });
    tokens.push(token);
  }
  return tokens;
}

function coldTargets(setup: BenchSetup, workToken: string): ColdTarget[] {
  const project = loadProject(setup.root, { env: setup.env });
  const host = new URL(setup.issuer).host;
  const base = { headers: { host, 'x-forwarded-proto': 'http' }, queryString: {}, isBase64Encoded: false };
  const events: Record<string, unknown> = {
    token: {
      ...base,
      httpMethod: 'POST',
      path: '/token',
      headers: {
        ...base.headers,
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuth(BENCH_CLIENT_ID, setup.clientSecret),
      },
      body: 'grant_type=client_credentials&scope=read',
    },
    business: {
      ...base,
      httpMethod: 'GET',
      path: '/work',
      headers: { ...base.headers, authorization: `Bearer ${workToken}` },
    },
    authorize: {
      ...base,
      httpMethod: 'GET',
      path: '/authorize',
      queryString: {
        response_type: 'code',
        client_id: BENCH_CLIENT_ID,
        redirect_uri: setup.redirectUri,
        scope: 'read',
        state: 'bench',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      },
    },
  };
  return project.functions.map((fn) => {
    const name = basename(fn.src);
    return {
      name,
      file: join(fn.src, 'index.js'),
      env: fn.environment,
      event: events[name] ?? { ...base, httpMethod: 'GET', path: '/' },
    };
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const r1 = (n: number) => Math.round(n * 10) / 10;
const r2 = (n: number) => Math.round(n * 100) / 100;
const r3 = (n: number) => Math.round(n * 1000) / 1000;

async function main(): Promise<void> {
  const started = performance.now();
  const port = await freePort();
  progress('building production bundles');
  const setup = await prepareBench(REPO, port);

  progress('RS256 with node:crypto and jose');
  const crypto = await measureCrypto(300, 3000);

  progress(`cold starts (${COLD_RUNS} per function)`);
  const [coldToken] = await mintTokens(setup, 1);
  const cold = await measureColdStarts(coldTargets(setup, coldToken!), COLD_RUNS);

  const plain = await startServer('plain-server.ts', [], process.env);
  const gateway = await startServer(
    await bundleGateway(),
    [setup.root, String(port)],
    { ...process.env, ...setup.env },
    [
      ...(flags.profile ? ['--cpu-prof', '--cpu-prof-dir', resolve(flags.profile)] : []),
      ...(process.env.BENCH_GATEWAY_FLAGS?.split(' ').filter(Boolean) ?? []),
    ],
  );

  const tokenJob: LoadJob = {
    origin: gateway.origin,
    method: 'POST',
    path: '/token',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basicAuth(BENCH_CLIENT_ID, setup.clientSecret),
    },
    body: 'grant_type=client_credentials&scope=read',
    connections: CONNECTIONS,
    warmupMs: WARMUP_MS,
    warmupMax: 0,
    durationMs: DURATION_MS,
    maxRequests: 0,
  };
  const tokensFile = join(setup.root, 'tokens.txt');
  const rounds: Record<'plain' | 'token' | 'work' | 'code', PhaseFigures[]> = {
    plain: [],
    token: [],
    work: [],
    code: [],
  };
  const codesFile = join(setup.root, 'codes.txt');
  let pool: string[] = [];

  for (let round = 1; round <= ROUNDS; round++) {
    progress(`round ${round}/${ROUNDS}: bare HTTP server`);
    rounds.plain.push(
      await runLoad(plain, {
        origin: plain.origin,
        method: 'GET',
        path: '/work',
        headers: {},
        connections: CONNECTIONS,
        warmupMs: WARMUP_MS,
        warmupMax: 0,
        durationMs: DURATION_MS,
        maxRequests: 0,
      }),
    );

    progress(`round ${round}/${ROUNDS}: POST /token (client_credentials)`);
    const collected = join(setup.root, `issued-${round}.txt`);
    rounds.token.push(await runLoad(gateway, { ...tokenJob, collectTokensFile: collected }));
    pool.push(...readFileSync(collected, 'utf8').split('\n').filter(Boolean));

    const needed = WORK_WARMUP_MAX + WORK_MAX;
    if (pool.length < needed) {
      progress(`round ${round}/${ROUNDS}: minting ${needed - pool.length} more distinct tokens`);
      pool.push(...(await mintTokens(setup, needed - pool.length)));
    }
    writeFileSync(tokensFile, `${pool.slice(0, needed).join('\n')}\n`);
    pool = pool.slice(needed);

    progress(`round ${round}/${ROUNDS}: GET /work (a different token on every request)`);
    rounds.work.push(
      await runLoad(gateway, {
        origin: gateway.origin,
        method: 'GET',
        path: '/work',
        headers: {},
        connections: CONNECTIONS,
        warmupMs: WARMUP_MS,
        warmupMax: WORK_WARMUP_MAX,
        durationMs: DURATION_MS,
        maxRequests: WORK_MAX,
        tokensFile,
      }),
    );

    progress(`round ${round}/${ROUNDS}: POST /token (authorization_code + PKCE, a fresh code each)`);
    await writeCodeExchanges(setup, CODE_WARMUP_MAX + CODE_MAX, codesFile);
    rounds.code.push(
      await runLoad(gateway, {
        ...tokenJob,
        body: undefined,
        bodiesFile: codesFile,
        warmupMax: CODE_WARMUP_MAX,
        maxRequests: CODE_MAX,
      }),
    );
  }

  const gatewayUsage = await gateway.usage();
  await Promise.all([plain.stop(), gateway.stop()]);
  rmSync(setup.root, { recursive: true, force: true });

  const pick = (phase: PhaseFigures[], key: keyof PhaseFigures) => median(phase.map((p) => p[key]));
  const plainCpu = pick(rounds.plain, 'cpuUs');
  const tokenCpu = pick(rounds.token, 'cpuUs');
  const workCpu = pick(rounds.work, 'cpuUs');
  const bundleBytes = Object.fromEntries(setup.bundles.map((b) => [b.name, b.bytes]));
  // Files a deployment loads only when its configuration needs them (the Redis store).
  const optionalBytes = Object.fromEntries(
    setup.bundles.map((b) => [b.name, b.chunks.reduce((n, c) => n + c.bytes, 0)]),
  );
  const figures = {
    sign_cpu_us: r1(crypto.sign_cpu_us),
    verify_cpu_us: r1(crypto.verify_cpu_us),
    plain_cpu_us: r1(plainCpu),
    plain_rps: Math.round(pick(rounds.plain, 'rps')),
    token_cpu_us: r1(tokenCpu),
    token_rps: Math.round(pick(rounds.token, 'rps')),
    token_p99_ms: r2(pick(rounds.token, 'p99Ms')),
    token_overhead: r3(tokenCpu / crypto.sign_cpu_us),
    work_cpu_us: r1(workCpu),
    work_rps: Math.round(pick(rounds.work, 'rps')),
    work_p99_ms: r2(pick(rounds.work, 'p99Ms')),
    work_overhead: r3(workCpu / (plainCpu + 2 * crypto.verify_cpu_us)),
    code_flow_cpu_us: r1(pick(rounds.code, 'cpuUs')),
    code_flow_rps: Math.round(pick(rounds.code, 'rps')),
    code_flow_p99_ms: r2(pick(rounds.code, 'p99Ms')),
    cold_start_ms: cold.cold_start_ms,
    node_baseline_ms: cold.node_baseline_ms,
    bundle_bytes: bundleBytes,
    optional_chunk_bytes: optionalBytes,
    peak_rss_mb: r1(gatewayUsage.maxRssBytes / 1024 / 1024),
    jose_sign_cpu_us: r1(crypto.jose_sign_cpu_us),
    jose_verify_cpu_us: r1(crypto.jose_verify_cpu_us),
    plain_p99_ms: r2(pick(rounds.plain, 'p99Ms')),
    cold_start_status: cold.statuses,
    settings: {
      rounds: ROUNDS,
      measured_s: DURATION_MS / 1000,
      connections: CONNECTIONS,
      cold_runs: COLD_RUNS,
    },
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      node: process.version,
      openssl: process.versions.openssl,
    },
    elapsed_s: 0,
  };
  figures.elapsed_s = Math.round((performance.now() - started) / 1000);

  const worstCold = Math.max(...Object.values(cold.cold_start_ms));
  const check = (ok: boolean) => (ok ? 'ok' : 'MISSED');
  const rows: [string, string, string][] = [
    ['RS256 sign, node:crypto', `${figures.sign_cpu_us} µs CPU`, `jose: ${figures.jose_sign_cpu_us} µs`],
    [
      'RS256 verify, node:crypto',
      `${figures.verify_cpu_us} µs CPU`,
      `jose: ${figures.jose_verify_cpu_us} µs`,
    ],
    ['bare HTTP hello world', `${figures.plain_cpu_us} µs CPU/req`, `${figures.plain_rps} req/s`],
    [
      'POST /token',
      `${figures.token_cpu_us} µs CPU/req`,
      `${figures.token_rps} req/s, p99 ${figures.token_p99_ms} ms`,
    ],
    [
      '  token_overhead',
      `${figures.token_overhead}`,
      `target ≤ ${TARGETS.token_overhead}: ${check(figures.token_overhead <= TARGETS.token_overhead)}`,
    ],
    [
      'GET /work',
      `${figures.work_cpu_us} µs CPU/req`,
      `${figures.work_rps} req/s, p99 ${figures.work_p99_ms} ms`,
    ],
    [
      '  work_overhead',
      `${figures.work_overhead}`,
      `target ≤ ${TARGETS.work_overhead}: ${check(figures.work_overhead <= TARGETS.work_overhead)}`,
    ],
    [
      'POST /token (code + PKCE)',
      `${figures.code_flow_cpu_us} µs CPU/req`,
      `${figures.code_flow_rps} req/s, p99 ${figures.code_flow_p99_ms} ms; access + refresh token, memory store`,
    ],
    ['node -e (baseline)', `${figures.node_baseline_ms} ms`, 'median'],
    ...Object.entries(cold.cold_start_ms).map(([name, ms]): [string, string, string] => [
      `cold start ${name}`,
      `${ms} ms`,
      `target ≤ ${r1(figures.node_baseline_ms + TARGETS.cold_extra_ms)}: ${check(ms <= figures.node_baseline_ms + TARGETS.cold_extra_ms)}`,
    ]),
    ...Object.entries(bundleBytes).map(([name, bytes]): [string, string, string] => [
      `bundle ${name}`,
      `${(bytes / 1000).toFixed(1)} KB`,
      `target ≤ 100 KB: ${check(bytes <= TARGETS.bundle_bytes)}${optionalBytes[name] ? `; + ${(optionalBytes[name] / 1000).toFixed(1)} KB loaded only with OAUTH_STORE=redis://` : ''}`,
    ]),
    [
      'gateway peak RSS',
      `${figures.peak_rss_mb} MB`,
      `target ≤ ${TARGETS.peak_rss_mb}: ${check(figures.peak_rss_mb <= TARGETS.peak_rss_mb)}`,
    ],
  ];
  const widths = [0, 1].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = [
    '',
    `${figures.machine.cpu}, ${figures.machine.cores} cores, Node ${figures.machine.node}; ${ROUNDS} rounds of ${DURATION_MS / 1000} s at ${CONNECTIONS} keep-alive connections, medians`,
    '',
    ...rows.map(([a, b, c]) => `  ${a.padEnd(widths[0]!)}  ${b.padStart(widths[1]!)}  ${c}`),
    '',
    `  (worst cold start ${worstCold} ms; ${figures.elapsed_s} s in all)`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n${JSON.stringify(figures)}\n`);
}

await main();
process.exit(0);
