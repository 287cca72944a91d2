// Reads the project's Serverless Components configuration: the root serverless.yml (the API Gateway
// service) and the function instances it refers to, with ${env:…} and ${output:…} resolved.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { withFunctionKeys } from '../keys/function-keys.ts';

export interface FunctionInstance {
  /** Instance name (`name:` of its serverless.yml). */
  instance: string;
  functionName: string;
  /** Folder of the built bundle, absolute. */
  src: string;
  handler: string;
  runtime: string;
  memorySize: number;
  timeout: number;
  environment: Record<string, string>;
  file: string;
}

export interface OAuthConfig {
  publicKey: string;
  tokenLocation: string;
  loginRedirectUrl?: string;
}

export interface Endpoint {
  path: string;
  method: string;
  apiName: string;
  authType: string;
  businessType?: string;
  oauthConfig?: OAuthConfig;
  authRelationApi?: { path: string; method: string };
  functionName: string;
  isIntegratedResponse: boolean;
}

export interface Project {
  root: string;
  app: string;
  stage: string;
  service: Record<string, unknown>;
  endpoints: Endpoint[];
  functions: FunctionInstance[];
}

export class ProjectConfigError extends Error {
  override readonly name = 'ProjectConfigError';
}

export interface ResolveOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** Values of ${output:…} references, by `<instance>.<output>`. */
  outputs?: Readonly<Record<string, string>>;
  /** Resolve unset ${env:…} to empty strings instead of failing. */
  lenient?: boolean;
  /** Variables that resolve to an empty string when unset (default OPTIONAL_VARIABLES; empty = absent). */
  optional?: readonly string[];
}

/**
 * Variables serverless.yml passes through that a deployment may leave unset: the functions give them a
 * default or do without (key rotation, revocation checks, token typ). A `.env` for the deploy tool
 * should still name them, empty when unused (`OAUTH_NEXT_PUBLIC_KEYS=`).
 */
export const OPTIONAL_VARIABLES: readonly string[] = [
  'OAUTH_STORE',
  'OAUTH_RETIRED_PUBLIC_KEYS',
  'OAUTH_NEXT_PUBLIC_KEYS',
  'OAUTH_SIGNING_KEY_NOT_AFTER',
  'OAUTH_ACCESS_TOKEN_TYP',
  'OAUTH_ACCESS_TOKEN_TTL',
  'OAUTH_CLOCK_TOLERANCE',
  'OAUTH_CHECK_REVOCATION',
  'OAUTH_DEFAULT_LOCALE',
  'OAUTH_SCOPE_DESCRIPTIONS',
  'OAUTH_BEARER_COOKIE',
  'OAUTH_RESOURCES',
  'OAUTH_REGISTRATION',
  'OAUTH_REGISTRATION_TOKEN',
  'OAUTH_CLIENT_ID_METADATA_DOCUMENTS',
  'OAUTH_CIMD_ALLOW_LOOPBACK',
];

/**
 * Settings of the deploy tool itself that serverless.yml reads: the region every instance deploys to (the
 * one source of it, also the region the SDK clients call) and the id of the existing API Gateway service
 * the apigateway instance reuses. No function receives them. The deploy checks require them; everything
 * else that reads serverless.yml (npm start, invoke) resolves them to "" when unset.
 */
export const REGION_VARIABLE = 'TENCENTCLOUD_REGION';
export const SERVICE_ID_VARIABLE = 'TENCENTCLOUD_APIGW_SERVICE_ID';
const DEPLOY_SETTINGS: readonly string[] = [REGION_VARIABLE, SERVICE_ID_VARIABLE];

/** Every ${env:NAME} a YAML text references. */
export function envReferences(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]!))];
}

function resolveString(
  value: string,
  vars: Record<string, string>,
  options: ResolveOptions,
  where: string,
): string {
  // ${stage} and ${app} first, so that ${output:${stage}:${app}:x.y} becomes one flat reference.
  const flat = value.replace(/\$\{(stage|app)\}/g, (_, name: string) => vars[name] ?? '');
  return flat.replace(/\$\{(env|output):([^}]*)\}/g, (_, kind: string, ref: string) => {
    if (kind === 'env') {
      const v = options.env[ref];
      if (v === undefined || v === '') {
        const optional = options.optional ?? OPTIONAL_VARIABLES;
        if (options.lenient || optional.includes(ref) || DEPLOY_SETTINGS.includes(ref)) return '';
        throw new ProjectConfigError(`${where}: \${env:${ref}} is not set (add ${ref} to .env)`);
      }
      return v;
    }
    const target = ref.split(':').pop() ?? '';
    const v = options.outputs?.[target];
    if (v === undefined)
      throw new ProjectConfigError(`${where}: \${output:${ref}} names no known instance output`);
    return v;
  });
}

