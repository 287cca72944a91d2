// Cold start: a fresh Node process loads a function bundle and answers one request. Timed from
// spawn to the response's status line on stderr; `node -e` with only that write is the baseline.
import { spawn } from 'node:child_process';
import { median } from './stats.ts';

const MARK = '@@';

// One event API Gateway would send each function; a function without one gets a plain GET.
const RUN = `const m=require(process.argv[1]);Promise.resolve(m.main_handler(JSON.parse(process.argv[2]),{})).then((r)=>{process.stderr.write('${MARK}'+r.statusCode+'\\n');process.exit(0)},(e)=>{process.stderr.write('${MARK}error '+e+'\\n');process.exit(1)})`;
const BASELINE = `process.stderr.write('${MARK}0\\n')`;

export interface ColdRun {
  ms: number;
  status: string;
}

function timeOnce(args: string[], env: Record<string, string>): Promise<ColdRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let text = '';
    let done = false;
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
      const at = text.indexOf(MARK);
      const end = text.indexOf('\n', at);
      if (done || at < 0 || end < 0) return;
      done = true;
      resolve({ ms: performance.now() - started, status: text.slice(at + MARK.length, end) });
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (!done) reject(new Error(`cold start run exited with ${code}: ${text.slice(0, 500)}`));
    });
  });
}

export interface ColdTarget {
  name: string;
  file: string;
  env: Record<string, string>;
  event: unknown;
}

export interface ColdFigures {
  node_baseline_ms: number;
  cold_start_ms: Record<string, number>;
  statuses: Record<string, string>;
}

/** `runs` timed runs of each, interleaved so that drift hits every target alike; one untimed first. */
export async function measureColdStarts(targets: ColdTarget[], runs: number): Promise<ColdFigures> {
  const times = new Map<string, number[]>([
    ['node', []],
    ...targets.map((t) => [t.name, []] as [string, number[]]),
  ]);
  const statuses: Record<string, string> = {};
  for (let i = 0; i <= runs; i++) {
    const base = await timeOnce(['-e', BASELINE], {});
    if (i > 0) times.get('node')!.push(base.ms);
    for (const t of targets) {
      const run = await timeOnce(['-e', RUN, t.file, JSON.stringify(t.event)], t.env);
      statuses[t.name] = run.status;
      if (i > 0) times.get(t.name)!.push(run.ms);
    }
  }
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    node_baseline_ms: round(median(times.get('node')!)),
    cold_start_ms: Object.fromEntries(targets.map((t) => [t.name, round(median(times.get(t.name)!))])),
    statuses,
  };
}
