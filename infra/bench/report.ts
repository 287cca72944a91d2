// The bench's report: a table for people, then the figures as one JSON line.
import { type Figures, TARGETS, targetsMet } from './figures.ts';

type Row = [string, string, string];

const ok = (met: boolean | undefined) => (met === undefined ? '' : met ? 'ok' : 'MISSED');

function billedRows(f: Figures, met: Record<string, boolean>): Row[] {
  const rows: Row[] = [];
  if (f.token_fn_overhead !== undefined) {
    rows.push(
      [
        'token function, client_credentials',
        `${f.token_fn_cpu_us} µs CPU/event`,
        `token_fn_overhead ${f.token_fn_overhead} (÷ signature), target ≤ ${TARGETS.token_fn_overhead}: ${ok(met.token_fn_overhead)}`,
      ],
      [
        'business function, GET /work',
        `${f.work_fn_cpu_us} µs CPU/event`,
        `work_fn_extra_us ${f.work_fn_extra_us} (− verification), target ≤ ${TARGETS.work_fn_extra_us}: ${ok(met.work_fn_extra_us)}`,
      ],
      [
        'token function, code + PKCE',
        `${f.code_fn_cpu_us} µs CPU/event`,
        `code_fn_overhead ${f.code_fn_overhead} (÷ signature, memory store), target ≤ ${TARGETS.code_fn_overhead}: ${ok(met.code_fn_overhead)}`,
      ],
    );
  }
  if (f.store_round_trips) {
    const t = f.store_round_trips;
    const limits = TARGETS.store_round_trips;
    rows.push([
      'Redis round trips per event',
      `${t.code_exchange} / ${t.refresh} / ${t.revocation_check}`,
      `code exchange / refresh / revocation check, targets ≤ ${limits.code_exchange} / ${limits.refresh} / ${limits.revocation_check}: ${ok(met['store_round_trips.code_exchange'])} / ${ok(met['store_round_trips.refresh'])} / ${ok(met['store_round_trips.revocation_check'])}`,
    ]);
  }
  if (f.node_baseline_ms !== undefined)
    rows.push(['node -e (baseline)', `${f.node_baseline_ms} ms`, 'median']);
  for (const [name, extra] of Object.entries(f.cold_start_extra_ms ?? {})) {
    rows.push([
      `cold start ${name}`,
      `${f.cold_start_ms?.[name]} ms`,
      `${extra} ms over node, target ≤ ${TARGETS.cold_start_extra_ms}: ${ok(met[`cold_start_extra_ms.${name}`])}`,
    ]);
  }
  for (const [name, mb] of Object.entries(f.fn_rss_mb ?? {})) {
    rows.push([
      `RSS ${name}, 1,000 events`,
      `${mb} MB`,
      `target ≤ ${TARGETS.fn_rss_mb}: ${ok(met[`fn_rss_mb.${name}`])}`,
    ]);
  }
  if (f.protect_cpu_us !== undefined) {
    rows.push([
      'protect (resource-server kit)',
      `${f.protect_cpu_us} µs CPU/event`,
      `raw RS256 verify ${f.protect_raw_verify_cpu_us} µs; +${f.protect_overhead_us} µs, target ≤ +${TARGETS.protect_extra_us}: ${ok(met.protect_extra_us)}; JWKS fetches ${f.protect_jwks_fetches}`,
    ]);
  }
  for (const [name, bytes] of Object.entries(f.bundle_bytes)) {
    const optional = Object.entries(f.optional_chunks[name] ?? {})
      .map(([pkg, size]) => `vendor/${pkg}.js ${(size / 1000).toFixed(1)} KB`)
      .join(', ');
    rows.push([
      `bundle ${name}`,
      `${(bytes / 1000).toFixed(1)} KB`,
      `target ≤ 100 KB: ${ok(met[`bundle_bytes.${name}`])}${optional ? `; + ${optional}, loaded on demand` : ''}`,
    ]);
  }
  return rows;
}

function gatewayRows(
  f: {
    token_cpu_us: number;
    token_rps: number;
    token_p99_ms: number;
    token_overhead: number;
    token_over_bare: number;
    work_cpu_us: number;
    work_rps: number;
    work_p99_ms: number;
    work_overhead: number;
    work_over_bare: number;
    code_flow_cpu_us: number;
    code_flow_rps: number;
    code_flow_p99_ms: number;
    peak_rss_mb: number;
  },
  tag: string,
): Row[] {
  return [
    [`POST /token${tag}`, `${f.token_cpu_us} µs CPU/req`, `${f.token_rps} req/s, p99 ${f.token_p99_ms} ms`],
    ['  ÷ signature; ÷ bare HTTP + 1 sign', `${f.token_overhead}; ${f.token_over_bare}`, 'CPU per request'],
    [`GET /work${tag}`, `${f.work_cpu_us} µs CPU/req`, `${f.work_rps} req/s, p99 ${f.work_p99_ms} ms`],
    [
      '  ÷ bare HTTP + 2 verify floors; ÷ that server',
      `${f.work_overhead}; ${f.work_over_bare}`,
      'CPU per request',
    ],
    [
      `POST /token, code + PKCE${tag}`,
      `${f.code_flow_cpu_us} µs CPU/req`,
      `${f.code_flow_rps} req/s, p99 ${f.code_flow_p99_ms} ms; access + refresh token, memory store`,
    ],
    [`gateway peak RSS${tag}`, `${f.peak_rss_mb} MB`, ''],
  ];
}

