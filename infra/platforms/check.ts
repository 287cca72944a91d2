// Offline checks of the AWS SAM template (deploy/aws/template.yaml) and the Alibaba Cloud Serverless
// Devs project (deploy/aliyun/s.yaml). No npm package ships the SAM or Serverless Devs (fc3, fc3-domain)
// JSON Schemas, so these are our own checks of what each tool needs and of what the project promises:
// one function per functions/<name>, the handler the build exports for that platform, the runtime,
// memory and timeout of its serverless.yml, exactly the variables its serverless.yml passes (least
// privilege, secrets hidden), and every route of the contract to the function that serves it.

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { CONTRACT_ROUTES } from '../serverless/check.ts';
import { type FunctionInstance, loadProject } from '../serverless/project.ts';

export const SAM_TEMPLATE = 'deploy/aws/template.yaml';
export const SERVERLESS_DEVS_PROJECT = 'deploy/aliyun/s.yaml';

/** Variables that hold secrets: a SAM parameter for one must be NoEcho. */
export const SECRET_VARIABLES = [
  'OAUTH_PRIVATE_KEY',
  'OAUTH_SECRET',
  'OAUTH_CODE_KEY',
  'OAUTH_SESSION_KEY',
  'OAUTH_CSRF_KEY',
  'OAUTH_REFRESH_TOKEN_KEY',
  'OAUTH_CLIENTS',
  'OAUTH_USERS',
] as const;

/** The lowest Node.js major version the bundles run on (they target node18; Lambda and FC offer 20). */
const MIN_NODE_MAJOR = 20;

export interface PlatformCheckOptions {
  /** Built bundles (dist/ of npm run build): each function's handler export is checked there. */
  bundles?: string;
}

type Doc = Record<string, unknown>;

