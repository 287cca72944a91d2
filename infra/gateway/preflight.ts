// Checks each function's environment with the function's own configuration parser before serving,
// so a bad variable is reported at start, by name, rather than at the first request.
import { basename } from 'node:path';
import { loadAuthorizeConfig } from '../../functions/authorize/config.ts';
import { loadBusinessConfig } from '../../functions/business/config.ts';
import { loadTokenConfig } from '../../functions/token/config.ts';
import type { Env } from '../../shared/env.ts';
import { ConfigError } from '../../shared/errors.ts';
import type { FunctionInstance } from '../serverless/project.ts';

export type ConfigLoader = (env: Env) => Promise<unknown>;

/** The configuration parser of each function folder. */
export const CONFIG_LOADERS: Record<string, ConfigLoader> = {
  authorize: loadAuthorizeConfig,
  token: loadTokenConfig,
  business: loadBusinessConfig,
};

/** Every problem of every function, each prefixed with the function's name. */
export async function checkFunctionEnvironments(functions: readonly FunctionInstance[]): Promise<string[]> {
  const problems: string[] = [];
  for (const fn of functions) {
    const loader = CONFIG_LOADERS[basename(fn.src)];
    if (!loader) continue;
    try {
      await loader(fn.environment);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const p of error.problems) problems.push(`${fn.functionName}: ${p}`);
    }
  }
  return problems;
}
