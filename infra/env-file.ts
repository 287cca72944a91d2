// The one reader of `.env` files (NAME=value lines, # comments, single, double or back quotes, values
// spanning lines inside quotes, `\n` in double quotes) for the scripts that run on a developer's
// machine: node:util.parseEnv, so a file reads here exactly as `node --env-file` reads it.
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(parseEnv(text))) if (value !== undefined) out[name] = value;
  return out;
}

/** The variables of the .env file at `file`; none when there is no such file. */
export function readEnvFile(file: string): Record<string, string> {
  return existsSync(file) ? parseEnvFile(readFileSync(file, 'utf8')) : {};
}

/** The .env file at `file` (if any) overlaid with the process environment: the process environment wins. */
export function loadEnv(
  file: string,
  processEnv: Readonly<Record<string, string | undefined>> = process.env,
): Record<string, string> {
  const merged: Record<string, string> = readEnvFile(file);
  for (const [k, v] of Object.entries(processEnv)) if (v !== undefined) merged[k] = v;
  return merged;
}
