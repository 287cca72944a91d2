import { readdirSync, readFileSync } from 'node:fs';

// What a measured server process reports to run.ts over IPC: its own CPU time (all threads, worker
// threads included) and memory, read from inside so nothing else on the machine is counted.

export interface Usage {
  /** User + system CPU time of the whole process since it started, µs. */
  cpuUs: number;
  /** Of which system (kernel) time, µs (absent from a compared tree's older gateway). */
  sysUs?: number;
  rssBytes: number;
  /** Peak resident set size since the process started, bytes. */
  maxRssBytes: number;
  threads: Record<string, number>;
}

/** CPU µs of each thread (Linux /proc), keyed "name:tid", to see where a process's CPU goes. */
export function readThreadCpu(): Record<string, number> {
  const out: Record<string, number> = {};
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  const tick = 1_000_000 / 100; // USER_HZ is 100 on Linux
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      out[`${name}:${tid}`] = (Number(fields[11]) + Number(fields[12])) * tick;
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

export type ServerMessage = { type: 'ready'; origin: string } | { type: 'usage'; usage: Usage };

export function readUsage(): Usage {
  const cpu = process.cpuUsage();
  return {
    cpuUs: cpu.user + cpu.system,
    sysUs: cpu.system,
    rssBytes: process.memoryUsage.rss(),
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    threads: readThreadCpu(),
  };
}

/** Answers every IPC message with the current usage; the parent's disconnect ends the process. */
export function serveUsage(origin: string, close: () => Promise<void> = async () => {}): void {
  process.on('message', () => process.send?.({ type: 'usage', usage: readUsage() } satisfies ServerMessage));
  process.on('disconnect', () => void close().finally(() => process.exit(0)));
  process.send?.({ type: 'ready', origin } satisfies ServerMessage);
}
