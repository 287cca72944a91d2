// The functions the local gateway calls: each one's bundle (built from source, so local runs exercise
// the code SCF runs, or taken prebuilt from dist/) in an instance of its own with only its own
// environment and memory size.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleFunctions } from '../build/bundle.ts';
import type { Project } from '../serverless/project.ts';
import { createFunctionHost, type FunctionHost, type Isolation } from './function-host.ts';

export interface FunctionHosts {
  /** By function name. */
  hosts: Map<string, FunctionHost>;
  /** Ends every instance; the next call to a function starts a new one (a cold start). */
  recycle(): Promise<void>;
  /** Ends every instance and removes the bundles built for them. */
  close(): Promise<void>;
}

export interface HostOptions {
  root: string;
  prebuilt?: boolean;
  onOutput: (functionName: string, chunk: string) => void;
  clockOffsetMs: number;
  isolation?: Isolation;
}

/** Function name → its bundle file. */
async function bundlesOf(
  project: Project,
  options: HostOptions,
): Promise<{ files: Map<string, string>; dir?: string }> {
  const files = new Map<string, string>();
  if (options.prebuilt) {
    for (const fn of project.functions) files.set(fn.functionName, join(fn.src, 'index.js'));
    return { files };
  }
  const dir = mkdtempSync(join(tmpdir(), 'scf-oauth2-gateway-'));
  const built = await bundleFunctions({ root: options.root, outdir: dir, minify: false });
  for (const fn of project.functions) {
    const name = fn.src.split(/[\\/]/).pop()!;
    const bundle = built.find((b) => b.name === name);
    if (bundle) files.set(fn.functionName, bundle.file);
  }
  return { files, dir };
}

export async function startFunctionHosts(project: Project, options: HostOptions): Promise<FunctionHosts> {
  const { files, dir } = await bundlesOf(project, options);
  const hosts = new Map<string, FunctionHost>();
  for (const fn of project.functions) {
    const file = files.get(fn.functionName);
    if (!file) throw new Error(`no bundle for function ${fn.functionName} (${fn.file})`);
    hosts.set(
      fn.functionName,
      createFunctionHost(
        {
          name: fn.functionName,
          file,
          handler: fn.handler.split('.').pop() ?? 'main_handler',
          env: fn.environment,
          onOutput: options.onOutput,
          memorySizeMb: fn.memorySize,
          clockOffsetMs: options.clockOffsetMs,
        },
        options.isolation,
      ),
    );
  }
  const recycle = async () => {
    await Promise.allSettled([...hosts.values()].map((h) => h.close()));
  };
  return {
    hosts,
    recycle,
    async close() {
      try {
        await recycle();
      } finally {
        if (dir) rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
