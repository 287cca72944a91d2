// Offline checks of the deploy configuration: every serverless.yml parses, every input is one its
// component's published schema accepts, every ${env:…} and ${output:…} resolves, the gateway's OAuth 2.0
// wiring is coherent, and each function's environment fits SCF's limits and holds the right keys.
import { readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import {
  importGatewayPublicKey,
  importPublicKeys,
  importSigningKey,
  type PublicJwk,
} from '../../shared/jwt/keys.ts';
import { checkFunctionEnvironments } from '../gateway/preflight.ts';
import { withFunctionKeys } from '../keys/function-keys.ts';
import { REGION_PATTERN } from '../tencent/client.ts';
import {
  envReferences,
  functionInstanceFiles,
  loadProject,
  OPTIONAL_VARIABLES,
  REGION_VARIABLE,
  resolveDeep,
  SERVICE_ID_VARIABLE,
} from './project.ts';
import { COMPONENT_OUTPUTS, COMPONENT_SCHEMAS, validate } from './schema.ts';

/** SCF quota page 583/11637: 4 KB of environment per function, names and reserved prefixes. */
export const SCF_ENV_LIMIT_BYTES = 4096;
export const SCF_ENV_NAME = /^[a-zA-Z][a-zA-Z0-9_]*$/;
export const SCF_RESERVED_PREFIXES = ['SCF_', 'QCLOUD_', 'TENCENTCLOUD_'] as const;

/** The routes of the interface contract (design.md), by the function folder that serves them. */
export const CONTRACT_ROUTES: readonly {
  method: string;
  path: string;
  fn: string;
  businessType?: 'OAUTH' | 'NORMAL';
}[] = [
  { method: 'GET', path: '/authorize', fn: 'authorize' },
  { method: 'POST', path: '/authorize', fn: 'authorize' },
  { method: 'POST', path: '/token', fn: 'token', businessType: 'OAUTH' },
  { method: 'POST', path: '/introspect', fn: 'token' },
  { method: 'POST', path: '/revoke', fn: 'token' },
  { method: 'POST', path: '/register', fn: 'token' },
  { method: 'GET', path: '/.well-known/oauth-authorization-server', fn: 'token' },
  { method: 'GET', path: '/.well-known/jwks.json', fn: 'token' },
  { method: 'GET', path: '/.well-known/openid-configuration', fn: 'token' },
  { method: 'GET', path: '/userinfo', fn: 'token' },
  { method: 'POST', path: '/userinfo', fn: 'token' },
  { method: 'GET', path: '/logout', fn: 'authorize' },
  { method: 'POST', path: '/logout', fn: 'authorize' },
  { method: 'GET', path: '/work', fn: 'business', businessType: 'NORMAL' },
];

interface Instance {
  file: string;
  rel: string;
  /** Folder name: the function (functions/<fn>/serverless.yml) or "" for the root. */
  folder: string;
  doc: Record<string, unknown>;
  text: string;
}

export interface CheckOptions {
  /** What ${env:…} resolves against (.env plus the process environment when deploying). */
  env: Readonly<Record<string, string | undefined>>;
  /** Route rules of the contract; off for the component-schema-only check of a partial project. */
  contract?: boolean;
  /**
   * What is deployed: `components` (default) checks the gateway instance too; `function-url` deploys the
   * functions alone, so the root serverless.yml is only parsed.
   */
  profile?: 'components' | 'function-url';
}

/** Bytes of a function's environment as SCF counts them: names and values. */
export function environmentBytes(vars: Readonly<Record<string, string>>): number {
  // An optional variable left empty is not sent to SCF (infra/deploy/function-url.ts): it costs nothing.
  return Object.entries(vars)
    .filter(([, v]) => v !== '')
    .reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
}

const OUTPUT_REF = /\$\{output:([^}]*)\}/g;

