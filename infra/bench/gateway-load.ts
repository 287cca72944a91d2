// Through the local gateway, for information: a bare HTTP server (also made to do only one signature,
// or only two verifications, per request), and POST /token, GET /work and a code + PKCE exchange at the
// gateway (production bundles, the gateway as one JavaScript file in its own process) under a
// keep-alive load generator in another process. CPU is the server process's own, per request.
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { writeCodeExchanges } from './code-flow.ts';
import { createFloorMeter } from './crypto.ts';
import type { LoadJob, LoadMessage, LoadResult } from './load.ts';
import type { BenchOptions } from './options.ts';
import { BENCH_CLIENT_ID, type BenchSetup, basicAuth } from './setup.ts';
import { mintTokens } from './targets.ts';
import type { ServerMessage, Usage } from './usage.ts';

const HERE = import.meta.dirname;
const REPO = resolve(HERE, '../..');

// Long enough for the optimizing compiler to settle in every isolate of the gateway.
const WARMUP_MS = 2000;
// GET /work sends each token once, and each code exchange redeems its own code: these bound how
// many a round needs. The warm-ups are about 1 s (/work) and 2 s (code) at this machine's rates:
// shorter, the first round still ran partly unoptimized code (the compiler threads alone took
// ~40 µs per /work request with 1000).
const WORK_WARMUP_MAX = 3000;
const WORK_MAX = 4000;
const CODE_WARMUP_MAX = 1500;
const CODE_MAX = 2400;

export interface PhaseFigures {
  cpuUs: number;
  rps: number;
  p99Ms: number;
  requests: number;
}

/** One tree's gateway: its rounds, and its usage at the end. */
export interface GatewaySide {
  name: string;
  tree: string;
  setup: BenchSetup;
  rounds: Record<'token' | 'work' | 'code', PhaseFigures[]>;
  /** Per round: token CPU over that round's signature CPU, and /work's over its floor. */
  tokenOverhead: number[];
  workOverhead: number[];
  /** Per round: CPU per request over that of the bare server doing the same cryptography. */
  tokenOverBare: number[];
  workOverBare: number[];
  usage?: Usage;
}

