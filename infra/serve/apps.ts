// How each function folder builds its app from an environment: the same config loader and app factory
// its entry file (functions/<name>/index.ts) uses, for hosts that run several functions in one process.
import { createAuthorizeApp } from '../../functions/authorize/app.ts';
import { loadAuthorizeConfig } from '../../functions/authorize/config.ts';
import { createBusinessApp } from '../../functions/business/app.ts';
import { loadBusinessConfig } from '../../functions/business/config.ts';
import { createTokenApp } from '../../functions/token/app.ts';
import { loadTokenConfig } from '../../functions/token/config.ts';
import type { Env } from '../../shared/env.ts';
import type { App } from '../../shared/http/app.ts';

export const APP_STARTERS: Record<string, (env: Env) => Promise<App>> = {
  authorize: async (env) => createAuthorizeApp(await loadAuthorizeConfig(env)),
  token: async (env) => createTokenApp(await loadTokenConfig(env)),
  business: async (env) => createBusinessApp(await loadBusinessConfig(env)),
};