/** Every problem of the deploy configuration under `root`, each naming its file; empty when deployable. */
export async function checkDeployConfig(root: string, given: CheckOptions): Promise<string[]> {
  // Each function's own keys, derived from OAUTH_SECRET as the deploy passes them.
  const options = { ...given, env: withFunctionKeys(given.env) };
  const { instances, problems } = readInstances(root);
  if (problems.length > 0) return problems;
  const byName = new Map<string, Instance>();
  problems.push(...checkInstances(instances, byName));
  if (problems.length > 0) return problems;

  const rootInstance = instances[0]!;
  const withGateway = options.profile !== 'function-url';
  /** The instances this profile deploys. */
  const deployed = withGateway ? instances : instances.filter((i) => i !== rootInstance);
  const references = checkReferences(deployed, byName, rootInstance.doc, options.env);
  problems.push(...references.problems);
  const resolved = resolveInputs(deployed, rootInstance.doc, references.outputs, options.env, problems);

  const functions = instances.filter((i) => i.folder !== '');
  const functionNames = new Map<string, Instance>();
  for (const inst of functions) {
    const inputs = resolved.get(inst);
    if (!inputs) continue;
    const name = String(inputs.name ?? inst.doc.name);
    if (functionNames.has(name)) problems.push(`${inst.rel}: function name ${name} is used twice`);
    functionNames.set(name, inst);
    problems.push(...checkFunction(root, inst, inputs));
  }

  problems.push(...checkRegion(deployed, resolved, options.env));
  const gateway = resolved.get(rootInstance);
  if (gateway)
    problems.push(...(await checkGateway(rootInstance, gateway, functionNames, resolved, options)));
  else problems.push(...(await checkPublicKeys(functionNames, resolved)));

  // Each function's own configuration parser accepts what its serverless.yml gives it.
  if (problems.length === 0) {
    const project = loadProject(root, { env: options.env, lenient: true });
    problems.push(...(await checkFunctionEnvironments(project.functions)));
  }
  return problems;
}

/** Every serverless.yml of the project, parsed: the root's first. */
function readInstances(root: string): { instances: Instance[]; problems: string[] } {
  const problems: string[] = [];
  const files = [join(root, 'serverless.yml'), ...functionInstanceFiles(root)];
  const instances: Instance[] = [];
  for (const file of files) {
    const rel = relative(root, file);
    let text: string;
    let doc: unknown;
    try {
      text = readFileSync(file, 'utf8');
      doc = parse(text);
    } catch (error) {
      problems.push(`${rel}: does not parse: ${(error as Error).message.split('\n')[0]}`);
      continue;
    }
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
      problems.push(`${rel}: is not a YAML mapping`);
      continue;
    }
    const folder = file === files[0] ? '' : basename(dirname(file));
    instances.push({ file, rel, folder, doc: doc as Record<string, unknown>, text });
  }
  return { instances, problems };
}

/** app, stage, component and name of every instance; fills `byName`. */
function checkInstances(instances: readonly Instance[], byName: Map<string, Instance>): string[] {
  const problems: string[] = [];
  const { app, stage } = instances[0]!.doc;
  for (const inst of instances) {
    const { doc, rel } = inst;
    for (const key of ['app', 'stage', 'component', 'name'] as const) {
      if (typeof doc[key] !== 'string' || doc[key] === '') problems.push(`${rel}: ${key} is missing`);
    }
    if (doc.app !== app) problems.push(`${rel}: app must be ${JSON.stringify(app)} like serverless.yml`);
    if (doc.stage !== stage)
      problems.push(`${rel}: stage must be ${JSON.stringify(stage)} like serverless.yml`);
    if (typeof doc.component === 'string' && !(doc.component in COMPONENT_SCHEMAS)) {
      problems.push(`${rel}: component ${JSON.stringify(doc.component)} is not one this project deploys`);
    }
    const expected = inst.folder === '' ? 'apigateway' : 'scf';
    if (doc.component !== expected) problems.push(`${rel}: component must be ${expected}`);
    if (typeof doc.name === 'string') {
      if (byName.has(doc.name)) problems.push(`${rel}: instance name ${doc.name} is used twice`);
      byName.set(doc.name, inst);
    }
    if (!doc.inputs || typeof doc.inputs !== 'object') problems.push(`${rel}: inputs is missing`);
  }
  return problems;
}

