// Runs one SCF function bundle with only its own environment, as SCF runs each function in its own
// instance, and calls its real main_handler with the gateway's event. Two ways:
// - in the gateway's thread (the default): the bundle is compiled as its own module, with its own
//   `process.env`, stdout and clock, so it shares no state and no variable with the other functions,
//   and an invocation costs a function call, as it does inside an SCF instance;
// - in a worker thread of its own (`isolation: 'worker'`): a V8 heap per function, bounded by the
//   function's memorySize, and an instance that can crash without taking the gateway with it, at the
//   price of copying every event and result between threads.
import { Console } from 'node:console';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { inspect } from 'node:util';
import { compileFunction } from 'node:vm';
import { Worker } from 'node:worker_threads';

export type Isolation = 'inline' | 'worker';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
// The same shifted clock as an in-thread instance's (tests that step through token lifetimes).
if (workerData.clockOffsetMs) globalThis.Date = (${shiftedDate.toString()})(workerData.clockOffsetMs);
const mod = require(workerData.file);
const handler = mod[workerData.handler];
if (typeof handler !== 'function') throw new Error('the bundle exports no ' + workerData.handler);
parentPort.on('message', (msg) => {
  Promise.resolve()
    .then(() => handler(msg.event, msg.context))
    .then((result) => parentPort.postMessage({ id: msg.id, result }))
    .catch((error) => parentPort.postMessage({ id: msg.id, error: String((error && error.stack) || error) }));
});
`;

export interface InvokeResult {
  result?: unknown;
  /** The function threw, or its instance died. */
  error?: string;
}

export interface FunctionHostOptions {
  name: string;
  /** Absolute path of the bundle (CommonJS). */
  file: string;
  /** Exported handler name, e.g. main_handler. */
  handler: string;
  /** The function's whole environment: nothing else of the host process leaks in. */
  env: Record<string, string>;
  /** Where the function's stdout/stderr lines go. */
  onOutput: (name: string, chunk: string) => void;
  /** The function's memory size (serverless.yml `memorySize`), in MB: bounds its JavaScript heap. */
  memorySizeMb?: number;
  /** Milliseconds added to the function's clock (tests only; 0 in normal runs). */
  clockOffsetMs?: number;
}

export interface FunctionHost {
  invoke(event: unknown, context: Record<string, unknown>): Promise<InvokeResult>;
  close(): Promise<void>;
}

export function createFunctionHost(
  options: FunctionHostOptions,
  isolation: Isolation = 'inline',
): FunctionHost {
  return isolation === 'worker' ? new WorkerFunctionHost(options) : new InlineFunctionHost(options);
}

/** A clock `offsetMs` ahead: Date.now() and new Date() move together; dates built from values do not. */
function shiftedDate(offsetMs: number): DateConstructor {
  const RealDate = Date;
  return class extends RealDate {
    constructor(...args: ConstructorParameters<DateConstructor> | []) {
      if (args.length === 0) super(RealDate.now() + offsetMs);
      else super(...(args as [string | number | Date]));
    }
    static override now(): number {
      return RealDate.now() + offsetMs;
    }
  } as DateConstructor;
}

type Handler = (event: unknown, context: Record<string, unknown>) => unknown;

/** What a function threw, as text, whatever it threw (even a value that cannot become a string). */
function describeThrown(error: unknown): string {
  try {
    return String((error instanceof Error && error.stack) || error);
  } catch {
    return inspect(error);
  }
}

/** The bundle's free variables that belong to its instance, not to the gateway. */
const MODULE_SCOPE = [
  'exports',
  'require',
  'module',
  '__filename',
  '__dirname',
  'process',
  'console',
  'Date',
];

class InlineFunctionHost implements FunctionHost {
  private handler: Handler | undefined;

  constructor(private readonly options: FunctionHostOptions) {}

  /** Loads the bundle as SCF does at an instance's first invocation; a failure is retried at the next. */
  private load(): Handler {
    const { file, handler, env, name, onOutput, clockOffsetMs } = this.options;
    // What Console needs of a stream: write() and error listeners.
    const stream = Object.assign(new EventEmitter(), {
      write(chunk: string | Uint8Array): boolean {
        onOutput(name, typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return true;
      },
    });
    // The instance's `process`: the real one for what it reads (versions, hrtime, nextTick, …), with
    // its own environment, output and listeners, and nothing that would end or change the gateway.
    // Node's built-in modules, and packages the bundle requires from outside it, still read the real
    // process: `--isolate` gives each function a process environment of its own.
    const refuse = (what: string) => () => {
      throw new Error(`process.${what} ends the gateway's process, not only this function's instance`);
    };
    const own = (value: unknown) => ({ value, enumerable: true, writable: true, configurable: true });
    const instanceProcess = Object.create(process, {
      env: own({ ...env }),
      stdout: own(stream),
      stderr: own(stream),
      // EventEmitter state of its own, so process.on() in a function never reaches the gateway's.
      _events: own(Object.create(null)),
      _eventsCount: own(0),
      _maxListeners: own(undefined),
      exitCode: own(undefined),
      exit: own(refuse('exit')),
      abort: own(refuse('abort')),
      kill: own(refuse('kill')),
      chdir: own(refuse('chdir')),
    });
    const instanceConsole = new Console({
      stdout: stream as unknown as NodeJS.WritableStream,
      stderr: stream as unknown as NodeJS.WritableStream,
    });
    const module = { exports: {} as Record<string, unknown> };
    const body = compileFunction(readFileSync(file, 'utf8'), MODULE_SCOPE, { filename: file });
    body.call(
      module.exports,
      module.exports,
      createRequire(file),
      module,
      file,
      dirname(file),
      instanceProcess,
      instanceConsole,
      clockOffsetMs ? shiftedDate(clockOffsetMs) : Date,
    );
    const exported = module.exports[handler];
    if (typeof exported !== 'function') throw new Error(`the bundle exports no ${handler}`);
    return exported as Handler;
  }

  async invoke(event: unknown, context: Record<string, unknown>): Promise<InvokeResult> {
    try {
      this.handler ??= this.load();
      return { result: await this.handler(event, context) };
    } catch (error) {
      return { error: describeThrown(error) };
    }
  }

  /**
   * Ends the instance: what its app opened (a store connection) is released, as when SCF ends one.
   * A failure to release is reported on the instance's output, never thrown: the gateway still closes.
   */
  async close(): Promise<void> {
    const handler = this.handler as (Handler & { dispose?: () => Promise<void> }) | undefined;
    this.handler = undefined;
    if (typeof handler?.dispose !== 'function') return;
    try {
      await handler.dispose();
    } catch (error) {
      this.options.onOutput(this.options.name, `instance ended with an error: ${describeThrown(error)}\n`);
    }
  }
}

class WorkerFunctionHost implements FunctionHost {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, (r: InvokeResult) => void>();

  constructor(private readonly options: FunctionHostOptions) {}

  private start(): Worker {
    const { file, handler, env, name, onOutput, memorySizeMb } = this.options;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file, handler, clockOffsetMs: this.options.clockOffsetMs ?? 0 },
      env: { ...env },
      stdout: true,
      stderr: true,
      // An SCF instance has memorySize MB in all; half of it for the old generation makes V8 collect
      // as it would there, instead of letting the heap grow as a roomy laptop allows.
      ...(memorySizeMb
        ? {
            resourceLimits: {
              maxOldGenerationSizeMb: Math.max(16, Math.floor(memorySizeMb / 2)),
              maxYoungGenerationSizeMb: Math.max(4, Math.floor(memorySizeMb / 16)),
            },
          }
        : {}),
    });
    worker.stdout.setEncoding('utf8').on('data', (chunk: string) => onOutput(name, chunk));
    worker.stderr.setEncoding('utf8').on('data', (chunk: string) => onOutput(name, chunk));
    worker.on('message', (msg: { id: number } & InvokeResult) => {
      const resolve = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      resolve?.(msg);
    });
    const fail = (reason: string) => {
      if (this.worker === worker) this.worker = undefined;
      for (const resolve of this.pending.values()) resolve({ error: reason });
      this.pending.clear();
    };
    worker.on('error', (error) => fail(`instance crashed: ${error.message}`));
    worker.on('exit', (code) => fail(`instance exited with code ${code}`));
    worker.unref();
    return worker;
  }

  invoke(event: unknown, context: Record<string, unknown>): Promise<InvokeResult> {
    this.worker ??= this.start();
    const id = this.nextId++;
    const worker = this.worker;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      worker.postMessage({ id, event, context });
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }
}