export interface GatewayLoad {
  plain: PhaseFigures[];
  bareSign: PhaseFigures[];
  bareVerify: PhaseFigures[];
  bareSignOverhead: number[];
  bareVerifyOverhead: number[];
  /** Every floor measurement of the load rounds. */
  signFloors: number[];
  verifyFloors: number[];
  sides: GatewaySide[];
}

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
async function bundleGateway(tree: string, name: string): Promise<string> {
  const outfile = join(REPO, 'node_modules', '.cache', 'scf-oauth2-bench', `gateway-${name}.mjs`);
  const own = join(tree, 'infra', 'bench', 'gateway-server.ts');
  await build({
    entryPoints: [existsSync(own) ? own : join(HERE, 'gateway-server.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    external: ['esbuild'],
    // CommonJS dependencies bundled into ESM need a require.
    banner: {
      js: "import { createRequire as bundleRequire } from 'node:module'; const require = bundleRequire(import.meta.url);",
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

/** One load phase: warm up, then CPU of the server read around exactly the measured requests. */
function runLoad(server: ServerChild, job: LoadJob, threads: boolean): Promise<PhaseFigures> {
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
      if (threads) {
        const parts = Object.entries(after.threads)
          .map(([name, us]) => [name, (us - (before!.threads[name] ?? 0)) / r.requests] as const)
          .filter(([, us]) => us > 0)
          .map(([name, us]) => `${name} ${us.toFixed(0)}`);
        const system =
          after.sysUs !== undefined && before!.sysUs !== undefined
            ? `; in the kernel: ${((after.sysUs - before!.sysUs) / r.requests).toFixed(0)}`
            : '';
        progress(`  CPU µs/request by thread: ${parts.join(', ')}${system}`);
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

interface Tree {
  name: string;
  tree: string;
  setup: BenchSetup;
  port: number;
}

type LiveSide = GatewaySide & { gateway: ServerChild };

/** The bare servers of the comparison: plain HTTP, and the same doing only the cryptography. */
interface BareServers {
  plain: ServerChild;
  sign: ServerChild;
  verify: ServerChild;
  /** The token the bare verifying server is sent (it checks two verifications of the same). */
  token: string;
}

/** What a round's bare phases measured, which the gateway phases of the round are divided by. */
interface BareRound {
  plainCpuUs: number;
  signCpuUs: number;
  verifyCpuUs: number;
}

/**
 * Measures each phase bracketed by floors: the raw signature or verification CPU just before and
 * just after it, since on a shared machine the speed of a core drifts by tens of percent in seconds.
 */
class Phases {
  readonly #meter = createFloorMeter();

  constructor(
    readonly options: BenchOptions,
    readonly load: GatewayLoad,
  ) {}

  run(server: ServerChild, job: LoadJob): Promise<PhaseFigures> {
    return runLoad(server, job, this.options.threads);
  }

  /** `phase`'s figures, and the mean of the floors of `kind` taken around it. */
  async around(kind: 'sign' | 'verify', phase: () => Promise<PhaseFigures>): Promise<[PhaseFigures, number]> {
    const measure = () => (kind === 'sign' ? this.#meter.measure(100, 0) : this.#meter.measure(0, 1000));
    const before = (await measure())[kind];
    const result = await phase();
    const after = (await measure())[kind];
    (kind === 'sign' ? this.load.signFloors : this.load.verifyFloors).push(before, after);
    return [result, (before + after) / 2];
  }

  /** A GET /work load without a token: what the bare servers answer. */
  bareJob(server: ServerChild): LoadJob {
    return {
      origin: server.origin,
      method: 'GET',
      path: '/work',
      headers: {},
      connections: this.options.connections,
      warmupMs: WARMUP_MS,
      warmupMax: 0,
      durationMs: this.options.durationMs,
      maxRequests: 0,
    };
  }
}

async function startBareServers(setup: BenchSetup): Promise<BareServers> {
  const [token] = await mintTokens(setup, 1);
  return {
    plain: await startServer('plain-server.ts', ['hello'], process.env),
    sign: await startServer('plain-server.ts', ['sign'], process.env),
    verify: await startServer('plain-server.ts', ['verify'], {
      ...process.env,
      BENCH_PUBLIC_KEY: setup.signingKey.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    }),
    token: token!,
  };
}

async function startGateways(options: BenchOptions, trees: readonly Tree[]): Promise<LiveSide[]> {
  const flags = [
    ...(options.profileDir ? ['--cpu-prof', '--cpu-prof-dir', options.profileDir] : []),
    ...options.gatewayFlags,
  ];
  const sides: LiveSide[] = [];
  for (const { name, tree, setup, port } of trees) {
    const gateway = await startServer(
      await bundleGateway(tree, name === 'compare' ? 'compare' : 'this'),
      [setup.root, String(port)],
      { ...process.env, ...setup.env },
      flags,
    );
    sides.push({
      name,
      tree,
      setup,
      gateway,
      rounds: { token: [], work: [], code: [] },
      tokenOverhead: [],
      workOverhead: [],
      tokenOverBare: [],
      workOverBare: [],
    });
  }
  return sides;
}

/** The bare servers' phases of one round. */
async function runBareRound(phases: Phases, bare: BareServers, label: string): Promise<BareRound> {
  const { load } = phases;
  progress(`${label}: bare HTTP server`);
  const plain = await phases.run(bare.plain, phases.bareJob(bare.plain));
  load.plain.push(plain);

  progress(`${label}: bare HTTP server, one RS256 signature per request`);
  const [sign, signFloor] = await phases.around('sign', () =>
    phases.run(bare.sign, phases.bareJob(bare.sign)),
  );
  load.bareSign.push(sign);
  load.bareSignOverhead.push(sign.cpuUs / signFloor);

  progress(`${label}: bare HTTP server, two RS256 verifications per request`);
  const [verify, verifyFloor] = await phases.around('verify', () =>
    phases.run(bare.verify, {
      ...phases.bareJob(bare.verify),
      headers: { authorization: `Bearer ${bare.token}` },
    }),
  );
  load.bareVerify.push(verify);
  load.bareVerifyOverhead.push(verify.cpuUs / (plain.cpuUs + 2 * verifyFloor));
  return { plainCpuUs: plain.cpuUs, signCpuUs: sign.cpuUs, verifyCpuUs: verify.cpuUs };
}

/**
 * One tree's gateway phases of a round: POST /token (client_credentials), GET /work with a different
 * token each time (the tokens the first phase issued, topped up), and code + PKCE exchanges.
 * `pool`: tokens issued and not yet sent, carried from round to round.
 */
async function runGatewayRound(
  phases: Phases,
  side: LiveSide,
  bare: BareRound,
  pool: string[],
  round: number,
  label: string,
): Promise<void> {
  const { options } = phases;
  const setup = side.setup;
  const tokenJob: LoadJob = {
    origin: side.gateway.origin,
    method: 'POST',
    path: '/token',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basicAuth(BENCH_CLIENT_ID, setup.clientSecret),
    },
    body: 'grant_type=client_credentials&scope=read',
    connections: options.connections,
    // The first load a gateway gets: twice the warm-up, for its heap and compiled code to settle.
    warmupMs: round === 1 ? 2 * WARMUP_MS : WARMUP_MS,
    warmupMax: 0,
    durationMs: options.durationMs,
    maxRequests: 0,
  };
  progress(`${label}: POST /token (client_credentials)`);
  const collected = join(setup.root, 'issued.txt');
  const [token, signFloor] = await phases.around('sign', () =>
    phases.run(side.gateway, { ...tokenJob, collectTokensFile: collected }),
  );
  side.rounds.token.push(token);
  side.tokenOverhead.push(token.cpuUs / signFloor);
  side.tokenOverBare.push(token.cpuUs / bare.signCpuUs);
  pool.push(...readFileSync(collected, 'utf8').split('\n').filter(Boolean));

  const needed = WORK_WARMUP_MAX + WORK_MAX;
  if (pool.length < needed) {
    progress(`${label}: minting ${needed - pool.length} more distinct tokens`);
    pool.push(...(await mintTokens(setup, needed - pool.length)));
  }
  const tokensFile = join(setup.root, 'tokens.txt');
  writeFileSync(tokensFile, `${pool.splice(0, needed).join('\n')}\n`);

  progress(`${label}: GET /work (a different token on every request)`);
  const [work, verifyFloor] = await phases.around('verify', () =>
    phases.run(side.gateway, {
      ...phases.bareJob(side.gateway),
      warmupMax: WORK_WARMUP_MAX,
      maxRequests: WORK_MAX,
      tokensFile,
    }),
  );
  side.rounds.work.push(work);
  side.workOverhead.push(work.cpuUs / (bare.plainCpuUs + 2 * verifyFloor));
  side.workOverBare.push(work.cpuUs / bare.verifyCpuUs);

  progress(`${label}: POST /token (authorization_code + PKCE, a fresh code each)`);
  const codesFile = join(setup.root, 'codes.txt');
  await writeCodeExchanges(setup, CODE_WARMUP_MAX + CODE_MAX, codesFile);
  side.rounds.code.push(
    await phases.run(side.gateway, {
      ...tokenJob,
      body: undefined,
      bodiesFile: codesFile,
      warmupMax: CODE_WARMUP_MAX,
      maxRequests: CODE_MAX,
    }),
  );
}

/** `trees`: this tree's setup first, then the compared tree's, if any. */
export async function measureThroughGateway(
  options: BenchOptions,
  trees: readonly Tree[],
): Promise<GatewayLoad> {
  const bare = await startBareServers(trees[0]!.setup);
  const sides = await startGateways(options, trees);
  const load: GatewayLoad = {
    plain: [],
    bareSign: [],
    bareVerify: [],
    bareSignOverhead: [],
    bareVerifyOverhead: [],
    signFloors: [],
    verifyFloors: [],
    sides,
  };
  const phases = new Phases(options, load);
  const pool: string[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    const label = `round ${round}/${options.rounds}`;
    const bareRound = await runBareRound(phases, bare, label);
    // Alternate which tree goes first, so neither always gets the quieter half of a round.
    const order = round % 2 === 1 ? sides : [...sides].reverse();
    for (const side of order) {
      const tag = sides.length > 1 ? ` [${side.name}]` : '';
      await runGatewayRound(phases, side, bareRound, pool, round, `${label}${tag}`);
    }
  }

  for (const side of sides) side.usage = await side.gateway.usage();
  await Promise.all([
    bare.plain.stop(),
    bare.sign.stop(),
    bare.verify.stop(),
    ...sides.map((s) => s.gateway.stop()),
  ]);
  for (const side of sides) rmSync(join(side.setup.root, 'tokens.txt'), { force: true });
  return { ...load, sides: sides.map(({ gateway: _, ...side }) => side) };
}
