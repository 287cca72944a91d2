// Every entry a function exports, over one instance: SCF's `main_handler`, AWS Lambda's `handler`,
// Alibaba Cloud FC's `fcHandler` and the web-standard `fetch`. Whichever the platform calls, the app
// is built once per instance, behind the same error boundary, with the same access log.
import type { App } from './app.ts';
import { type FcHandler, fcEntry } from './fc.ts';
import { type FetchHandler, fetchEntry } from './fetch.ts';
import { createInstance } from './instance.ts';
import { type LambdaHandler, lambdaEntry } from './lambda.ts';
import { type ScfHandler, scfEntry } from './scf.ts';

export interface Entries {
  main_handler: ScfHandler;
  handler: LambdaHandler;
  fcHandler: FcHandler;
  fetch: FetchHandler;
  /** Ends the instance's app (what `main_handler.dispose` does too). */
  dispose(): Promise<void>;
}

/** `init` builds the app at the instance's first request (cold start), whichever entry it comes to. */
export function createEntries(init: () => Promise<App>): Entries {
  const instance = createInstance(init);
  return {
    main_handler: scfEntry(instance),
    handler: lambdaEntry(instance),
    fcHandler: fcEntry(instance),
    fetch: fetchEntry(instance),
    dispose: () => instance.dispose(),
  };
}
