// npm run soak — a bounded soak of the local gateway: mixed flows at saturation for a fixed time with
// the Redis store, counting every unexpected answer and watching the gateway's resident memory.
// Loopback only: a redis-server and the gateway are started here, on free ports, and stopped after.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { makeDevEnvironment } from '../gateway/dev-env.ts';
import { freePort } from '../net.ts';
import { startRedis } from '../redis-server.ts';
import { FlowClient } from './flows.ts';

const ROOT = join(import.meta.dirname, '..', '..');

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

async function startGateway(env: Record<string, string>, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'infra/gateway/cli.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      // The gateway's heap, which holds the three functions, is bounded as an SCF instance's memory
      // bounds a function's, so V8 collects instead of growing into a laptop's free memory, and a
      // real leak shows as growth.
      NODE_OPTIONS: '--max-old-space-size=64 --max-semi-space-size=4',
      // Fewer malloc arenas for the gateway's threads: RSS then tracks what the heap really holds.
      MALLOC_ARENA_MAX: '2',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let seen = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the gateway did not start:\n${seen}`)), 60_000);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      if (seen.length < 100_000) seen += chunk;
      if (seen.includes('Local API Gateway listening')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      seen += chunk;
    });
    child.once('exit', (code) => reject(new Error(`the gateway exited (${code}):\n${seen}`)));
  });
  return child;
}

interface SoakOptions {
  seconds: number;
  users: number;
}

function readOptions(): SoakOptions | undefined {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '90' },
      users: { type: 'string', default: '24' },
    },
  });
  const seconds = Number(values.seconds);
  const users = Number(values.users);
  if (!(seconds >= 5 && seconds <= 3600) || !(users >= 1 && users <= 256)) return undefined;
  return { seconds, users };
}

/** Counts every request of a flow, and the unexpected answers among them. */
class Tally {
  requests = 0;
  failures = 0;
  firstFailure?: string;
  readonly flows: Record<string, number> = {};

  started(flow: string): void {
    this.flows[flow] = (this.flows[flow] ?? 0) + 1;
  }

  expect(ok: boolean, what: string): void {
    this.requests++;
    if (!ok) this.fail(what);
  }

  fail(what: string): void {
    this.failures++;
    this.firstFailure ??= what;
  }
}

/**
 * One virtual user until the deadline: of every 20 turns, 11 client credentials grants with /work,
 * 7 code flows with /work and two refreshes, 2 replays (a code and a revoked family, a broken token).
 */
async function virtualUser(client: FlowClient, n: number, deadline: number, tally: Tally): Promise<void> {
  let i = n;
  while (performance.now() < deadline) {
    i++;
    try {
      if (i % 20 < 11) await clientCredentialsFlow(client, tally);
      else if (i % 20 < 18) await codeFlow(client, tally);
      else await replayFlow(client, tally);
    } catch (error) {
      tally.requests++;
      tally.fail(`flow threw: ${(error as Error).message}`);
    }
  }
}

async function clientCredentialsFlow(client: FlowClient, tally: Tally): Promise<void> {
  tally.started('client_credentials');
  const t = await client.token({ grant_type: 'client_credentials', scope: 'read' });
  tally.expect(t.status === 200, `client_credentials answered ${t.status}`);
  const w = await client.work(t.body.access_token ?? '');
  tally.expect(w.status === 200 && w.text === 'hello world', `/work answered ${w.status}`);
}

async function codeFlow(client: FlowClient, tally: Tally): Promise<void> {
  tally.started('authorization_code');
  const code = await client.obtainCode();
  tally.requests += 2; // the consent page and the consent POST
  const t = await client.exchangeCode(code);
  tally.expect(t.status === 200, `code exchange answered ${t.status} ${t.body.error ?? ''}`);
  const w = await client.work(t.body.access_token ?? '');
  tally.expect(w.status === 200, `/work answered ${w.status}`);
  const r1 = await client.refresh(t.body.refresh_token ?? '');
  tally.expect(r1.status === 200, `refresh answered ${r1.status} ${r1.body.error ?? ''}`);
  const r2 = await client.refresh(r1.body.refresh_token ?? '');
  tally.expect(r2.status === 200, `second refresh answered ${r2.status} ${r2.body.error ?? ''}`);
}

async function replayFlow(client: FlowClient, tally: Tally): Promise<void> {
  tally.started('replay');
  const code = await client.obtainCode();
  tally.requests += 2;
  const t = await client.exchangeCode(code);
  tally.expect(t.status === 200, `code exchange answered ${t.status}`);
  const again = await client.exchangeCode(code);
  tally.expect(
    again.status === 400 && again.body.error === 'invalid_grant',
    `code replay answered ${again.status}`,
  );
  const r = await client.refresh(t.body.refresh_token ?? '');
  tally.expect(
    r.status === 400 && r.body.error === 'invalid_grant',
    `refresh of a revoked family answered ${r.status}`,
  );
  const w = await client.work(`${t.body.access_token ?? ''}x`);
  tally.expect(w.status === 401, `/work with a broken token answered ${w.status}`);
}

interface Sample {
  at: number;
  rss: number;
}

/** The soak's figures, from the tally and the gateway's RSS samples. */
function summarize(
  tally: Tally,
  samples: Sample[],
  elapsedS: number,
  warmupMs: number,
  users: number,
  serverErrors: number,
) {
  const afterWarmup = samples.find((s) => s.at >= warmupMs)?.rss ?? samples[0]!.rss;
  const end = samples.at(-1)!.rss;
  const peak = Math.max(...samples.map((s) => s.rss));
  const growth = end / afterWarmup - 1;
  return {
    seconds: Math.round(elapsedS * 10) / 10,
    clients: users,
    requests: tally.requests,
    rps: Math.round(tally.requests / elapsedS),
    failed: tally.failures,
    server_errors_logged: serverErrors,
    flows: tally.flows,
    rss_after_warmup_mb: Math.round(afterWarmup * 10) / 10,
    rss_end_mb: Math.round(end * 10) / 10,
    rss_peak_mb: Math.round(peak * 10) / 10,
    rss_growth_pct: Math.round(growth * 1000) / 10,
  };
}

type SoakResult = ReturnType<typeof summarize>;

function report(result: SoakResult, firstFailure: string | undefined, samples: Sample[]): void {
  const rows: [string, string][] = [
    ['duration', `${result.seconds} s, ${result.clients} concurrent clients`],
    ['requests', `${result.requests} (${result.rps}/s)`],
    [
      'flows',
      Object.entries(result.flows)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    ],
    ['failed requests', `${result.failed}${firstFailure ? ` (first: ${firstFailure})` : ''}`],
    ['server errors logged', String(result.server_errors_logged)],
    ['gateway RSS after warm-up', `${result.rss_after_warmup_mb} MB`],
    [
      'gateway RSS at the end',
      `${result.rss_end_mb} MB (${result.rss_growth_pct >= 0 ? '+' : ''}${result.rss_growth_pct}%)`,
    ],
    ['gateway RSS peak', `${result.rss_peak_mb} MB`],
  ];
  for (const [k, v] of rows) process.stdout.write(`  ${k.padEnd(28)} ${v}\n`);
  const curve = samples
    .filter((_, i) => i % 20 === 0)
    .map((s) => `${Math.round(s.at / 1000)}s ${Math.round(s.rss)}`);
  process.stdout.write(`  RSS (MB) every 10 s: ${curve.join(', ')}\n`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function main(): Promise<number> {
  const options = readOptions();
  if (!options) {
    process.stderr.write('--seconds must be 5–3600 and --users 1–256\n');
    return 2;
  }
  const { seconds, users } = options;

  const redis = await startRedis();
  const port = await freePort();
  const dev = await makeDevEnvironment(port);
  const gateway = await startGateway({ ...dev.env, OAUTH_STORE: redis.url }, port);
  const base = `http://127.0.0.1:${port}`;
  // Drain the functions' request logs, counting any server error they record.
  let serverErrors = 0;
  gateway.stdout!.on('data', (chunk: string) => {
    serverErrors += chunk.match(/"status":5\d\d/g)?.length ?? 0;
  });

  // Warm-up: the first third (at most 30 s): every client signs in once (scrypt) and the heaps settle.
  const warmupMs = Math.min(30_000, (seconds * 1000) / 3);
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const samples: Sample[] = [];
  const sample = () => samples.push({ at: performance.now() - started, rss: rssMb(gateway.pid!) });
  const sampler = setInterval(sample, 500);

  const tally = new Tally();
  const client = (n: number) =>
    new FlowClient({
      base,
      clientId: dev.clientId,
      clientSecret: dev.clientSecret,
      redirectUri: dev.redirectUri,
      username: dev.username,
      password: dev.password,
      verifier: `soak-verifier-${n}-${'x'.repeat(40)}`,
    });
  process.stdout.write(`Soaking ${base} for ${seconds} s with ${users} concurrent clients (Redis store)…\n`);
  await Promise.all(Array.from({ length: users }, (_, n) => virtualUser(client(n), n, deadline, tally)));
  clearInterval(sampler);
  const elapsed = (performance.now() - started) / 1000;
  sample();

  gateway.kill('SIGTERM');
  await redis.stop();

  const result = summarize(tally, samples, elapsed, warmupMs, users, serverErrors);
  report(result, tally.firstFailure, samples);
  const ok = result.failed === 0 && serverErrors === 0 && result.rss_growth_pct <= 10;
  if (!ok) process.stderr.write('soak FAILED: failed requests, server errors, or memory growth over 10%\n');
  return ok ? 0 : 1;
}

process.exitCode = await main();
