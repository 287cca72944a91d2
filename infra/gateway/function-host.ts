// Runs one SCF function bundle in its own worker thread with only its own environment, as SCF runs
// each function in its own instance, and calls its real main_handler with the gateway's event.
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
if (workerData.clockOffsetMs) {
  // A shifted clock for tests that step through token lifetimes: Date.now() and new Date() move together.
  const RealDate = Date;
  const offset = workerData.clockOffsetMs;
  globalThis.Date = class extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() + offset);
      else super(...args);
    }
    static now() {
      return RealDate.now() + offset;
    }
  };
}
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

export class FunctionHost {
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
