// Runs one of the deploy commands in-process with its console captured.
import type { CommandIo } from '../../infra/deploy/console.ts';

export interface CommandResult {
  code: number;
  out: string;
  err: string;
}

export async function runCommand<Io extends CommandIo>(
  command: (argv: string[], io: Io) => Promise<number>,
  argv: string[],
  io: Omit<Io, 'out' | 'err'>,
): Promise<CommandResult> {
  let out = '';
  let err = '';
  const code = await command(argv, {
    ...io,
    out: (t: string) => {
      out += t;
    },
    err: (t: string) => {
      err += t;
    },
  } as Io);
  return { code, out, err };
}