/**
 * ${env:…}: set and not empty. ${output:…}: an earlier instance of this app and stage, a real output.
 * The outputs as the check resolves them (a function's name; `<instance.output>` for the gateway's).
 */
function checkReferences(
  deployed: readonly Instance[],
  byName: ReadonlyMap<string, Instance>,
  rootDoc: Record<string, unknown>,
  env: CheckOptions['env'],
): { problems: string[]; outputs: Record<string, string> } {
  const problems: string[] = [];
  const outputs: Record<string, string> = {};
  const { app, stage } = rootDoc;
  for (const inst of deployed) {
    for (const name of envReferences(inst.text)) {
      // The region is checked once for every instance (checkRegion).
      if (name === REGION_VARIABLE || env[name]?.trim() || OPTIONAL_VARIABLES.includes(name)) continue;
      problems.push(
        name === SERVICE_ID_VARIABLE
          ? `${inst.rel}: inputs.serviceId: ${name} is not set. API Gateway sells no new services since 2024-07-01, so the apigateway component must reuse an existing one: set ${name} to its id (service-…, in the API Gateway console), or deploy with --profile function-url`
          : `${inst.rel}: \${env:${name}} is not set`,
      );
    }
    const flat = inst.text.replace(/\$\{(stage|app)\}/g, (_, k: string) => String(inst.doc[k]));
    for (const match of flat.matchAll(OUTPUT_REF)) {
      const ref = match[1]!;
      const parts = ref.split(':');
      const [refStage, refApp, target] = parts.length === 3 ? parts : [undefined, undefined, parts[0]];
      const [instanceName, output] = (target ?? '').split('.');
      const source = instanceName ? byName.get(instanceName) : undefined;
      if (refStage !== stage || refApp !== app) {
        problems.push(`${inst.rel}: \${output:${ref}} must name stage ${stage} and app ${app}`);
      } else if (!source) {
        problems.push(`${inst.rel}: \${output:${ref}} names no instance of this project`);
      } else if (source === inst) {
        problems.push(`${inst.rel}: \${output:${ref}} refers to its own instance`);
      } else if (source.folder === '' && inst.folder !== '') {
        problems.push(
          `${inst.rel}: \${output:${ref}} makes a function wait for the gateway, which deploys after the functions`,
        );
      } else if (!output || !COMPONENT_OUTPUTS[String(source.doc.component)]?.includes(output)) {
        problems.push(
          `${inst.rel}: \${output:${ref}}: ${source.doc.component} has no output ${output ?? ''}`,
        );
      } else {
        outputs[target!] = source.folder === '' ? `<${target}>` : String(resolveName(source));
      }
    }
  }
  return { problems, outputs };
}

/** Each instance's inputs resolved as the engine would see them, checked against its component's schema. */
function resolveInputs(
  deployed: readonly Instance[],
  rootDoc: Record<string, unknown>,
  outputs: Record<string, string>,
  env: CheckOptions['env'],
  problems: string[],
): Map<Instance, Record<string, unknown>> {
  const resolved = new Map<Instance, Record<string, unknown>>();
  for (const inst of deployed) {
    let inputs: Record<string, unknown>;
    try {
      inputs = resolveDeep(
        inst.doc.inputs,
        { app: String(rootDoc.app), stage: String(rootDoc.stage) },
        { env, outputs, lenient: true },
        inst.rel,
      ) as Record<string, unknown>;
    } catch (error) {
      problems.push((error as Error).message);
      continue;
    }
    // An unset service id or region is reported once (checkReferences, checkRegion), not as a schema mismatch.
    for (const key of ['serviceId', 'region']) {
      if (typeof inputs[key] === 'string' && !inputs[key].trim()) delete inputs[key];
    }
    resolved.set(inst, inputs);
    problems.push(...validate(COMPONENT_SCHEMAS[String(inst.doc.component)]!, inputs, `${inst.rel}: inputs`));
  }
  return resolved;
}

