// Each platform entry of the built business function on GET /work, called in this process: SCF's
// main_handler, AWS Lambda's handler (payload 1.0 and 2.0), Alibaba Cloud FC's fcHandler (a JSON
// Buffer) and fetch (a Request), rounds interleaved. The events are built before the clock starts
// (building them is the platform's work); what differs between the entries is then the adapter's
// own translation, reported as each one's CPU per event beside SCF's.
import { createFunctionHost, type FunctionHost } from '../gateway/function-host.ts';
import type { ColdTarget } from './cold-start.ts';
import { cpuPerCall, median, r1 } from './stats.ts';

export const ADAPTERS = ['scf', 'lambda_v1', 'lambda_v2', 'fc', 'fetch'] as const;
type Adapter = (typeof ADAPTERS)[number];

const HANDLERS: Record<Adapter, string> = {
  scf: 'main_handler',
  lambda_v1: 'handler',
  lambda_v2: 'handler',
  fc: 'fcHandler',
  fetch: 'fetch',
};

export interface AdapterFigures {
  /** CPU µs per GET /work event through each entry (median of the rounds). */
  cpu_us: Record<Adapter, number>;
  /** Median over the rounds of (entry − SCF) within each round: what the adapter adds. */
  over_scf_us: Record<Exclude<Adapter, 'scf'>, number>;
  /**
   * CPU µs of the runtime's own `new Response(body, init)` for the same answer (11 bytes, 3 headers),
   * which the fetch signature requires and no other entry pays: on Node 20 it streams its body.
   */
  response_object_us: number;
  /** CPU µs of reading a Request's headers once (`headers.forEach`), the runtime's Headers. */
  request_headers_us: number;
  /** fetch's figure over SCF less those two runtime costs: the fetch adapter's own translation. */
  fetch_translation_over_scf_us: number;
}

function eventFor(adapter: Adapter, host: string, token: string, id: number): unknown {
  const authorization = `Bearer ${token}`;
  const requestId = `bench-${id}`;
  switch (adapter) {
    case 'scf':
      return {
        httpMethod: 'GET',
        path: '/work',
        headers: { host, 'x-forwarded-proto': 'http', authorization },
        queryString: {},
        isBase64Encoded: false,
        requestContext: { requestId },
      };
    case 'lambda_v1':
      return {
        version: '1.0',
        httpMethod: 'GET',
        path: '/work',
        headers: { host, 'x-forwarded-proto': 'http', authorization },
        multiValueHeaders: null,
        queryStringParameters: null,
        multiValueQueryStringParameters: null,
        body: null,
        isBase64Encoded: false,
        requestContext: { requestId },
      };
    case 'lambda_v2':
      return {
        version: '2.0',
        rawPath: '/work',
        rawQueryString: '',
        headers: { host, 'x-forwarded-proto': 'http', authorization },
        isBase64Encoded: false,
        requestContext: { requestId, http: { method: 'GET', path: '/work' } },
      };
    case 'fc':
      return Buffer.from(
        JSON.stringify({
          version: 'v1',
          rawPath: '/work',
          headers: { Host: host, 'X-Forwarded-Proto': 'http', Authorization: authorization },
          queryParameters: {},
          body: '',
          isBase64Encoded: false,
          requestContext: { requestId, http: { method: 'GET', path: '/work' } },
        }),
      );
    case 'fetch':
      return new Request(`http://${host}/work`, { headers: { authorization } });
  }
}

function statusOf(result: unknown): number | undefined {
  if (result instanceof Response) return result.status;
  return (result as { statusCode?: number } | undefined)?.statusCode;
}

export async function measureAdapters(
  business: ColdTarget,
  tokens: readonly string[],
  rounds: number,
  calls = 2000,
): Promise<AdapterFigures> {
  const host = new URL(`http://${(business.event as { headers: { host: string } }).headers.host}`).host;
  const hosts = Object.fromEntries(
    ADAPTERS.map((a) => [
      a,
      createFunctionHost({
        name: `business ${a}`,
        file: business.file,
        handler: HANDLERS[a],
        env: business.env,
        onOutput: () => {},
      }),
    ]),
  ) as Record<Adapter, FunctionHost>;
  let next = 0;
  const run = async (adapter: Adapter, n: number, warmup: number) => {
    const events = Array.from({ length: n + warmup }, () =>
      eventFor(adapter, host, tokens[next++ % tokens.length]!, next),
    );
    let i = 0;
    return cpuPerCall(
      n,
      async () => {
        const outcome = await hosts[adapter].invoke(events[i++], {});
        const status = statusOf(outcome.result);
        if (status !== 200) throw new Error(`${adapter}: GET /work answered ${status ?? outcome.error}`);
      },
      warmup,
    );
  };
  const body = new TextEncoder().encode('hello world');
  const responseObject = () =>
    cpuPerCall(
      calls,
      () =>
        new Response(body.slice(), {
          status: 200,
          headers: [
            ['content-type', 'text/plain; charset=utf-8'],
            ['cache-control', 'no-store'],
            ['content-length', '11'],
          ],
        }),
      0,
    );
  const requestHeaders = () => {
    const requests = Array.from(
      { length: calls },
      (_, i) => eventFor('fetch', host, tokens[i % tokens.length]!, i) as Request,
    );
    let i = 0;
    return cpuPerCall(
      calls,
      () => {
        let n = 0;
        requests[i++]!.headers.forEach((value) => {
          n += value.length;
        });
        return n;
      },
      0,
    );
  };
  for (const a of ADAPTERS) await run(a, 0, 2000);
  await responseObject();
  await requestHeaders();
  const responses: number[] = [];
  const headerReads: number[] = [];
  const figures = Object.fromEntries(ADAPTERS.map((a) => [a, [] as number[]])) as Record<Adapter, number[]>;
  for (let round = 0; round < rounds; round++) {
    // A different order each round, so no entry always runs first after the others.
    const order = ADAPTERS.map((_, i) => ADAPTERS[(i + round) % ADAPTERS.length]!);
    for (const a of order) figures[a].push(await run(a, calls, 0));
    responses.push(await responseObject());
    headerReads.push(await requestHeaders());
  }
  await Promise.all(Object.values(hosts).map((h) => h.close()));
  const over = (a: Adapter) => r1(median(figures[a].map((v, i) => v - figures.scf[i]!)));
  return {
    cpu_us: Object.fromEntries(ADAPTERS.map((a) => [a, r1(median(figures[a]))])) as Record<Adapter, number>,
    over_scf_us: {
      lambda_v1: over('lambda_v1'),
      lambda_v2: over('lambda_v2'),
      fc: over('fc'),
      fetch: over('fetch'),
    },
    response_object_us: r1(median(responses)),
    request_headers_us: r1(median(headerReads)),
    fetch_translation_over_scf_us: r1(
      median(figures.fetch.map((v, i) => v - figures.scf[i]! - responses[i]! - headerReads[i]!)),
    ),
  };
}
