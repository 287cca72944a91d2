// What a measured server process reports to run.ts over IPC: its own CPU time (all threads, worker
// threads included) and memory, read from inside so nothing else on the machine is counted.

export interface Usage {
  /** User + system CPU time of the whole process since it started, µs. */
  cpuUs: number;
  rssBytes: number;
  /** Peak resident set size since the process started, bytes. */
  maxRssBytes: number;
}

export type ServerMessage = { type: 'ready'; origin: string } | { type: 'usage'; usage: Usage };

export function readUsage(): Usage {
  const cpu = process.cpuUsage();
  return {
    cpuUs: cpu.user + cpu.system,
    rssBytes: process.memoryUsage.rss(),
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

/** Answers every IPC message with the current usage; the parent's disconnect ends the process. */
export function serveUsage(origin: string): void {
  process.on('message', () => process.send?.({ type: 'usage', usage: readUsage() } satisfies ServerMessage));
  process.on('disconnect', () => process.exit(0));
  process.send?.({ type: 'ready', origin } satisfies ServerMessage);
}
