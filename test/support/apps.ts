// The one way a test builds a function's app in-process: the function's configuration read from `env` as
// its entry file reads it (a complete environment: testEnv()'s, a harness's or a gateway's, a deployed
// function's own), and the app made with the clock and the store the test fixes.
import { createAuthorizeApp } from '../../functions/authorize/app.ts';
import { loadAuthorizeConfig } from '../../functions/authorize/config.ts';
import { createBusinessApp } from '../../functions/business/app.ts';
import { loadBusinessConfig } from '../../functions/business/config.ts';
import { createTokenApp } from '../../functions/token/app.ts';
import { loadTokenConfig } from '../../functions/token/config.ts';
import type { Env } from '../../shared/env.ts';
import type { App } from '../../shared/http/app.ts';
import type { Store } from '../../shared/store/store.ts';

/** What a test fixes: the clock (default: the real one) and the store (default: the one OAUTH_STORE names). */
export interface AppOptions {
  now?: () => number;
  store?: Store;
}

export async function authorizeApp(env: Env, options: AppOptions = {}): Promise<App> {
  return createAuthorizeApp(await loadAuthorizeConfig(env), options);
}

export async function tokenApp(env: Env, options: AppOptions = {}): Promise<App> {
  return createTokenApp(await loadTokenConfig(env), options);
}

export async function businessApp(env: Env, options: AppOptions = {}): Promise<App> {
  return createBusinessApp(await loadBusinessConfig(env), options);
}
