// Each function's own derived keys (least privilege), worked out on the machine that deploys or runs
// the functions locally from the one OAUTH_SECRET in .env: the functions' serverless.yml pass each
// function only the keys of its purposes, never the secret itself.
import { readSecret } from '../../shared/config.ts';
import { EnvReader } from '../../shared/env.ts';
import { deriveKey, SEAL_KEY_VARIABLES, type SealPurpose } from '../../shared/seal.ts';

type EnvLike = Readonly<Record<string, string | undefined>>;

/** The OAUTH_*_KEY values derived from `env`'s OAUTH_SECRET; none when it is unset or unusable. */
export function deriveFunctionKeys(env: EnvLike): Record<string, string> {
  const reader = new EnvReader(env);
  if (reader.optional('OAUTH_SECRET') === undefined) return {};
  const secret = readSecret(reader);
  if (reader.problems.length > 0) return {};
  return Object.fromEntries(
    (Object.entries(SEAL_KEY_VARIABLES) as [SealPurpose, string][]).map(([purpose, name]) => [
      name,
      Buffer.from(deriveKey(secret, purpose)).toString('base64url'),
    ]),
  );
}

/** `env` with the derived keys added where it does not set them itself. */
export function withFunctionKeys<T extends EnvLike>(env: T): T & Record<string, string> {
  const derived = deriveFunctionKeys(env);
  for (const name of Object.keys(derived)) if (env[name]?.trim()) delete derived[name];
  return { ...env, ...derived };
}
