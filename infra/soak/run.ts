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

interface Tally {
  requests: number;
  failures: number;
  firstFailure?: string;
  flows: Record<string, number>;
}

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

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '90' },
      users: { type: 'string', default: '24' },
    },
  });
  const seconds = Number(values.seconds);
  const users = Number(values.users);
  if (!(seconds >= 5 && seconds <= 3600) || !(users >= 1 && users <= 256)) {
    process.stderr.write('--seconds must be 5–3600 and --users 1–256\n');
    return 2;
  }

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

  const tally: Tally = { requests: 0, failures: 0, flows: {} };
  const fail = (what: string) => {
    tally.failures++;
    tally.firstFailure ??= what;
  };
  const expect = (ok: boolean, what: string) => {
    tally.requests++;
    if (!ok) fail(what);
  };

  // Warm-up: the first third (at most 30 s): every client signs in once (scrypt) and the heaps settle.
  const warmupMs = Math.min(30_000, (seconds * 1000) / 3);
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const samples: { at: number; rss: number }[] = [];
  const sampler = setInterval(
    () => samples.push({ at: performance.now() - started, rss: rssMb(gateway.pid!) }),
    500,
  );

  async function virtualUser(n: number): Promise<void> {
    const client = new FlowClient({
      base,
      clientId: dev.clientId,
      clientSecret: dev.clientSecret,
      redirectUri: dev.redirectUri,
      username: dev.username,
      password: dev.password,
      verifier: `soak-verifier-${n}-${'x'.repeat(40)}`,
    });
    let i = n;
    while (performance.now() < deadline) {
      i++;
      try {
        if (i % 20 < 11) {
          tally.flows.client_credentials = (tally.flows.client_credentials ?? 0) + 1;
          const t = await client.token({ grant_type: 'client_credentials', scope: 'read' });
          expect(t.status === 200, `client_credentials answered ${t.status}`);
          const w = await client.work(t.body.access_token ?? '');
          expect(w.status === 200 && w.text === 'hello world', `/work answered ${w.status}`);
        } else if (i % 20 < 18) {
          tally.flows.authorization_code = (tally.flows.authorization_code ?? 0) + 1;
          const code = await client.obtainCode();
          tally.requests += 2; // the consent page and the consent POST
          const t = await client.exchangeCode(code);
          expect(t.status === 200, `code exchange answered ${t.status} ${t.body.error ?? ''}`);
          const w = await client.work(t.body.access_token ?? '');
          expect(w.status === 200, `/work answered ${w.status}`);
          const r1 = await client.refresh(t.body.refresh_token ?? '');
          expect(r1.status === 200, `refresh answered ${r1.status} ${r1.body.error ?? ''}`);
          const r2 = await client.refresh(r1.body.refresh_token ?? '');
          expect(r2.status === 200, `second refresh answered ${r2.status} ${r2.body.error ?? ''}`);
        } else {
          tally.flows.replay = (tally.flows.replay ?? 0) + 1;
          const code = await client.obtainCode();
          tally.requests += 2;
          const t = await client.exchangeCode(code);
          expect(t.status === 200, `code exchange answered ${t.status}`);
          const again = await client.exchangeCode(code);
          expect(
            again.status === 400 && again.body.error === 'invalid_grant',
            `code replay answered ${again.status}`,
          );
          const r = await client.refresh(t.body.refresh_token ?? '');
          expect(
            r.status === 400 && r.body.error === 'invalid_grant',
            `refresh of a revoked family answered ${r.status}`,
          );
          const w = await client.work(`${t.body.access_token ?? ''}x`);
          expect(w.status === 401, `/work with a broken token answered ${w.status}`);
        }
      } catch (error) {
        tally.requests++;
        fail(`flow threw: ${(error as Error).message}`);
      }
    }
  }

  process.stdout.write(`Soaking ${base} for ${seconds} s with ${users} concurrent clients (Redis store)…\n`);
  await Promise.all(Array.from({ length: users }, (_, n) => virtualUser(n)));
  clearInterval(sampler);
  const elapsed = (performance.now() - started) / 1000;
  samples.push({ at: performance.now() - started, rss: rssMb(gateway.pid!) });

  gateway.kill('SIGTERM');
  await redis.stop();

  const afterWarmup = samples.find((s) => s.at >= warmupMs)?.rss ?? samples[0]!.rss;
  const end = samples.at(-1)!.rss;
  const peak = Math.max(...samples.map((s) => s.rss));
  const growth = end / afterWarmup - 1;
  const result = {
    seconds: Math.round(elapsed * 10) / 10,
    clients: users,
    requests: tally.requests,
    rps: Math.round(tally.requests / elapsed),
    failed: tally.failures,
    server_errors_logged: serverErrors,
    flows: tally.flows,
    rss_after_warmup_mb: Math.round(afterWarmup * 10) / 10,
    rss_end_mb: Math.round(end * 10) / 10,
    rss_peak_mb: Math.round(peak * 10) / 10,
    rss_growth_pct: Math.round(growth * 1000) / 10,
  };
  const rows: [string, string][] = [
    ['duration', `${result.seconds} s, ${users} concurrent clients`],
    ['requests', `${result.requests} (${result.rps}/s)`],
    [
      'flows',
      Object.entries(tally.flows)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    ],
    ['failed requests', `${result.failed}${tally.firstFailure ? ` (first: ${tally.firstFailure})` : ''}`],
    ['server errors logged', String(serverErrors)],
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
  const ok = tally.failures === 0 && serverErrors === 0 && growth <= 0.1;
  if (!ok) process.stderr.write('soak FAILED: failed requests, server errors, or memory growth over 10%\n');
  return ok ? 0 : 1;
}

process.exitCode = await main();
