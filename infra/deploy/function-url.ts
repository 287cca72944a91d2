// The deploy profile without API Gateway: each function created or updated with the SCF API from its bundle,
// given a function URL (an SCF `http` trigger), and optionally a custom domain that routes the paths of the
// contract to the functions. Each function enforces OAuth itself. Running it again updates, never duplicates.

import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { listFunctions } from '../build/bundle.ts';
import { withFunctionKeys } from '../keys/function-keys.ts';
import { CONTRACT_ROUTES } from '../serverless/check.ts';
import {
  envReferences,
  type FunctionInstance,
  loadProject,
  OPTIONAL_VARIABLES,
  readYaml,
  resolveDeep,
} from '../serverless/project.ts';
import { CloudConfigError, CloudError, call, type ScfClient } from '../tencent/client.ts';
import { zipFolder } from './zip.ts';

export const NAMESPACE = 'default';
/** SCF's default alias, which serves $LATEST unless traffic is shifted. */
export const QUALIFIER = '$DEFAULT';
/** A function URL open to the Internet: OAuth is enforced inside each function. */
export const HTTP_TRIGGER_DESC = JSON.stringify({
  AuthType: 'NONE',
  NetConfig: { EnableIntranet: false, EnableExtranet: true },
});

export interface FunctionUrlOptions {
  root: string;
  env: Readonly<Record<string, string | undefined>>;
  scf: ScfClient;
  /** A custom domain routing the contract's paths to the functions (CreateCustomDomain). */
  domain?: string;
  /** An SSL certificate id for the domain (HTTPS: the issuer must be https). */
  certificateId?: string;
  log?: (line: string) => void;
  /** Between two status polls while SCF creates or updates a function. */
  pollMs?: number;
  /** How long to wait for a function to become Active. */
  waitMs?: number;
}

export interface DeployedFunction {
  folder: string;
  functionName: string;
  action: 'created' | 'updated';
  url: string;
}

