// The functions' apps built in-process from a test environment, with a fixed clock.
import { createBusinessApp } from '../../functions/business/app.ts';
import { loadBusinessConfig } from '../../functions/business/config.ts';
import { createTokenApp } from '../../functions/token/app.ts';
import { loadTokenConfig } from '../../functions/token/config.ts';
import { testEnv } from './fixtures.ts';

export async function functionsTokenApp(overrides: Record<string, string> = {}, now?: () => number) {
  const config = await loadTokenConfig(await testEnv(overrides));
  return createTokenApp(config, now ? { now } : {});
}

export async function functionsBusinessApp(overrides: Record<string, string> = {}, now?: () => number) {
  const config = await loadBusinessConfig(await testEnv(overrides));
  return createBusinessApp(config, now ? { now } : {});
}