/**
 * One region for everything: TENCENTCLOUD_REGION, which the SDK clients call, and the `region` input of every
 * instance deployed (the components default to ap-guangzhou when it is absent), which must name it.
 */
function checkRegion(
  deployed: readonly Instance[],
  resolved: ReadonlyMap<Instance, Record<string, unknown>>,
  env: CheckOptions['env'],
): string[] {
  const region = env[REGION_VARIABLE]?.trim();
  if (!region) {
    return [
      `${REGION_VARIABLE} is not set: the region every function${deployed.some((i) => i.folder === '') ? ' and the API Gateway service' : ''} deploys to, e.g. ap-guangzhou (set in .env)`,
    ];
  }
  if (!REGION_PATTERN.test(region)) {
    return [`${REGION_VARIABLE} must be a region such as ap-guangzhou, got ${JSON.stringify(region)}`];
  }
  const problems: string[] = [];
  for (const inst of deployed) {
    const inputs = resolved.get(inst);
    if (!inputs) continue;
    if (inputs.region !== region) {
      problems.push(
        `${inst.rel}: inputs.region is ${inputs.region === undefined ? 'missing' : JSON.stringify(inputs.region)} but ${REGION_VARIABLE} is ${JSON.stringify(region)}: write region: \${env:${REGION_VARIABLE}}`,
      );
    }
  }
  return problems;
}

function resolveName(inst: Instance): string {
  const inputs = inst.doc.inputs as Record<string, unknown>;
  return typeof inputs.name === 'string' ? inputs.name : String(inst.doc.name);
}

function checkFunction(root: string, inst: Instance, inputs: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const where = `${inst.rel}: inputs`;
  const src = typeof inputs.src === 'string' ? inputs.src : (inputs.src as { src?: unknown })?.src;
  const expected = resolve(root, 'dist', inst.folder);
  if (typeof src !== 'string' || resolve(dirname(inst.file), src) !== expected) {
    problems.push(`${where}.src must be the bundle folder ${relative(dirname(inst.file), expected)}`);
  }
  if ((inputs.handler ?? 'index.main_handler') !== 'index.main_handler') {
    problems.push(`${where}.handler must be index.main_handler (what the bundles export)`);
  }
  const variables =
    ((inputs.environment as { variables?: Record<string, unknown> } | undefined)?.variables as
      | Record<string, unknown>
      | undefined) ?? {};
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(variables)) {
    values[key] = String(value ?? '');
    if (!SCF_ENV_NAME.test(key))
      problems.push(`${where}.environment.variables.${key}: name must match ${SCF_ENV_NAME.source}`);
    const reserved = SCF_RESERVED_PREFIXES.find((p) => key.toUpperCase().startsWith(p));
    if (reserved)
      problems.push(`${where}.environment.variables.${key}: the prefix ${reserved} is reserved by SCF`);
  }
  const bytes = environmentBytes(values);
  if (bytes > SCF_ENV_LIMIT_BYTES) {
    const sizes = Object.entries(values)
      .map(([k, v]) => `${k} ${Buffer.byteLength(k) + Buffer.byteLength(v)}`)
      .join(', ');
    problems.push(`${where}.environment: ${bytes} bytes, over SCF's ${SCF_ENV_LIMIT_BYTES} (${sizes})`);
  }
  return problems;
}

interface EndpointInput {
  path?: string;
  method?: string;
  authType?: string;
  businessType?: string;
  oauthConfig?: { publicKey?: string; tokenLocation?: string };
  authRelationApi?: { path?: string; method?: string };
  function?: { functionName?: string; isIntegratedResponse?: boolean };
}

