// npm run invoke -- <function> [--event file.json] [--method M --path /p]: calls a built function bundle
// with an event, in a fresh Node process holding only the variables its serverless.yml declares — the
// offline counterpart of the Serverless CLI's `invoke local`, which needs a login.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { CONTRACT_ROUTES } from '../serverless/check.ts';
import { loadProject } from '../serverless/project.ts';
import { type CommandIo, readArgs, runIfMain } from './console.ts';

const RUNNER = `
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', async () => {
  const { file, handler, event } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  let reply;
  try {
    const mod = require(file);
    if (typeof mod[handler] !== 'function') throw new Error('the bundle exports no ' + handler);
    reply = { result: await mod[handler](event, { request_id: 'invoke-local', function_name: 'local' }) };
  } catch (error) {
    reply = { error: String((error && error.stack) || error) };
  }
  process.stdout.write('\\n@@INVOKE@@' + JSON.stringify(reply));
});
`;

export interface InvokeOutcome {
  result?: { statusCode: number; headers: Record<string, string>; body: string; isBase64Encoded: boolean };
  error?: string;
  /** What the function printed (its JSON log lines). */
  output: string;
}

/** Runs `handler` of the CommonJS bundle `file` once, with `env` as its whole environment. */
export function invokeBundle(
  file: string,
  event: unknown,
  env: Record<string, string>,
  handler = 'main_handler',
): Promise<InvokeOutcome> {
  return new Promise((resolvePromise, reject) => {
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
      const at = stdout.lastIndexOf('@@INVOKE@@');
      if (at < 0)
        return reject(new Error(`the function process exited with ${code} and no result: ${stderr}`));
      const parsed = JSON.parse(stdout.slice(at + '@@INVOKE@@'.length)) as Omit<InvokeOutcome, 'output'>;
      resolvePromise({ ...parsed, output: stdout.slice(0, at) + stderr });
    });
    child.stdin.end(JSON.stringify({ file, handler, event }));
  });
}

/** An API Gateway trigger event for `method path` (SCF doc 583/12513), for when no --event is given. */
export function gatewayEvent(method: string, path: string): Record<string, unknown> {
  const url = new URL(path, 'https://localhost');
  return {
    httpMethod: method,
    path: url.pathname,
    headers: { host: 'localhost', 'user-agent': 'npm-run-invoke' },
    queryString: Object.fromEntries(url.searchParams),
    queryStringParameters: Object.fromEntries(url.searchParams),
    pathParameters: {},
    headerParameters: {},
    body: '',
    isBase64Encoded: false,
    requestContext: {
      serviceId: 'service-local',
      path: url.pathname,
      httpMethod: method,
      requestId: 'invoke-local',
      identity: {},
      sourceIp: '127.0.0.1',
      stage: 'release',
    },
  };
}

const USAGE = `usage: npm run invoke -- <function> [--event file.json] [--method GET --path /work]

Calls dist/<function>/index.js (npm run build first) with the event, with the environment from .env and
the process filtered to the variables functions/<function>/serverless.yml declares. Prints the response.`;

export async function runInvoke(argv: string[], io: CommandIo): Promise<number> {
  const args = readArgs(
    {
      args: argv,
      allowPositionals: true,
      options: {
        event: { type: 'string' },
        method: { type: 'string' },
        path: { type: 'string' },
      },
    },
    USAGE,
    io,
  );
  if (typeof args === 'number') return args;
  const { values, positionals } = args;
  if (positionals.length !== 1) {
    io.err(`${USAGE}\n`);
    return 2;
  }
  const name = positionals[0]!;
  const project = loadProject(io.root, { env: io.env, lenient: true });
  const fn = project.functions.find((f) => basename(dirname(f.file)) === name || f.functionName === name);
  if (!fn) {
    const known = project.functions.map((f) => basename(dirname(f.file))).join(', ');
    io.err(`no function ${JSON.stringify(name)} (functions: ${known})\n`);
    return 2;
  }
  const file = join(fn.src, 'index.js');
  if (!existsSync(file)) {
    io.err(`${file} does not exist: run npm run build first\n`);
    return 1;
  }
  let event: unknown;
  if (values.event) {
    try {
      event = JSON.parse(readFileSync(resolve(values.event), 'utf8'));
    } catch (error) {
      io.err(`--event ${values.event}: ${(error as Error).message}\n`);
      return 2;
    }
  } else {
    const route = CONTRACT_ROUTES.find((r) => r.fn === basename(dirname(fn.file)));
    event = gatewayEvent(values.method ?? route?.method ?? 'GET', values.path ?? route?.path ?? '/');
  }
  const unset = Object.entries(fn.environment)
    .filter(([, v]) => v === '')
    .map(([k]) => k);
  if (unset.length > 0) io.err(`note: ${unset.join(', ')} not set in .env or the environment\n`);
  const env = Object.fromEntries(Object.entries(fn.environment).filter(([, v]) => v !== ''));
  const outcome = await invokeBundle(file, event, env, fn.handler.split('.').pop() ?? 'main_handler');
  if (outcome.output.trim()) io.err(outcome.output.endsWith('\n') ? outcome.output : `${outcome.output}\n`);
  if (outcome.error !== undefined) {
    io.err(`the function threw: ${outcome.error}\n`);
    return 1;
  }
  io.out(`${JSON.stringify(outcome.result, null, 2)}\n`);
  return 0;
}

await runIfMain(import.meta.filename, runInvoke);
