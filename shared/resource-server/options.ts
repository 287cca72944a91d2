// The kit's options: given ones first, then OAUTH_ISSUER, OAUTH_AUDIENCE and OAUTH_PUBLIC_KEYS; every
// problem reported at once, naming the option or variable, as the functions' configuration does.
import { splitScope } from '../clients.ts';
import { type Env, issuerProblems } from '../env.ts';
import { ConfigError } from '../errors.ts';
import { importPublicKeys, KeyFormatError, type VerificationKey } from '../jwt/keys.ts';
import { createRemoteKeySource, isFetchableUrl } from '../jwt/remote-keys.ts';
import type { KeySource } from '../jwt/verify.ts';
import { checkResourceUri } from '../resources.ts';
import type { ResourceServerOptions } from './types.ts';

export interface ResolvedOptions {
  issuer: string;
  audience: string;
  scopes: readonly string[];
  clockTolerance: number;
  /** Configured keys, imported once. */
  keys: readonly VerificationKey[];
  /** Keys fetched from the issuer, when none are configured. */
  keySource?: KeySource;
}

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/; // RFC 6749 §3.3 scope-token

/** Reads an option, or its variable when the option is left out; the name in messages follows. */
function pick(env: Env, option: string, given: unknown, variable: string) {
  if (given !== undefined) return { name: option, value: typeof given === 'string' ? given.trim() : given };
  return { name: variable, value: env[variable]?.trim() || undefined };
}

/** Checks the options synchronously (programming and configuration errors surface at once). */
export function readOptions(options: ResourceServerOptions, env: Env) {
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  const problems: string[] = [];
  const issuerPick = pick(env, 'issuer', options.issuer, 'OAUTH_ISSUER');
  const issuer = typeof issuerPick.value === 'string' ? issuerPick.value : '';
  // The issuer's rules are the functions' own (shared/env.ts): https, no trailing slash.
  if (!issuer) problems.push(`${issuerPick.name} is missing: the authorization server's issuer URL`);
  else for (const problem of issuerProblems(issuer)) problems.push(`${issuerPick.name} ${problem}`);

  const audiencePick = pick(env, 'audience', options.audience, 'OAUTH_AUDIENCE');
  const audience = typeof audiencePick.value === 'string' ? audiencePick.value : '';
  if (!audience) problems.push(`${audiencePick.name} is missing: this resource's identifier (an https URI)`);
  else {
    const problem = checkResourceUri(audience);
    if (problem) problems.push(`${audiencePick.name} ${problem}`);
  }

  let scopes: string[] = [];
  if (typeof options.scopes === 'string') scopes = splitScope(options.scopes);
  else if (Array.isArray(options.scopes) && options.scopes.every((s) => typeof s === 'string')) {
    scopes = [...options.scopes];
  } else if (options.scopes !== undefined) problems.push('scopes must be an array of strings or a string');
  if (scopes.some((s) => !SCOPE_TOKEN.test(s))) problems.push('scopes has a character RFC 6749 §3.3 forbids');

  const tolerance = options.clockTolerance ?? 30;
  if (!Number.isInteger(tolerance) || tolerance < 0 || tolerance > 300) {
    problems.push('clockTolerance must be an integer 0–300 (seconds)');
  }

  const keysPick = pick(env, 'publicKeys', options.publicKeys, 'OAUTH_PUBLIC_KEYS');
  let publicKeys: string | undefined;
  if (typeof keysPick.value === 'string') publicKeys = keysPick.value || undefined;
  else if (keysPick.value !== null && typeof keysPick.value === 'object') {
    publicKeys = JSON.stringify(keysPick.value);
  } else if (keysPick.value !== undefined) problems.push('publicKeys must be a JWKS, a JWK or a PEM');
  const jwksUri = options.jwksUri;
  if (jwksUri !== undefined && (typeof jwksUri !== 'string' || !isFetchableUrl(jwksUri))) {
    problems.push('jwksUri must be an https URL (http only on loopback)');
  }
  if (publicKeys !== undefined && jwksUri !== undefined) {
    problems.push(`give ${keysPick.name} or jwksUri, not both`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    issuer,
    audience,
    scopes: Object.freeze(scopes),
    clockTolerance: tolerance,
    publicKeys,
    publicKeysName: keysPick.name,
    jwksUri,
  });
}

/** Imports configured keys once, or sets up the fetched ones. */
export async function resolveOptions(
  options: ResourceServerOptions,
  env: Env,
  checked = readOptions(options, env),
): Promise<Readonly<ResolvedOptions>> {
  const { issuer, audience, scopes, clockTolerance, publicKeys, publicKeysName, jwksUri } = checked;
  if (publicKeys === undefined) {
    const keySource = createRemoteKeySource({ issuer, ...(jwksUri ? { jwksUri } : {}) });
    return Object.freeze({ issuer, audience, scopes, clockTolerance, keys: [], keySource });
  }
  let keys: VerificationKey[];
  try {
    keys = await importPublicKeys(publicKeys);
  } catch (error) {
    if (!(error instanceof KeyFormatError)) throw error;
    throw new ConfigError([`${publicKeysName} ${error.message}`]);
  }
  return Object.freeze({ issuer, audience, scopes, clockTolerance, keys });
}
