// Runs a built function bundle in a fresh Node process, as SCF does: nothing but the bundle and the
// function's own environment, and main_handler called with one event.
import { spawn } from 'node:child_process';

const RUNNER = `
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', async () => {
  const { file, event } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  try {
    const mod = require(file);
    if (typeof mod.main_handler !== 'function') throw new Error('no main_handler export');
    const result = await mod.main_handler(event, { request_id: 'test-request', function_name: 'test' });
    process.stdout.write('\\n@@RESULT@@' + JSON.stringify({ result }));
  } catch (error) {
    process.stdout.write('\\n@@RESULT@@' + JSON.stringify({ error: String(error && error.stack || error) }));
  }
});
`;

export interface BundleRun {
  result?: { statusCode: number; headers: Record<string, string>; body: string; isBase64Encoded: boolean };
  error?: string;
  /** What the function printed (its JSON log lines). */
  output: string;
}

export function runBundle(file: string, event: unknown, env: Record<string, string>): Promise<BundleRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', RUNNER], {
      env: { ...env, PATH: process.env.PATH ?? '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const at = stdout.lastIndexOf('@@RESULT@@');
      if (at < 0) return reject(new Error(`bundle process exited ${code} with no result: ${stderr}`));
      const parsed = JSON.parse(stdout.slice(at + '@@RESULT@@'.length)) as Omit<BundleRun, 'output'>;
      resolve({ ...parsed, output: stdout.slice(0, at) + stderr });
    });
    child.stdin.end(JSON.stringify({ file, event }));
  });
}