async function checkGateway(
  inst: Instance,
  inputs: Record<string, unknown>,
  functionNames: Map<string, Instance>,
  resolved: Map<Instance, Record<string, unknown>>,
  options: CheckOptions,
): Promise<string[]> {
  const endpoints = (Array.isArray(inputs.endpoints) ? inputs.endpoints : []) as EndpointInput[];
  const { problems, seen } = checkEndpoints(inst, endpoints, functionNames);
  if (options.contract !== false) problems.push(...checkContractRoutes(inst, seen, functionNames));
  problems.push(...(await checkGatewayKey(inst, endpoints, functionNames, resolved)));
  problems.push(...(await checkPublicKeys(functionNames, resolved)));
  return problems;
}

/** Each endpoint's OAuth 2.0 wiring and backend; the routes by `METHOD path`. */
function checkEndpoints(
  inst: Instance,
  endpoints: readonly EndpointInput[],
  functionNames: ReadonlyMap<string, Instance>,
): { problems: string[]; seen: Map<string, EndpointInput> } {
  const problems: string[] = [];
  const seen = new Map<string, EndpointInput>();
  endpoints.forEach((e, i) => {
    const where = `${inst.rel}: endpoints[${i}] (${e.method} ${e.path})`;
    const key = `${e.method} ${e.path}`;
    if (seen.has(key)) problems.push(`${where}: the route is declared twice`);
    seen.set(key, e);
    const auth = e.authType ?? 'NONE';
    if (auth === 'OAUTH' && !e.businessType)
      problems.push(`${where}: authType OAUTH needs businessType OAUTH or NORMAL`);
    if (e.businessType && auth !== 'OAUTH') problems.push(`${where}: businessType needs authType OAUTH`);
    if (e.businessType === 'OAUTH' && !e.oauthConfig)
      problems.push(`${where}: an authorization API needs oauthConfig`);
    if (e.oauthConfig && e.businessType !== 'OAUTH')
      problems.push(`${where}: oauthConfig belongs on the authorization API only`);
    if (e.authRelationApi && e.businessType !== 'NORMAL')
      problems.push(`${where}: authRelationApi belongs on a business API only`);
    if (e.businessType === 'NORMAL' && !e.authRelationApi)
      problems.push(`${where}: a business API needs authRelationApi`);
    if (!e.function) problems.push(`${where}: needs a function backend`);
    else {
      if (e.function.isIntegratedResponse !== true) {
        problems.push(
          `${where}: function.isIntegratedResponse must be true (the functions answer integrated responses)`,
        );
      }
      if (!e.function.functionName || !functionNames.has(e.function.functionName)) {
        problems.push(
          `${where}: function.functionName must be the functionName output of a function instance`,
        );
      }
    }
  });
  // The business API's authRelationApi must name an authorization API of this service (resolved by the
  // toolkit to its id; the authorization APIs deploy first).
  endpoints.forEach((e, i) => {
    if (!e.authRelationApi) return;
    const related = seen.get(`${e.authRelationApi.method} ${e.authRelationApi.path}`);
    if (related?.businessType !== 'OAUTH') {
      problems.push(
        `${inst.rel}: endpoints[${i}].authRelationApi (${e.authRelationApi.method} ${e.authRelationApi.path}) is not an authorization API of this service`,
      );
    }
  });
  return { problems, seen };
}

/** The routes of design.md, each to its function, each of its kind. */
function checkContractRoutes(
  inst: Instance,
  seen: ReadonlyMap<string, EndpointInput>,
  functionNames: ReadonlyMap<string, Instance>,
): string[] {
  const problems: string[] = [];
  const folders = new Set([...functionNames.values()].map((f) => f.folder));
  for (const route of CONTRACT_ROUTES) {
    if (!folders.has(route.fn)) continue;
    const e = seen.get(`${route.method} ${route.path}`);
    const fn = e?.function?.functionName ? functionNames.get(e.function.functionName) : undefined;
    if (!e) problems.push(`${inst.rel}: the route ${route.method} ${route.path} of design.md is missing`);
    else if (fn && fn.folder !== route.fn) {
      problems.push(`${inst.rel}: ${route.method} ${route.path} must go to the ${route.fn} function`);
    } else if ((e.businessType ?? undefined) !== route.businessType) {
      problems.push(
        `${inst.rel}: ${route.method} ${route.path} must be ${route.businessType ? `an OAuth 2.0 ${route.businessType === 'OAUTH' ? 'authorization' : 'business'} API` : 'a plain route'}`,
      );
    }
  }
  return problems;
}

