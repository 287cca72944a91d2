// What the deploy commands share: their console, their entry point, and how a cloud failure is told.
import { resolve } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
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

/** The option every command has: print the usage and do nothing else. */
const HELP_OPTION = { help: { type: 'boolean', short: 'h', default: false } } as const;

type CommandArgs<T extends ParseArgsConfig> = T & {
  options: T['options'] & typeof HELP_OPTION;
  strict: true;
};

/**
 * The command's arguments, read strictly, with -h/--help added to its options; or the exit code
 * when there is nothing to run: 0 after printing the usage for --help, 2 after printing what is
 * wrong with them and the usage.
 */
export function readArgs<const T extends ParseArgsConfig>(
  config: T,
  usage: string,
  io: CommandIo,
): ReturnType<typeof parseArgs<CommandArgs<T>>> | number {
  let parsed: ReturnType<typeof parseArgs<CommandArgs<T>>>;
  try {
    parsed = parseArgs({
      ...config,
      options: { ...config.options, ...HELP_OPTION },
      strict: true,
    } as CommandArgs<T>);
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${usage}\n`);
    return 2;
  }
  if ((parsed.values as { help?: boolean }).help) {
    io.out(`${usage}\n`);
    return 0;
  }
  return parsed;
}

export type DeployProfile = 'components' | 'function-url';

/** The --profile option of the commands that act on a deployment, as parseArgs declares it. */
export const PROFILE_OPTION = { type: 'string', default: 'components' } as const;

/** The deployment profile --profile names, or undefined after saying what is wrong with it. */
export function readProfile(value: string | undefined, io: CommandIo): DeployProfile | undefined {
  if (value === 'components' || value === 'function-url') return value;
  io.err(`--profile must be components or function-url, got ${JSON.stringify(value)}\n`);
  return undefined;
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
