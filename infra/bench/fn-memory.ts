// fn_rss_mb: each function alone in a fresh Node process, as in its SCF instance, after loading its
// bundle and answering 1,000 events: the resident memory its instance needs.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FunctionTarget, ScfEvent } from './targets.ts';

const MARK = '@@';

// argv: bundle, events file (a JSON array, used in turn), count. Prints MARK + RSS bytes, or the failure.
const RUN = `const m=require(process.argv[1]);const events=JSON.parse(require('node:fs').readFileSync(process.argv[2],'utf8'));const n=Number(process.argv[3]);(async()=>{for(let i=0;i<n;i++){const r=await m.main_handler(events[i%events.length],{});if(!r||r.statusCode!==200)throw new Error('event '+i+' answered '+(r&&r.statusCode))}process.stderr.write('${MARK}'+process.memoryUsage.rss()+'\\n');process.exit(0)})().catch((e)=>{process.stderr.write('${MARK}error '+e+'\\n');process.exit(1)})`;

function rssAfter(target: FunctionTarget, eventsFile: string, count: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', RUN, target.file, eventsFile, String(count)], {
      env: target.env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let text = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
    });
    child.on('error', reject);
    child.on('exit', () => {
      const line = text.slice(text.indexOf(MARK) + MARK.length).split('\n')[0] ?? '';
      if (text.includes(MARK) && /^\d+$/.test(line)) resolve(Number(line));
      else reject(new Error(`${target.name}: ${text.slice(0, 500)}`));
    });
  });
}

/** Bytes of resident memory of each function after `count` events; `eventsOf` gives each its events. */
export async function measureFunctionMemory(
  targets: readonly FunctionTarget[],
  eventsOf: (target: FunctionTarget) => ScfEvent[],
  dir: string,
  count = 1000,
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const target of targets) {
    const file = join(dir, `events-${target.name}.json`);
    writeFileSync(file, JSON.stringify(eventsOf(target)));
    out[target.name] = await rssAfter(target, file, count);
  }
  return out;
}