export function resolveDeep(
  value: unknown,
  vars: Record<string, string>,
  options: ResolveOptions,
  where: string,
): unknown {
  if (typeof value === 'string') return resolveString(value, vars, options, where);
  if (Array.isArray(value)) return value.map((v, i) => resolveDeep(v, vars, options, `${where}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, resolveDeep(v, vars, options, `${where}.${k}`)]),
    );
  }
  return value;
}

export function readYaml(file: string): Record<string, unknown> {
  const doc = parse(readFileSync(file, 'utf8')) as unknown;
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ProjectConfigError(`${file} is not a YAML mapping`);
  }
  return doc as Record<string, unknown>;
}

/** The function instance files: functions/<name>/serverless.yml. */
export function functionInstanceFiles(root: string): string[] {
  const dir = join(root, 'functions');
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'serverless.yml')))
    .map((d) => join(dir, d.name, 'serverless.yml'))
    .sort();
}

export function loadProject(root: string, given: ResolveOptions): Project {
  // Each function's own keys, derived from OAUTH_SECRET: a serverless.yml names only those it needs.
  const options = { ...given, env: withFunctionKeys(given.env) };
  const rootFile = join(root, 'serverless.yml');
  const rootDoc = readYaml(rootFile);
  const app = String(rootDoc.app ?? '');
  const stage = String(rootDoc.stage ?? 'dev');
  const vars = { app, stage };

  const functions: FunctionInstance[] = [];
  const outputs: Record<string, string> = { ...options.outputs };
  for (const file of functionInstanceFiles(root)) {
    const doc = readYaml(file);
    if (doc.component !== 'scf') continue;
    const instance = String(doc.name);
    const inputs = resolveDeep(doc.inputs ?? {}, vars, { ...options, outputs }, file) as Record<
      string,
      unknown
    >;
    const src = inputs.src as string | { src?: string } | undefined;
    const srcPath = typeof src === 'string' ? src : (src?.src ?? '.');
    const variables = ((inputs.environment as { variables?: Record<string, unknown> } | undefined)
      ?.variables ?? {}) as Record<string, unknown>;
    const fn: FunctionInstance = {
      instance,
      functionName: String(inputs.name ?? instance),
      src: resolve(dirname(file), srcPath),
      handler: String(inputs.handler ?? 'index.main_handler'),
      runtime: String(inputs.runtime ?? ''),
      memorySize: Number(inputs.memorySize ?? 128),
      timeout: Number(inputs.timeout ?? 3),
      environment: Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(v)])),
      file,
    };
    functions.push(fn);
    outputs[`${instance}.functionName`] = fn.functionName;
  }

  const service = resolveDeep(rootDoc.inputs ?? {}, vars, { ...options, outputs }, rootFile) as Record<
    string,
    unknown
  >;
  const endpoints = ((service.endpoints as Record<string, unknown>[] | undefined) ?? []).map((e, i) => {
    const fn = e.function as { functionName?: string; isIntegratedResponse?: unknown } | undefined;
    if (!fn?.functionName)
      throw new ProjectConfigError(`${rootFile}: endpoints[${i}] has no function.functionName`);
    const endpoint: Endpoint = {
      path: String(e.path),
      method: String(e.method).toUpperCase(),
      apiName: String(e.apiName ?? ''),
      authType: String(e.authType ?? 'NONE').toUpperCase(),
      functionName: fn.functionName,
      isIntegratedResponse:
        fn.isIntegratedResponse === true || String(fn.isIntegratedResponse).toUpperCase() === 'TRUE',
    };
    if (e.businessType) endpoint.businessType = String(e.businessType).toUpperCase();
    if (e.oauthConfig) endpoint.oauthConfig = e.oauthConfig as OAuthConfig;
    if (e.authRelationApi) endpoint.authRelationApi = e.authRelationApi as { path: string; method: string };
    return endpoint;
  });
  return { root, app, stage, service, endpoints, functions };
}
