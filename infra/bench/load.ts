// The load generator: a keep-alive HTTP client in its own process, loopback only, bounded by a
// request count and a duration. Driven over IPC by run.ts so that the server's CPU can be read
// exactly around the measured phase: warm up, drain, wait for "go", measure, drain, report.
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';

export interface LoadJob {
  /** http://127.0.0.1:<port> — the generator refuses anything but loopback. */
  origin: string;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Requests in flight at once, each on its own keep-alive connection. */
  connections: number;
  warmupMs: number;
  /** Upper bound on warm-up requests (0 = no bound but the time). */
  warmupMax: number;
  durationMs: number;
  /** Upper bound on measured requests (0 = no bound but the duration). */
  maxRequests: number;
  /** A file of access tokens, one a line: each request sends the next one, never one twice. */
  tokensFile?: string;
  /** A file of request bodies, one a line: each request sends the next one, never one twice. */
  bodiesFile?: string;
  /** Append the access_token of each 200 response here (one a line). */
  collectTokensFile?: string;
}

export interface LoadResult {
  requests: number;
  errors: number;
  /** Status codes other than 200 seen, with counts (first failure's body kept for the report). */
  statuses: Record<string, number>;
  firstFailure?: string;
  elapsedMs: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  tokensUsed: number;
}

export type LoadMessage =
  | { type: 'warm'; requests: number; errors: number }
  | { type: 'done'; result: LoadResult }
  | { type: 'failed'; message: string };

interface Phase {
  latencies: number[];
  errors: number;
  statuses: Record<string, number>;
  firstFailure?: string;
  collected: string[];
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))]!;
}

async function runPhase(
  job: LoadJob,
  agent: Agent,
  nextToken: () => string | undefined,
  nextBody: () => string | undefined,
  ms: number,
  maxRequests: number,
): Promise<Phase> {
  const phase: Phase = { latencies: [], errors: 0, statuses: {}, collected: [] };
  const url = new URL(job.origin);
  const deadline = performance.now() + ms;
  let issued = 0;

  const one = (): Promise<boolean> =>
    new Promise((resolve) => {
      if (performance.now() >= deadline || (maxRequests > 0 && issued >= maxRequests)) return resolve(false);
      const headers = { ...job.headers };
      if (job.tokensFile) {
        const token = nextToken();
        if (token === undefined) return resolve(false);
        headers.authorization = `Bearer ${token}`;
      }
      const body = job.bodiesFile ? nextBody() : job.body;
      if (job.bodiesFile && body === undefined) return resolve(false);
      issued++;
      const started = performance.now();
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method: job.method,
          path: job.path,
          headers,
          agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            phase.latencies.push(performance.now() - started);
            const status = res.statusCode ?? 0;
            if (status !== 200) {
              phase.errors++;
              phase.statuses[status] = (phase.statuses[status] ?? 0) + 1;
              phase.firstFailure ??= Buffer.concat(chunks).toString('utf8').slice(0, 300);
            } else if (job.collectTokensFile) {
              const token = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { access_token?: string })
                .access_token;
              if (token) phase.collected.push(token);
            }
            resolve(true);
          });
        },
      );
      req.on('error', (error) => {
        phase.errors++;
        phase.statuses.network = (phase.statuses.network ?? 0) + 1;
        phase.firstFailure ??= error.message;
        resolve(true);
      });
      req.end(body);
    });

  const loop = async () => {
    while (await one()) {
      // the next request starts as soon as this connection is free
    }
  };
  await Promise.all(Array.from({ length: job.connections }, loop));
  return phase;
}

async function main(job: LoadJob): Promise<void> {
  const { hostname } = new URL(job.origin);
  if (hostname !== '127.0.0.1' && hostname !== 'localhost' && hostname !== '[::1]') {
    throw new Error('the load generator only targets loopback');
  }
  const lines = (file?: string) => (file ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
  const tokens = lines(job.tokensFile);
  const bodies = lines(job.bodiesFile);
  let tokenIndex = 0;
  let bodyIndex = 0;
  const nextToken = () => (tokenIndex < tokens.length ? tokens[tokenIndex++] : undefined);
  const nextBody = () => (bodyIndex < bodies.length ? bodies[bodyIndex++] : undefined);
  const agent = new Agent({ keepAlive: true, maxSockets: job.connections });
  const send = (message: LoadMessage) =>
    new Promise<void>((ok) => (process.send ? process.send(message, () => ok()) : ok()));

  // Warm-up: JIT, connections opened. Not measured; its tokens are not reused.
  const warm = await runPhase(job, agent, nextToken, nextBody, job.warmupMs, job.warmupMax);
  const goSignal = new Promise<void>((ok) => process.once('message', () => ok()));
  await send({ type: 'warm', requests: warm.latencies.length, errors: warm.errors });
  await goSignal;

  const usedBefore = tokenIndex;
  const started = performance.now();
  const measured = await runPhase(job, agent, nextToken, nextBody, job.durationMs, job.maxRequests);
  const elapsedMs = performance.now() - started;
  agent.destroy();

  if (job.collectTokensFile) {
    writeFileSync(job.collectTokensFile, `${[...warm.collected, ...measured.collected].join('\n')}\n`);
  }
  const sorted = measured.latencies.sort((a, b) => a - b);
  await send({
    type: 'done',
    result: {
      requests: sorted.length,
      errors: measured.errors,
      statuses: measured.statuses,
      ...(measured.firstFailure !== undefined ? { firstFailure: measured.firstFailure } : {}),
      elapsedMs,
      rps: (sorted.length / elapsedMs) * 1000,
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      tokensUsed: tokenIndex - usedBefore,
    },
  });
}

process.once('message', (job: LoadJob) => {
  main(job).then(
    () => process.disconnect?.(),
    (error: unknown) => {
      process.send?.({ type: 'failed', message: String(error) } satisfies LoadMessage, () => process.exit(1));
    },
  );
});
