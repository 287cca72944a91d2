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

/** `trees`: this tree's setup first, then the compared tree's, if any. */
export async function measureThroughGateway(
  options: BenchOptions,
  trees: readonly { name: string; tree: string; setup: BenchSetup; port: number }[],
): Promise<GatewayLoad> {
  const setup = trees[0]!.setup;
  const [oneToken] = await mintTokens(setup, 1);
  const plain = await startServer('plain-server.ts', ['hello'], process.env);
  // The same server doing only the cryptography each endpoint cannot avoid: what the ratios would be
  // for a server that did nothing else, measured the same way.
  const bareSign = await startServer('plain-server.ts', ['sign'], process.env);
  const bareVerify = await startServer('plain-server.ts', ['verify'], {
    ...process.env,
    BENCH_PUBLIC_KEY: setup.signingKey.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  });
  const gatewayFlags = [
    ...(options.profileDir ? ['--cpu-prof', '--cpu-prof-dir', options.profileDir] : []),
    ...options.gatewayFlags,
  ];
  const sides: (GatewaySide & { gateway: ServerChild })[] = [];
  for (const { name, tree, setup: sideSetup, port } of trees) {
    const gateway = await startServer(
      await bundleGateway(tree, name === 'compare' ? 'compare' : 'this'),
      [sideSetup.root, String(port)],
      { ...process.env, ...sideSetup.env },
      gatewayFlags,
    );
    sides.push({
      name,
      tree,
      setup: sideSetup,
      gateway,
      rounds: { token: [], work: [], code: [] },
      tokenOverhead: [],
      workOverhead: [],
      tokenOverBare: [],
      workOverBare: [],
    });
  }

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
  // Each phase's ratio divides by the floors taken just before and just after it, since on a shared
  // machine the speed of a core drifts by tens of percent in seconds.
  const meter = createFloorMeter();
  const around = async <T>(kind: 'sign' | 'verify', phase: () => Promise<T>): Promise<[T, number]> => {
    const measure = () => (kind === 'sign' ? meter.measure(100, 0) : meter.measure(0, 1000));
    const before = (await measure())[kind];
    const result = await phase();
    const after = (await measure())[kind];
    (kind === 'sign' ? load.signFloors : load.verifyFloors).push(before, after);
    return [result, (before + after) / 2];
  };
  const run = (server: ServerChild, job: LoadJob) => runLoad(server, job, options.threads);
  let pool: string[] = [];
  const plainJob = (server: ServerChild): LoadJob => ({
    origin: server.origin,
    method: 'GET',
    path: '/work',
    headers: {},
    connections: options.connections,
    warmupMs: WARMUP_MS,
    warmupMax: 0,
    durationMs: options.durationMs,
    maxRequests: 0,
  });

  const ROUNDS = options.rounds;
  for (let round = 1; round <= ROUNDS; round++) {
    progress(`round ${round}/${ROUNDS}: bare HTTP server`);
    const plainRound = await run(plain, plainJob(plain));
    load.plain.push(plainRound);

    progress(`round ${round}/${ROUNDS}: bare HTTP server, one RS256 signature per request`);
    const [signRound, bareSignFloor] = await around('sign', () => run(bareSign, plainJob(bareSign)));
    load.bareSign.push(signRound);
    load.bareSignOverhead.push(signRound.cpuUs / bareSignFloor);

    progress(`round ${round}/${ROUNDS}: bare HTTP server, two RS256 verifications per request`);
    const [verifyRound, bareVerifyFloor] = await around('verify', () =>
      run(bareVerify, { ...plainJob(bareVerify), headers: { authorization: `Bearer ${oneToken}` } }),
    );
    load.bareVerify.push(verifyRound);
    load.bareVerifyOverhead.push(verifyRound.cpuUs / (plainRound.cpuUs + 2 * bareVerifyFloor));

    // Alternate which tree goes first, so neither always gets the quieter half of a round.
    const order = round % 2 === 1 ? sides : [...sides].reverse();
    for (const side of order) {
      const tag = sides.length > 1 ? ` [${side.name}]` : '';
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
      progress(`round ${round}/${ROUNDS}: POST /token (client_credentials)${tag}`);
      const collected = join(setup.root, 'issued.txt');
      const [token, signFloor] = await around('sign', () =>
        run(side.gateway, { ...tokenJob, collectTokensFile: collected }),
      );
      side.rounds.token.push(token);
      side.tokenOverhead.push(token.cpuUs / signFloor);
      side.tokenOverBare.push(token.cpuUs / signRound.cpuUs);
      pool.push(...readFileSync(collected, 'utf8').split('\n').filter(Boolean));

      const needed = WORK_WARMUP_MAX + WORK_MAX;
      if (pool.length < needed) {
        progress(`round ${round}/${ROUNDS}: minting ${needed - pool.length} more distinct tokens`);
        pool.push(...(await mintTokens(setup, needed - pool.length)));
      }
      const tokensFile = join(setup.root, 'tokens.txt');
      writeFileSync(tokensFile, `${pool.slice(0, needed).join('\n')}\n`);
      pool = pool.slice(needed);

      progress(`round ${round}/${ROUNDS}: GET /work (a different token on every request)${tag}`);
      const [work, verifyFloor] = await around('verify', () =>
        run(side.gateway, {
          origin: side.gateway.origin,
          method: 'GET',
          path: '/work',
          headers: {},
          connections: options.connections,
          warmupMs: WARMUP_MS,
          warmupMax: WORK_WARMUP_MAX,
          durationMs: options.durationMs,
          maxRequests: WORK_MAX,
          tokensFile,
        }),
      );
      side.rounds.work.push(work);
      side.workOverhead.push(work.cpuUs / (plainRound.cpuUs + 2 * verifyFloor));
      side.workOverBare.push(work.cpuUs / verifyRound.cpuUs);

      progress(`round ${round}/${ROUNDS}: POST /token (authorization_code + PKCE, a fresh code each)${tag}`);
      const codesFile = join(setup.root, 'codes.txt');
      await writeCodeExchanges(setup, CODE_WARMUP_MAX + CODE_MAX, codesFile);
      side.rounds.code.push(
        await run(side.gateway, {
          ...tokenJob,
          body: undefined,
          bodiesFile: codesFile,
          warmupMax: CODE_WARMUP_MAX,
          maxRequests: CODE_MAX,
        }),
      );
    }
  }

  for (const side of sides) side.usage = await side.gateway.usage();
  await Promise.all([
    plain.stop(),
    bareSign.stop(),
    bareVerify.stop(),
    ...sides.map((s) => s.gateway.stop()),
  ]);
  for (const side of sides) rmSync(join(side.setup.root, 'tokens.txt'), { force: true });
  return { ...load, sides: sides.map(({ gateway: _, ...side }) => side) };
}