/** The gateway verifies tokens with the authorization API's key: it must be the signing key's public half. */
async function checkGatewayKey(
  inst: Instance,
  endpoints: readonly EndpointInput[],
  functionNames: Map<string, Instance>,
  resolved: ReadonlyMap<Instance, Record<string, unknown>>,
): Promise<string[]> {
  const problems: string[] = [];
  const signing = await signingKeyOf(functionNames, resolved);
  for (const e of endpoints) {
    if (e.businessType !== 'OAUTH' || !e.oauthConfig?.publicKey) continue;
    const where = `${inst.rel}: ${e.method} ${e.path} oauthConfig.publicKey`;
    const gatewayKey = await importGatewayPublicKey(e.oauthConfig.publicKey).catch(() => undefined);
    if (!gatewayKey) problems.push(`${where} must be an RSA public JWK as JSON ({"kty":"RSA","n":…,"e":…})`);
    else if (!signing) problems.push(`${where}: no function holds OAUTH_PRIVATE_KEY to compare it with`);
    else if (gatewayKey.kid !== signing.kid) {
      problems.push(`${where} is not the public key of the token function's OAUTH_PRIVATE_KEY`);
    }
  }
  return problems;
}

/**
 * The public half of the OAUTH_PRIVATE_KEY a function holds, read by the token function's own key reader
 * (shared/jwt/keys.ts), so the check accepts every key the function accepts and no other.
 */
async function signingKeyOf(
  functionNames: Map<string, Instance>,
  resolved: ReadonlyMap<Instance, Record<string, unknown>>,
): Promise<Readonly<PublicJwk> | undefined> {
  const signer = [...functionNames.values()].find((f) => {
    const vars = (resolved.get(f)?.environment as { variables?: Record<string, unknown> } | undefined)
      ?.variables;
    return typeof vars?.OAUTH_PRIVATE_KEY === 'string' && vars.OAUTH_PRIVATE_KEY !== '';
  });
  const signerVars = signer
    ? (resolved.get(signer)?.environment as { variables?: Record<string, string> } | undefined)?.variables
    : undefined;
  const privateKey = signerVars?.OAUTH_PRIVATE_KEY;
  if (!privateKey) return undefined;
  return (await importSigningKey(privateKey).catch(() => undefined))?.publicJwk;
}

/** Every function that verifies tokens (OAUTH_PUBLIC_KEYS) accepts those the signing key signs. */
async function checkPublicKeys(
  functionNames: Map<string, Instance>,
  resolved: ReadonlyMap<Instance, Record<string, unknown>>,
): Promise<string[]> {
  const problems: string[] = [];
  const signing = await signingKeyOf(functionNames, resolved);
  if (signing) {
    for (const f of functionNames.values()) {
      const vars = (resolved.get(f)?.environment as { variables?: Record<string, string> } | undefined)
        ?.variables;
      if (!vars?.OAUTH_PUBLIC_KEYS) continue;
      // Key ids are RFC 7638 thumbprints: the same kid is the same public key.
      const keys = await importPublicKeys(vars.OAUTH_PUBLIC_KEYS).catch(() => []);
      if (!keys.some((k) => k.kid === signing.kid)) {
        problems.push(`${f.rel}: OAUTH_PUBLIC_KEYS does not hold the public key of OAUTH_PRIVATE_KEY`);
      }
    }
  }
  return problems;
}
