// What the deploy commands share: their console, their entry point, and how a cloud failure is told.
import { resolve } from 'node:path';
import { loadEnv } from '../env-file.ts';
import { CloudConfigError, CloudError } from '../tencent/client.ts';

/** The project root, its environment (.env under the process's), and where output goes; tests capture it. */
export interface CommandIo {
  root: string;
  env: Readonly<Record<string, string | undefined>>;
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Exit code 1 with the cloud's message for a failure the user can act on; anything else propagates. */
export function reportCloudFailure(io: CommandIo, command: string, error: unknown): number {
  if (error instanceof CloudError || error instanceof CloudConfigError) {
    io.err(`${command} failed: ${error.message}\n`);
    return 1;
  }
  throw error;
}

/** Runs `command` when `file` is the script node was started with (not when a test imports it). */
export async function runIfMain(
  file: string,
  command: (argv: string[], io: CommandIo) => Promise<number>,
): Promise<void> {
  if (!process.argv[1] || resolve(process.argv[1]) !== resolve(file)) return;
  const root = resolve('.');
  process.exitCode = await command(process.argv.slice(2), {
    root,
    env: loadEnv(resolve(root, '.env')),
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
  });
}