export interface FunctionUrlResult {
  functions: DeployedFunction[];
  /** Each contract route with the URL that serves it. */
  routes: { method: string; path: string; url: string }[];
  domain?: { name: string; action: 'created' | 'updated'; url: string };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function isNotFound(error: unknown): boolean {
  return error instanceof CloudError && error.code.startsWith('ResourceNotFound');
}

/** The function instances to ship, each with its bundle folder checked and its env references set. */
export function loadFunctionsToShip(root: string, given: FunctionUrlOptions['env']): FunctionInstance[] {
  const env = withFunctionKeys(given);
  const project = loadProject(root, { env, lenient: true });
  const problems: string[] = [];
  const built = new Set(listFunctions(root));
  for (const fn of project.functions) {
    const text = readFileSync(fn.file, 'utf8');
    const unset = envReferences(text).filter(
      (name) => !env[name]?.trim() && !OPTIONAL_VARIABLES.includes(name),
    );
    if (unset.length > 0) problems.push(`${fn.functionName} needs ${unset.join(', ')} (set in .env)`);
    if (!existsSync(join(fn.src, 'index.js'))) {
      problems.push(`${fn.functionName}: no bundle at ${fn.src}/index.js (run npm run build)`);
    }
    built.delete(basename(dirname(fn.file)));
  }
  for (const folder of built)
    problems.push(`functions/${folder} has no serverless.yml: nothing says how to deploy it`);
  if (problems.length > 0) throw new CloudConfigError(problems.join('\n'));
  return project.functions;
}

/** The instance's vpcConfig input (to reach a private Redis), as the SCF API names it. */
function vpcConfigOf(fn: FunctionInstance, env: FunctionUrlOptions['env']) {
  const doc = readYaml(fn.file);
  const raw = (doc.inputs as { vpcConfig?: unknown } | undefined)?.vpcConfig;
  if (!raw) return undefined;
  const vpc = resolveDeep(raw, { app: String(doc.app), stage: String(doc.stage) }, { env }, fn.file) as {
    vpcId?: string;
    subnetId?: string;
  };
  return { VpcId: vpc.vpcId, SubnetId: vpc.subnetId };
}

function variables(fn: FunctionInstance) {
  // An optional variable left unset is not sent at all: the function reads it as absent either way.
  const set = Object.entries(fn.environment).filter(([, Value]) => Value !== '');
  return { Variables: set.map(([Key, Value]) => ({ Key, Value })) };
}

async function waitActive(scf: ScfClient, name: string, options: FunctionUrlOptions): Promise<void> {
  const deadline = Date.now() + (options.waitMs ?? 120_000);
  for (;;) {
    const fn = await call('GetFunction', () =>
      scf.GetFunction({ FunctionName: name, Namespace: NAMESPACE, Qualifier: '$LATEST' }),
    );
    if (fn.Status === 'Active') return;
    if (fn.Status?.endsWith('Failed')) {
      const reasons = (fn.StatusReasons ?? []).map((r) => `${r.ErrorCode}: ${r.ErrorMessage}`).join('; ');
      throw new CloudError(
        'GetFunction',
        fn.Status,
        `function ${name} is ${fn.Status}${reasons ? `: ${reasons}` : ''}`,
        fn.RequestId ?? '',
      );
    }
    if (Date.now() > deadline) {
      throw new CloudError(
        'GetFunction',
        'Timeout',
        `function ${name} is still ${fn.Status} after waiting`,
        '',
      );
    }
    await sleep(options.pollMs ?? 1000);
  }
}

/** Creates the function, or updates its code and then its configuration: never a second copy. */
async function shipFunction(scf: ScfClient, fn: FunctionInstance, options: FunctionUrlOptions) {
  const zip = zipFolder(fn.src).toString('base64');
  const vpc = vpcConfigOf(fn, options.env);
  const config = {
    Runtime: fn.runtime,
    MemorySize: fn.memorySize,
    Timeout: fn.timeout,
    Environment: variables(fn),
    ...(vpc ? { VpcConfig: vpc } : {}),
  };
  let exists = true;
  try {
    await call('GetFunction', () => scf.GetFunction({ FunctionName: fn.functionName, Namespace: NAMESPACE }));
  } catch (error) {
    if (!isNotFound(error)) throw error;
    exists = false;
  }
  if (!exists) {
    await call('CreateFunction', () =>
      scf.CreateFunction({
        FunctionName: fn.functionName,
        Namespace: NAMESPACE,
        Code: { ZipFile: zip },
        Handler: fn.handler,
        Type: 'Event',
        Description: 'OAuth 2.0 authorization server',
        ...config,
      }),
    );
    await waitActive(scf, fn.functionName, options);
    return 'created' as const;
  }
  await call('UpdateFunctionCode', () =>
    scf.UpdateFunctionCode({
      FunctionName: fn.functionName,
      Namespace: NAMESPACE,
      Handler: fn.handler,
      ZipFile: zip,
    }),
  );
  await waitActive(scf, fn.functionName, options);
  // The whole environment is replaced: each function keeps exactly the variables its serverless.yml declares.
  await call('UpdateFunctionConfiguration', () =>
    scf.UpdateFunctionConfiguration({ FunctionName: fn.functionName, Namespace: NAMESPACE, ...config }),
  );
  await waitActive(scf, fn.functionName, options);
  return 'updated' as const;
}

/** The URL in an http trigger's description (TriggerDesc.NetConfig.ExtranetUrl). */
export function functionUrlOf(triggerDesc: string | undefined): string | undefined {
  if (!triggerDesc) return undefined;
  try {
    const desc = JSON.parse(triggerDesc) as { NetConfig?: { ExtranetUrl?: unknown } };
    const url = desc.NetConfig?.ExtranetUrl;
    return typeof url === 'string' && /^https?:\/\//.test(url) ? url.replace(/\/$/, '') : undefined;
  } catch {
    return undefined;
  }
}

/** The function's URL: its existing http trigger (SCF allows one per function and qualifier) or a new one. */
async function ensureFunctionUrl(scf: ScfClient, fn: FunctionInstance): Promise<string> {
  const listed = await call('ListTriggers', () =>
    scf.ListTriggers({ FunctionName: fn.functionName, Namespace: NAMESPACE }),
  );
  const existing = (listed.Triggers ?? []).find(
    (t) => t.Type === 'http' && (t.Qualifier ?? QUALIFIER) === QUALIFIER,
  );
  if (existing) {
    const url = functionUrlOf(existing.TriggerDesc);
    if (url) return url;
    throw new CloudError(
      'ListTriggers',
      'UnexpectedResponse',
      `the http trigger of ${fn.functionName} has no ExtranetUrl`,
      listed.RequestId ?? '',
    );
  }
  const created = await call('CreateTrigger', () =>
    scf.CreateTrigger({
      FunctionName: fn.functionName,
      Namespace: NAMESPACE,
      // SCF names http triggers itself; this name is a hint only.
      TriggerName: 'function-url',
      Type: 'http',
      Qualifier: QUALIFIER,
      Enable: 'OPEN',
      TriggerDesc: HTTP_TRIGGER_DESC,
    }),
  );
  const url = functionUrlOf(created.TriggerInfo?.TriggerDesc);
  if (!url) {
    throw new CloudError(
      'CreateTrigger',
      'UnexpectedResponse',
      `the new http trigger of ${fn.functionName} has no ExtranetUrl`,
      created.RequestId ?? '',
    );
  }
  return url;
}

/** CreateCustomDomain PathMatch values: the contract's paths, /.well-known/* for the two documents. */
export function domainEndpoints(functions: readonly DeployedFunction[]) {
  const byFolder = new Map(functions.map((f) => [f.folder, f.functionName]));
  const seen = new Set<string>();
  const endpoints: { Namespace: string; FunctionName: string; Qualifier: string; PathMatch: string }[] = [];
  for (const route of CONTRACT_ROUTES) {
    const name = byFolder.get(route.fn);
    if (!name) continue;
    const path = route.path.startsWith('/.well-known/') ? '/.well-known/*' : route.path;
    if (seen.has(path)) continue;
    seen.add(path);
    endpoints.push({ Namespace: NAMESPACE, FunctionName: name, Qualifier: QUALIFIER, PathMatch: path });
  }
  return endpoints;
}

async function ensureDomain(scf: ScfClient, options: FunctionUrlOptions, functions: DeployedFunction[]) {
  const domain = options.domain!;
  const request = {
    Domain: domain,
    Protocol: options.certificateId ? 'HTTPS' : 'HTTP',
    EndpointsConfig: domainEndpoints(functions),
    ...(options.certificateId ? { CertConfig: { CertificateId: options.certificateId } } : {}),
  };
  let exists = true;
  try {
    await call('GetCustomDomain', () => scf.GetCustomDomain({ Domain: domain }));
  } catch (error) {
    if (!isNotFound(error)) throw error;
    exists = false;
  }
  if (exists) await call('UpdateCustomDomain', () => scf.UpdateCustomDomain(request));
  else await call('CreateCustomDomain', () => scf.CreateCustomDomain(request));
  return {
    name: domain,
    action: exists ? ('updated' as const) : ('created' as const),
    url: `${options.certificateId ? 'https' : 'http'}://${domain}`,
  };
}

export async function deployFunctionUrls(options: FunctionUrlOptions): Promise<FunctionUrlResult> {
  const log = options.log ?? (() => {});
  if (
    options.domain &&
    !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(options.domain)
  ) {
    throw new CloudConfigError(
      `--domain must be a host name such as auth.example.com, got ${JSON.stringify(options.domain)}`,
    );
  }
  const toShip = loadFunctionsToShip(options.root, options.env);
  const deployed: DeployedFunction[] = [];
  for (const fn of toShip) {
    const folder = basename(dirname(fn.file));
    log(`${fn.functionName}: deploying dist/${folder}`);
    const action = await shipFunction(options.scf, fn, options);
    const url = await ensureFunctionUrl(options.scf, fn);
    log(`${fn.functionName}: ${action}, ${url}`);
    deployed.push({ folder, functionName: fn.functionName, action, url });
  }
  const domain = options.domain ? await ensureDomain(options.scf, options, deployed) : undefined;
  const urlOf = new Map(deployed.map((d) => [d.folder, d.url]));
  const routes = CONTRACT_ROUTES.filter((r) => urlOf.has(r.fn)).map((r) => ({
    method: r.method,
    path: r.path,
    url: `${domain?.url ?? urlOf.get(r.fn)}${r.path}`,
  }));
  return { functions: deployed, routes, ...(domain ? { domain } : {}) };
}
