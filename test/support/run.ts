// Runs one of the project's TypeScript command-line tools in a child process, as `npm run` would.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const ROOT = join(import.meta.dirname, '..', '..');
// Resolved here, so a tool may run from any folder (a temporary one, away from the project's .env).
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export function runTool(
  script: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; input?: string } = {},
) {
  const result = spawnSync(process.execPath, ['--import', TSX, join(ROOT, script), ...args], {
    cwd: options.cwd ?? ROOT,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
