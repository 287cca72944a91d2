// The instance lifecycle shared by every entry of a function: the app is built once per instance
// (cold start: configuration read and keys imported), reused by every later request whatever the
// platform's entry, retried after a failed start, and released on dispose.
import type { App } from './app.ts';

export interface Instance {
  /** The app once its start has succeeded: requests after the first go straight to it. */
  readonly ready: App | undefined;
  /** Starts the app, or joins the start under way; a failure is thrown and retried next time. */
  start(): Promise<App>;
  /**
   * Ends the instance's app and releases what it holds, for a host that ends an instance without
   * ending its process (the local gateway, `npm run serve` on SIGTERM). A FaaS platform never calls
   * it: ending the process releases all.
   */
  dispose(): Promise<void>;
}

export function createInstance(init: () => Promise<App>): Instance {
  let app: Promise<App> | undefined;
  let ready: App | undefined;
  return {
    get ready() {
      return ready;
    },
    async start() {
      app ??= init();
      const starting = app;
      const run = await starting.catch((error: unknown) => {
        if (app === starting) app = undefined;
        throw error;
      });
      // Kept only if the instance was not disposed of while its app was starting.
      if (app === starting) ready = run;
      return run;
    },
    async dispose() {
      const starting = app;
      app = undefined;
      ready = undefined;
      const running = await starting?.catch(() => undefined);
      await running?.dispose?.();
    },
  };
}