export function formatReport(f: Figures): string {
  const met = targetsMet(f);
  const rows: Row[] = [];
  if (f.sign_cpu_us !== undefined) {
    rows.push(
      [
        'RS256 sign, node:crypto',
        `${f.sign_cpu_us} µs CPU`,
        f.jose_sign_cpu_us ? `jose: ${f.jose_sign_cpu_us} µs` : '',
      ],
      [
        'RS256 verify, node:crypto',
        `${f.verify_cpu_us} µs CPU`,
        f.jose_verify_cpu_us ? `jose: ${f.jose_verify_cpu_us} µs` : '',
      ],
    );
  }
  rows.push(['', '', ''], ['What the cloud bills (in process, SCF events)', '', ''], ...billedRows(f, met));
  if (f.token_cpu_us !== undefined) {
    rows.push(
      ['', '', ''],
      ['Through the local gateway, for information', '', ''],
      ['bare HTTP hello world', `${f.plain_cpu_us} µs CPU/req`, `${f.plain_rps} req/s`],
      [
        'bare HTTP + 1 RS256 sign',
        `${f.bare_sign_cpu_us} µs CPU/req`,
        `${f.bare_sign_rps} req/s; ÷ signature: ${f.bare_sign_overhead}`,
      ],
      [
        'bare HTTP + 2 RS256 verify',
        `${f.bare_verify_cpu_us} µs CPU/req`,
        `${f.bare_verify_rps} req/s; ÷ bare HTTP + 2 verify floors: ${f.bare_verify_overhead}`,
      ],
      ...gatewayRows(f as Parameters<typeof gatewayRows>[0], ''),
    );
  }
  if (f.compare) rows.push(['', '', ''], ...gatewayRows(f.compare, ' (compare)'));
  const ip = f.in_process;
  if (ip) {
    rows.push(
      ['', '', ''],
      [
        'token function, in process',
        `${ip.token_us} µs CPU/call`,
        `compare ${ip.compare_token_us} µs; difference ${ip.token_diff_us} µs (median of paired rounds)`,
      ],
      [
        'business function, in process',
        `${ip.work_us} µs CPU/call`,
        `compare ${ip.compare_work_us} µs; difference ${ip.work_diff_us} µs (median of paired rounds)`,
      ],
    );
  }
  const adapters = f.adapters;
  if (adapters) {
    rows.push(
      ['', '', ''],
      ['GET /work, SCF main_handler', `${adapters.cpu_us.scf} µs CPU/event`, 'in process, the entry itself'],
      ...(
        [
          ['lambda_v1', 'Lambda handler, payload 1.0'],
          ['lambda_v2', 'Lambda handler, payload 2.0'],
          ['fc', 'FC fcHandler (JSON Buffer)'],
          ['fetch', 'fetch (Request → Response)'],
        ] as const
      ).map(
        ([key, label]): Row => [
          `GET /work, ${label}`,
          `${adapters.cpu_us[key]} µs CPU/event`,
          `${adapters.over_scf_us[key]} µs over SCF (median of paired rounds)`,
        ],
      ),
      [
        "  of which the runtime's Response",
        `${adapters.response_object_us} µs CPU/event`,
        'new Response(body, init) alone',
      ],
      [
        "  and the runtime's Request headers",
        `${adapters.request_headers_us} µs CPU/event`,
        `headers.forEach alone; fetch's own translation ${adapters.fetch_translation_over_scf_us} µs over SCF`,
      ],
    );
  }
  const widths = [0, 1].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  const s = f.settings;
  const lines = [
    '',
    `${f.machine.cpu}, ${f.machine.cores} cores, Node ${f.machine.node}; ${s.rounds} rounds of ${s.measured_s} s at ${s.connections} keep-alive connections, medians`,
    '',
    ...rows.map(([a, b, c]) => `  ${a.padEnd(widths[0]!)}  ${b.padStart(widths[1]!)}  ${c}`.trimEnd()),
    '',
    `  (${f.elapsed_s} s in all)`,
    '',
  ];
  return `${lines.join('\n')}\n${JSON.stringify({ ...f, targets_met: met })}\n`;
}
