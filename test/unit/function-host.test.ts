// The local gateway's function instances, in the gateway's thread and in worker threads alike: each
// sees only its own environment, its own module state and clock, and its output is captured.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createFunctionHost, type FunctionHost, type Isolation } from '../../infra/gateway/function-host.ts';

const dir = mkdtempSync(join(tmpdir(), 'function-host-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BUNDLE = join(dir, 'index.js');
writeFileSync(
  BUNDLE,
  `"use strict";
let calls = 0;
exports.main_handler = async (event, context) => {
  calls++;
  console.log('console line');
  process.stdout.write('stdout line\\n');
  if (event.fail) throw new Error('boom');
  if (event.exit) process.exit(3);
  if (event.odd) throw Object.create(null);
  if (event.listen) {
    process.on('function-host-probe', () => {});
    return { listeners: process.listenerCount('function-host-probe') };
  }
  return {
    env: Object.keys(process.env).sort(),
    secret: process.env.OAUTH_SECRET ?? null,
    now: Date.now(),
    dateNow: new Date().getTime(),
    calls,
    functionName: context.function_name,
    hashes: typeof require('node:crypto').createHash,
    event: event.value,
  };
};
`,
);
const NO_HANDLER = join(dir, 'no-handler.js');
writeFileSync(NO_HANDLER, 'exports.other = () => 1;\n');

interface Seen {
  env: string[];
  secret: string | null;
  now: number;
  dateNow: number;
  calls: number;
  functionName: string;
  hashes: string;
  event: unknown;
}

const TEN_DAYS_MS = 10 * 86_400_000;

describe.each<Isolation>(['inline', 'worker'])('a function instance (%s)', (isolation) => {
  const output: string[] = [];
  const hosts: FunctionHost[] = [];
  const host = (options: { env?: Record<string, string>; clockOffsetMs?: number; file?: string } = {}) => {
    const created = createFunctionHost(
      {
        name: 'fn',
        file: options.file ?? BUNDLE,
        handler: 'main_handler',
        env: options.env ?? { OAUTH_SECRET: 'instance-secret', OAUTH_ISSUER: 'http://127.0.0.1' },
        onOutput: (_name, chunk) => output.push(chunk),
        memorySizeMb: 64,
        clockOffsetMs: options.clockOffsetMs ?? 0,
      },
      isolation,
    );
    hosts.push(created);
    return created;
  };
  afterAll(async () => {
    await Promise.all(hosts.map((h) => h.close()));
  });

  it('sees exactly its own environment, and the gateway process never sees it', async () => {
    const { result } = await host().invoke({ value: 1 }, { function_name: 'fn' });
    const seen = result as Seen;
    expect(seen.env).toEqual(['OAUTH_ISSUER', 'OAUTH_SECRET']);
    expect(seen.secret).toBe('instance-secret');
    expect(seen.functionName).toBe('fn');
    expect(seen.hashes).toBe('function');
    expect(process.env.OAUTH_SECRET).toBeUndefined();
  });

  it('keeps its module state apart from another instance of the same bundle', async () => {
    const a = host();
    const b = host();
    await a.invoke({}, {});
    await a.invoke({}, {});
    const fromA = (await a.invoke({}, {})).result as Seen;
    const fromB = (await b.invoke({}, {})).result as Seen;
    expect(fromA.calls).toBe(3);
    expect(fromB.calls).toBe(1);
  });

  it('runs on a shifted clock when asked, Date.now() and new Date() together', async () => {
    const seen = (await host({ clockOffsetMs: TEN_DAYS_MS }).invoke({}, {})).result as Seen;
    expect(seen.now - Date.now()).toBeGreaterThan(TEN_DAYS_MS - 60_000);
    expect(Math.abs(seen.dateNow - seen.now)).toBeLessThan(60_000);
    const plain = (await host().invoke({}, {})).result as Seen;
    expect(Math.abs(plain.now - Date.now())).toBeLessThan(60_000);
  });

  it('hands its console and stdout lines to the gateway', async () => {
    output.length = 0;
    await host().invoke({}, {});
    await expect.poll(() => output.join('')).toContain('stdout line');
    expect(output.join('')).toContain('console line');
  });

  it('reports what the handler threw, and keeps serving', async () => {
    const fn = host();
    const failed = await fn.invoke({ fail: true }, {});
    expect(failed.result).toBeUndefined();
    expect(failed.error).toContain('boom');
    expect((await fn.invoke({ value: 2 }, {})).result).toMatchObject({ event: 2 });
  });

  it('keeps its process listeners to itself', async () => {
    const { result } = await host().invoke({ listen: true }, {});
    expect(result).toEqual({ listeners: 1 });
    expect(process.listenerCount('function-host-probe')).toBe(0);
  });

  it('reports process.exit and a thrown value that is no string as failed invocations, and the gateway lives on', async () => {
    const fn = host();
    expect((await fn.invoke({ exit: true }, {})).error).toBeTruthy();
    expect((await host().invoke({ odd: true }, {})).error).toEqual(expect.any(String));
    expect((await host().invoke({ value: 3 }, {})).result).toMatchObject({ event: 3 });
  });

  it('reports a bundle without the handler as a failed invocation', async () => {
    const failed = await host({ file: NO_HANDLER }).invoke({}, {});
    expect(failed.error).toContain('main_handler');
  });
});