function isMap(value: unknown): value is Doc {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function readDoc(root: string, rel: string, problems: string[]): Doc | undefined {
  try {
    const doc = parse(readFileSync(join(root, rel), 'utf8')) as unknown;
    if (isMap(doc)) return doc;
    problems.push(`${rel}: is not a YAML mapping`);
  } catch (error) {
    problems.push(`${rel}: does not parse: ${(error as Error).message.split('\n')[0]}`);
  }
  return undefined;
}

/** The functions of serverless.yml by folder, with their variables, memory and timeout. */
function projectFunctions(root: string): Map<string, FunctionInstance> {
  const project = loadProject(root, { env: {}, lenient: true });
  return new Map(project.functions.map((f) => [basename(f.src), f]));
}

/** The code directory must be dist/<folder>, relative to the file that names it. */
function codeFolder(root: string, rel: string, code: unknown): string | undefined {
  if (typeof code !== 'string') return undefined;
  const dir = relative(root, resolve(root, dirname(rel), code));
  return dir.startsWith('dist/') && !dir.slice(5).includes('/') ? dir.slice(5) : undefined;
}

function checkBundleExport(
  bundles: string | undefined,
  folder: string,
  name: string,
  where: string,
  problems: string[],
) {
  if (!bundles) return;
  const file = join(bundles, folder, 'index.js');
  if (!existsSync(file)) {
    problems.push(`${where}: ${relative(process.cwd(), file)} is not built`);
    return;
  }
  const mod = createRequire(file)(file) as Record<string, unknown>;
  if (typeof mod[name] !== 'function')
    problems.push(`${where}: the bundle ${folder}/index.js exports no ${name}`);
}

/** The function a resource deploys (its code dir), each deployed once; undefined after a problem. */
function deployedFunction(
  root: string,
  rel: string,
  where: string,
  code: { key: string; value: unknown },
  functions: Map<string, FunctionInstance>,
  seen: Set<string>,
  problems: string[],
): { folder: string; fn: FunctionInstance } | undefined {
  const folder = codeFolder(root, rel, code.value);
  const fn = folder === undefined ? undefined : functions.get(folder);
  if (!folder || !fn) {
    problems.push(`${where}: ${code.key} must be ../../dist/<function> of a function in functions/`);
    return undefined;
  }
  if (seen.has(folder)) problems.push(`${where}: ${folder} is deployed twice`);
  seen.add(folder);
  return { folder, fn };
}

/** Memory, timeout and variable names as the function's serverless.yml has them (least privilege). */
function checkLikeServerlessYml(
  root: string,
  where: string,
  fn: FunctionInstance,
  given: { memory: [string, unknown]; timeout: [string, unknown]; variables: [string, Doc] },
  problems: string[],
): void {
  const source = relative(root, fn.file);
  if (given.memory[1] !== fn.memorySize)
    problems.push(`${where}: ${given.memory[0]} must be ${fn.memorySize} as in ${source}`);
  if (given.timeout[1] !== fn.timeout)
    problems.push(`${where}: ${given.timeout[0]} must be ${fn.timeout} as in ${source}`);
  if (!sameSet(Object.keys(given.variables[1]), Object.keys(fn.environment))) {
    problems.push(
      `${where}: ${given.variables[0]} must be exactly ${Object.keys(fn.environment).join(', ')} (as in ${source})`,
    );
  }
}

function sameSet(a: Iterable<string>, b: Iterable<string>): boolean {
  const x = [...new Set(a)].sort();
  const y = [...new Set(b)].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function contractRoutes(folder: string): string[] {
  return CONTRACT_ROUTES.filter((r) => r.fn === folder).map((r) => `${r.method} ${r.path}`);
}

/** SAM parameter name of a variable: OAUTH_ACCESS_TOKEN_TTL → OauthAccessTokenTtl. */
export function samParameter(variable: string): string {
  return variable
    .toLowerCase()
    .split('_')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}

/** Every problem of deploy/aws/template.yaml, each naming the resource; empty when deployable. */
export function checkSamTemplate(root: string, options: PlatformCheckOptions = {}): string[] {
  const rel = SAM_TEMPLATE;
  const problems: string[] = [];
  const doc = readDoc(root, rel, problems);
  if (!doc) return problems;
  if (doc.AWSTemplateFormatVersion !== '2010-09-09')
    problems.push(`${rel}: AWSTemplateFormatVersion must be '2010-09-09'`);
  if (doc.Transform !== 'AWS::Serverless-2016-10-31')
    problems.push(`${rel}: Transform must be AWS::Serverless-2016-10-31`);
  const parameters = isMap(doc.Parameters) ? doc.Parameters : {};
  const resources = isMap(doc.Resources) ? doc.Resources : {};
  if (!isMap(doc.Resources)) problems.push(`${rel}: Resources is missing`);
  const globals = isMap(doc.Globals) && isMap(doc.Globals.Function) ? doc.Globals.Function : {};
  const apis = new Set(
    Object.entries(resources)
      .filter(([, r]) => isMap(r) && r.Type === 'AWS::Serverless::HttpApi')
      .map(([name]) => name),
  );
  const functions = projectFunctions(root);
  const seen = new Set<string>();
  for (const [name, resource] of Object.entries(resources)) {
    if (!isMap(resource) || resource.Type !== 'AWS::Serverless::Function') continue;
    const where = `${rel}: ${name}`;
    const props = isMap(resource.Properties) ? resource.Properties : {};
    const deployed = deployedFunction(
      root,
      rel,
      where,
      { key: 'CodeUri', value: props.CodeUri },
      functions,
      seen,
      problems,
    );
    if (!deployed) continue;
    const { folder, fn } = deployed;
    if (props.Handler !== 'index.handler')
      problems.push(`${where}: Handler must be index.handler (the Lambda entry)`);
    checkBundleExport(options.bundles, folder, 'handler', where, problems);
    const runtime = String(props.Runtime ?? globals.Runtime ?? '');
    const major = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
    if (!major || Number(major) < MIN_NODE_MAJOR)
      problems.push(
        `${where}: Runtime must be nodejs${MIN_NODE_MAJOR}.x or newer, got ${JSON.stringify(runtime)}`,
      );
    const variables =
      isMap(props.Environment) && isMap(props.Environment.Variables) ? props.Environment.Variables : {};
    checkLikeServerlessYml(
      root,
      where,
      fn,
      {
        memory: ['MemorySize', props.MemorySize],
        timeout: ['Timeout', props.Timeout],
        variables: ['Environment.Variables', variables],
      },
      problems,
    );
    for (const [variable, value] of Object.entries(variables)) {
      const param = samParameter(variable);
      if (!isMap(value) || value.Ref !== param) {
        problems.push(`${where}: ${variable} must be {Ref: ${param}}`);
        continue;
      }
      const declared = parameters[param];
      if (!isMap(declared) || declared.Type !== 'String')
        problems.push(`${where}: parameter ${param} is not declared as a String`);
      else if ((SECRET_VARIABLES as readonly string[]).includes(variable) && declared.NoEcho !== true)
        problems.push(`${rel}: parameter ${param} holds a secret and must be NoEcho`);
    }

    const events = isMap(props.Events) ? props.Events : {};
    const routes: string[] = [];
    for (const [eventName, event] of Object.entries(events)) {
      if (!isMap(event) || event.Type !== 'HttpApi' || !isMap(event.Properties)) {
        problems.push(`${where}: event ${eventName} must be an HttpApi event`);
        continue;
      }
      const p = event.Properties;
      if (!isMap(p.ApiId) || !apis.has(String(p.ApiId.Ref)))
        problems.push(`${where}: event ${eventName} must name the template's HttpApi in ApiId`);
      if (
        p.PayloadFormatVersion !== undefined &&
        p.PayloadFormatVersion !== '2.0' &&
        p.PayloadFormatVersion !== '1.0'
      )
        problems.push(`${where}: event ${eventName} PayloadFormatVersion must be '2.0' or '1.0'`);
      routes.push(`${String(p.Method).toUpperCase()} ${String(p.Path)}`);
    }
    if (!sameSet(routes, contractRoutes(folder))) {
      problems.push(`${where}: the events must be exactly the routes ${contractRoutes(folder).join(', ')}`);
    }
  }
  for (const folder of functions.keys()) {
    if (!seen.has(folder)) problems.push(`${rel}: no AWS::Serverless::Function for functions/${folder}`);
  }
  if (apis.size !== 1)
    problems.push(`${rel}: one AWS::Serverless::HttpApi serves every route (one issuer host)`);
  return problems;
}

const ENV_REF = /^\$\{env\('([A-Z][A-Z0-9_]*)'\)\}$/;

/** Every problem of deploy/aliyun/s.yaml, each naming the resource; empty when deployable. */
export function checkServerlessDevs(root: string, options: PlatformCheckOptions = {}): string[] {
  const rel = SERVERLESS_DEVS_PROJECT;
  const problems: string[] = [];
  const doc = readDoc(root, rel, problems);
  if (!doc) return problems;
  if (String(doc.edition) !== '3.0.0') problems.push(`${rel}: edition must be 3.0.0 (the fc3 component)`);
  for (const key of ['name', 'access'])
    if (typeof doc[key] !== 'string' || doc[key] === '') problems.push(`${rel}: ${key} is missing`);
  const resources = isMap(doc.resources) ? doc.resources : {};
  if (!isMap(doc.resources)) problems.push(`${rel}: resources is missing`);
  const functions = projectFunctions(root);
  const byFunctionName = new Map<string, string>();
  const seen = new Set<string>();
  const domains: [string, Doc][] = [];
  for (const [name, resource] of Object.entries(resources)) {
    const where = `${rel}: ${name}`;
    if (!isMap(resource) || !isMap(resource.props)) {
      problems.push(`${where}: needs component and props`);
      continue;
    }
    if (resource.component === 'fc3-domain') {
      domains.push([name, resource.props]);
      continue;
    }
    if (resource.component !== 'fc3') {
      problems.push(`${where}: component must be fc3 or fc3-domain`);
      continue;
    }
    const props = resource.props;
    const deployed = deployedFunction(
      root,
      rel,
      where,
      { key: 'code', value: props.code },
      functions,
      seen,
      problems,
    );
    if (!deployed) continue;
    const { folder, fn } = deployed;
    if (typeof props.functionName !== 'string' || !/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/.test(props.functionName))
      problems.push(
        `${where}: functionName must be 1–64 letters, digits, "_" or "-", not starting with a digit or "-"`,
      );
    else byFunctionName.set(props.functionName, folder);
    if (typeof props.region !== 'string' || props.region === '') problems.push(`${where}: region is missing`);
    if (props.handler !== 'index.fcHandler')
      problems.push(`${where}: handler must be index.fcHandler (the FC entry)`);
    checkBundleExport(options.bundles, folder, 'fcHandler', where, problems);
    const major = /^nodejs(\d+)$/.exec(String(props.runtime))?.[1];
    if (!major || Number(major) < MIN_NODE_MAJOR)
      problems.push(`${where}: runtime must be nodejs${MIN_NODE_MAJOR} or newer`);
    const variables = isMap(props.environmentVariables) ? props.environmentVariables : {};
    checkLikeServerlessYml(
      root,
      where,
      fn,
      {
        memory: ['memorySize', props.memorySize],
        timeout: ['timeout', props.timeout],
        variables: ['environmentVariables', variables],
      },
      problems,
    );
    for (const [variable, value] of Object.entries(variables)) {
      // The value comes from the deployer's environment, never from the file: no secret is written here.
      if (ENV_REF.exec(String(value))?.[1] !== variable)
        problems.push(`${where}: ${variable} must be \${env('${variable}')}`);
    }
    const triggers = Array.isArray(props.triggers) ? props.triggers.filter(isMap) : [];
    const http = triggers.filter((t) => t.triggerType === 'http');
    if (http.length !== 1) {
      problems.push(`${where}: needs exactly one http trigger`);
      continue;
    }
    const config = isMap(http[0]!.triggerConfig) ? http[0]!.triggerConfig : {};
    // The functions authenticate their clients themselves (OAuth 2.0); FC signatures would refuse them.
    if (config.authType !== 'anonymous')
      problems.push(`${where}: the http trigger's authType must be anonymous`);
    const methods = Array.isArray(config.methods) ? config.methods.map(String) : [];
    const needed = CONTRACT_ROUTES.filter((r) => r.fn === folder).map((r) => r.method);
    if (!sameSet(methods, needed))
      problems.push(`${where}: the http trigger's methods must be ${[...new Set(needed)].join(', ')}`);
  }
  for (const folder of functions.keys()) {
    if (!seen.has(folder)) problems.push(`${rel}: no fc3 resource for functions/${folder}`);
  }
  if (domains.length !== 1)
    problems.push(`${rel}: one fc3-domain resource serves every route (one issuer host)`);
  for (const [name, props] of domains) {
    const where = `${rel}: ${name}`;
    if (typeof props.domainName !== 'string' || props.domainName === '')
      problems.push(`${where}: domainName is missing`);
    const routes =
      isMap(props.routeConfig) && Array.isArray(props.routeConfig.routes)
        ? props.routeConfig.routes.filter(isMap)
        : [];
    const served: string[] = [];
    for (const route of routes) {
      const folder = byFunctionName.get(String(route.functionName));
      if (!folder) {
        problems.push(`${where}: route ${String(route.path)} names no function of this project`);
        continue;
      }
      const methods = Array.isArray(route.methods) ? route.methods.map(String) : [];
      for (const method of methods) served.push(`${method} ${String(route.path)} ${folder}`);
    }
    const expected = CONTRACT_ROUTES.map((r) => `${r.method} ${r.path} ${r.fn}`);
    if (!sameSet(served, expected))
      problems.push(
        `${where}: routeConfig.routes must send exactly ${CONTRACT_ROUTES.map((r) => `${r.method} ${r.path}`).join(', ')} to the functions that serve them`,
      );
  }
  return problems;
}
