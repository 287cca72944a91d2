// The deploy profile without API Gateway: each function created or updated with the SCF API from its bundle,
// given a function URL (an SCF `http` trigger), and optionally a custom domain that routes the paths of the
// contract to the functions. Each function enforces OAuth itself. Running it again updates, never duplicates.

import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
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
  /** The region the clients call (TENCENTCLOUD_REGION): it names the custom domain's CNAME target. */
  region?: string;
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
  domain?: { name: string; action: 'created' | 'updated'; url: string; cname: string };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** GetFunction's answer for a missing function (ResourceNotFound.Function / .FunctionName). */
function isFunctionNotFound(error: unknown): boolean {
  return error instanceof CloudError && error.code.startsWith('ResourceNotFound');
}

/** GetCustomDomain's answer for a missing domain (scf client.go: FailedOperation.Domain.UnExist). */
function isDomainNotFound(error: unknown): boolean {
  return error instanceof CloudError && error.code === 'FailedOperation.Domain.UnExist';
}

/**
 * Where a custom domain's DNS CNAME must point: `<appid>.<region>.tencentscf.com`. The APPID is the first
 * label of a function URL (`https://<appid>-<id>.<region>.tencentscf.com`) when one is known.
 */
export function cnameTarget(region: string | undefined, functionUrl?: string): string {
  const appId = functionUrl ? /^https?:\/\/(\d+)-/.exec(functionUrl)?.[1] : undefined;
  return `${appId ?? '<appid>'}.${region || '<region>'}.tencentscf.com`;
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
/** The runtime of the deployed function, or undefined when SCF has no function of that name. */
async function deployedRuntime(scf: ScfClient, fn: FunctionInstance): Promise<string | undefined> {
  try {
    const deployed = await call('GetFunction', () =>
      scf.GetFunction({ FunctionName: fn.functionName, Namespace: NAMESPACE }),
    );
    return deployed.Runtime ?? '';
  } catch (error) {
    if (isFunctionNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * Creates the function, or updates its code and then its configuration: never a second copy. `exists`
 * comes from deployedRuntime, asked for every function before the first change.
 */
async function shipFunction(
  scf: ScfClient,
  fn: FunctionInstance,
  options: FunctionUrlOptions,
  exists: boolean,
) {
  const zip = zipFolder(fn.src).toString('base64');
  const vpc = vpcConfigOf(fn, options.env);
  // No Runtime: SCF sets it at creation and cannot change it (scf_models.d.ts, UpdateFunctionConfiguration).
  const config = {
    MemorySize: fn.memorySize,
    Timeout: fn.timeout,
    Environment: variables(fn),
    ...(vpc ? { VpcConfig: vpc } : {}),
  };
  if (!exists) {
    await call('CreateFunction', () =>
      scf.CreateFunction({
        FunctionName: fn.functionName,
        Namespace: NAMESPACE,
        Code: { ZipFile: zip },
        Handler: fn.handler,
        Type: 'Event',
        Description: 'OAuth 2.0 authorization server',
        Runtime: fn.runtime,
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

/** How many times ListTriggers is asked for a new function URL before giving up. */
export const FUNCTION_URL_LOOKS = 10;

async function httpTrigger(scf: ScfClient, fn: FunctionInstance) {
  const listed = await call('ListTriggers', () =>
    scf.ListTriggers({ FunctionName: fn.functionName, Namespace: NAMESPACE }),
  );
  const trigger = (listed.Triggers ?? []).find(
    (t) => t.Type === 'http' && (t.Qualifier ?? QUALIFIER) === QUALIFIER,
  );
  return { trigger, requestId: listed.RequestId ?? '' };
}

/**
 * The function's URL: its existing http trigger (SCF allows one per function and qualifier) or a new one.
 * The API documents no moment at which the URL exists, so a trigger shown without one is looked at again
 * a few times, `pollMs` apart.
 */
async function ensureFunctionUrl(
  scf: ScfClient,
  fn: FunctionInstance,
  options: FunctionUrlOptions,
): Promise<string> {
  let { trigger, requestId } = await httpTrigger(scf, fn);
  if (!trigger) {
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
    trigger = created.TriggerInfo;
    requestId = created.RequestId ?? '';
  }
  for (let look = 1; ; look++) {
    const url = functionUrlOf(trigger?.TriggerDesc);
    if (url) return url;
    if (look > FUNCTION_URL_LOOKS) {
      throw new CloudError(
        'ListTriggers',
        'UnexpectedResponse',
        `the http trigger of ${fn.functionName} shows no ExtranetUrl after ${FUNCTION_URL_LOOKS} looks; see the function's triggers in the SCF console, then deploy again`,
        requestId,
      );
    }
    await sleep(options.pollMs ?? 1000);
    ({ trigger, requestId } = await httpTrigger(scf, fn));
  }
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
  const cname = cnameTarget(options.region, functions[0]?.url);
  let exists = true;
  try {
    await call('GetCustomDomain', () => scf.GetCustomDomain({ Domain: domain }));
  } catch (error) {
    if (!isDomainNotFound(error)) throw error;
    exists = false;
  }
  try {
    if (exists) await call('UpdateCustomDomain', () => scf.UpdateCustomDomain(request));
    else await call('CreateCustomDomain', () => scf.CreateCustomDomain(request));
  } catch (error) {
    // SCF binds a domain only once its CNAME resolves to the account's SCF host (FailedOperation.CNAME).
    if (error instanceof CloudError && error.code === 'FailedOperation.CNAME') {
      throw new CloudError(
        error.action,
        error.code,
        `${error.detail}; point the DNS CNAME record of ${domain} at ${cname}, wait for it to resolve, and deploy again`,
        error.requestId,
      );
    }
    throw error;
  }
  return {
    name: domain,
    action: exists ? ('updated' as const) : ('created' as const),
    url: `${options.certificateId ? 'https' : 'http'}://${domain}`,
    cname,
  };
}

/** What is wrong with a --domain value, if anything (CreateCustomDomain takes no wildcard domain). */
export function domainProblem(domain: string): string | undefined {
  if (/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(domain)) return undefined;
  return `--domain must be a host name such as auth.example.com, got ${JSON.stringify(domain)}`;
}

export async function deployFunctionUrls(options: FunctionUrlOptions): Promise<FunctionUrlResult> {
  const log = options.log ?? (() => {});
  const bad = options.domain ? domainProblem(options.domain) : undefined;
  if (bad) throw new CloudConfigError(bad);
  const toShip = loadFunctionsToShip(options.root, options.env);
  // Every runtime is compared before the first change: SCF sets a runtime when it creates a function and
  // cannot change it (scf_models.d.ts, UpdateFunctionConfigurationRequest.Runtime), so a function deployed
  // with another one stops the deploy with nothing half-done.
  const runtimes = new Map<FunctionInstance, string | undefined>();
  for (const fn of toShip) runtimes.set(fn, await deployedRuntime(options.scf, fn));
  const mismatched = toShip.filter((fn) => runtimes.get(fn) !== undefined && runtimes.get(fn) !== fn.runtime);
  if (mismatched.length > 0) {
    throw new CloudConfigError(
      `${mismatched
        .map(
          (fn) =>
            `${fn.functionName} runs ${runtimes.get(fn)} in the cloud, and ${relative(options.root, fn.file)} asks for ${fn.runtime}`,
        )
        .join(
          '; ',
        )}: SCF sets a runtime when it creates a function and cannot change it. Nothing was changed. Delete the function (SCF console or DeleteFunction) and deploy again to create it with the runtime serverless.yml names.`,
    );
  }
  const deployed: DeployedFunction[] = [];
  for (const fn of toShip) {
    const folder = basename(dirname(fn.file));
    log(`${fn.functionName}: deploying dist/${folder}`);
    const action = await shipFunction(options.scf, fn, options, runtimes.get(fn) !== undefined);
    const url = await ensureFunctionUrl(options.scf, fn, options);
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
