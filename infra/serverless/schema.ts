// The input schemas of the Serverless Components this project deploys, as the components publish them
// (serverless-components/tencent-scf and tencent-apigateway, serverless.component.yml), plus the rules
// Tencent enforces only in the cloud. `components deploy` validates nothing offline, so these are checked
// by our own tests and by `npm run deploy` before anything is sent.

export type Rule =
  | { type: 'string'; allow?: readonly string[]; regex?: RegExp; required?: boolean }
  | { type: 'number'; allow?: readonly number[]; min?: number; max?: number; required?: boolean }
  | { type: 'boolean'; required?: boolean }
  | { type: 'src'; required?: boolean }
  | { type: 'object'; keys?: Readonly<Record<string, Rule>>; values?: Rule; required?: boolean }
  | { type: 'array'; items: Rule; required?: boolean };

const METHODS = ['ANY', 'GET', 'POST', 'PUT', 'DELETE', 'HEAD'] as const;
const ENVIRONMENTS = ['release', 'test', 'prepub'] as const;
const PROTOCOLS = ['http', 'https'] as const;

/**
 * SCF runtimes whose Node.js has the Web globals the bundles use (fetch, Request, Response, Headers,
 * crypto.subtle): Node 18 and later. The readable versions of the scf component schema (0.3.0, 0.5.3)
 * allow Node runtimes only up to Nodejs12.16 (later ones reportedly up to Nodejs16.13) — none can run
 * these bundles — while the SCF API (CreateFunction, scf v20180416) lists Nodejs18.15: the one runtime
 * both the cloud and our code accept. This narrows the component's allow-list instead of copying it.
 */
export const NODE_RUNTIMES_WITH_WEB_GLOBALS = ['Nodejs18.15'] as const;

/** The scf component's inputs (tencent-scf serverless.component.yml 0.5.3), runtime narrowed as above. */
export const SCF_INPUTS: Rule = {
  type: 'object',
  keys: {
    src: { type: 'src', required: true },
    name: { type: 'string', regex: /^[A-Za-z][\w-]{0,58}[A-Za-z0-9]$/ },
    handler: { type: 'string', regex: /^[A-Za-z][\w-]*\.[A-Za-z][\w]*$/ },
    runtime: { type: 'string', allow: NODE_RUNTIMES_WITH_WEB_GLOBALS, required: true },
    region: { type: 'string', regex: /^[a-z]{2}-[a-z]+(-\d+)?$/ },
    description: { type: 'string' },
    memorySize: {
      type: 'number',
      allow: [64, ...Array.from({ length: 24 }, (_, i) => (i + 1) * 128)],
    },
    // SCF: 1–900 s for an event function (quota page 583/11637).
    timeout: { type: 'number', min: 1, max: 900 },
    initTimeout: { type: 'number', min: 1, max: 30 },
    environment: {
      type: 'object',
      keys: { variables: { type: 'object', values: { type: 'string' } } },
    },
    // A function reaches a TencentDB for Redis instance on its private address through the VPC
    // (tencent-scf docs/configure.md, vpcConfig).
    vpcConfig: {
      type: 'object',
      keys: {
        vpcId: { type: 'string', regex: /^vpc-\w+$/, required: true },
        subnetId: { type: 'string', regex: /^subnet-\w+$/, required: true },
      },
    },
    publicAccess: { type: 'boolean' },
    eip: { type: 'boolean' },
    asyncRunEnable: { type: 'boolean' },
    tags: { type: 'object', values: { type: 'string' } },
  },
};

/** The apigateway component's inputs (tencent-apigateway serverless.component.yml 0.4.1). */
export const APIGATEWAY_INPUTS: Rule = {
  type: 'object',
  keys: {
    serviceId: { type: 'string', regex: /^service-(\w){8,}$/ },
    serviceName: { type: 'string', regex: /^[a-zA-Z][a-zA-Z0-9(_)]{0,48}[a-zA-Z0-9]?$/ },
    serviceDesc: { type: 'string' },
    region: { type: 'string', regex: /^[a-z]{2}-[a-z]+(-\d+)?$/ },
    protocols: { type: 'array', items: { type: 'string', allow: PROTOCOLS } },
    netTypes: { type: 'array', items: { type: 'string', allow: ['OUTER', 'INNER'] } },
    environment: { type: 'string', allow: ENVIRONMENTS },
    endpoints: {
      type: 'array',
      required: true,
      items: {
        type: 'object',
        keys: {
          path: { type: 'string', regex: /^\/[\w./{}-]*$/, required: true },
          method: { type: 'string', allow: METHODS, required: true },
          apiName: { type: 'string' },
          apiDesc: { type: 'string' },
          enableCORS: { type: 'boolean' },
          serviceType: { type: 'string', allow: ['SCF', 'WEBSOCKET', 'MOCK', 'HTTP'] },
          authType: { type: 'string', allow: ['NONE', 'SECRET', 'OAUTH', 'APP'] },
          businessType: { type: 'string', allow: ['NORMAL', 'OAUTH'] },
          responseType: { type: 'string', allow: ['HTML', 'JSON', 'TEST', 'BINARY', 'XML'] },
          serviceTimeout: { type: 'number', min: 1, max: 1800 },
          oauthConfig: {
            type: 'object',
            keys: {
              loginRedirectUrl: { type: 'string' },
              publicKey: { type: 'string', required: true },
              tokenLocation: { type: 'string', allow: ['authorization', 'cookie'], required: true },
            },
          },
          authRelationApi: {
            type: 'object',
            keys: {
              path: { type: 'string', required: true },
              method: { type: 'string', allow: METHODS, required: true },
            },
          },
          function: {
            type: 'object',
            keys: {
              isIntegratedResponse: { type: 'boolean' },
              functionQualifier: { type: 'string' },
              functionName: { type: 'string', required: true },
            },
          },
        },
      },
    },
  },
};

/** What each component outputs, for ${output:…} references (the components' docs, "outputs"). */
export const COMPONENT_OUTPUTS: Readonly<Record<string, readonly string[]>> = {
  scf: ['functionName', 'description', 'namespace', 'runtime', 'handler', 'memorySize', 'lastVersion'],
  apigateway: ['protocols', 'subDomain', 'environment', 'region', 'serviceId', 'url', 'apis'],
};

export const COMPONENT_SCHEMAS: Readonly<Record<string, Rule>> = {
  scf: SCF_INPUTS,
  apigateway: APIGATEWAY_INPUTS,
};

/** Every way `value` breaks `rule`, each naming its path. Keys the schema does not know are refused. */
export function validate(rule: Rule, value: unknown, path: string): string[] {
  if (value === undefined || value === null) return rule.required ? [`${path} is required`] : [];
  switch (rule.type) {
    case 'string': {
      if (typeof value !== 'string') return [`${path} must be a string, got ${describe(value)}`];
      if (rule.allow && !rule.allow.includes(value))
        return [`${path} must be one of ${rule.allow.join(', ')}, got ${JSON.stringify(value)}`];
      if (rule.regex && !rule.regex.test(value))
        return [`${path} must match ${rule.regex.source}, got ${JSON.stringify(value)}`];
      return [];
    }
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value))
        return [`${path} must be a number, got ${describe(value)}`];
      if (rule.allow && !rule.allow.includes(value))
        return [`${path} must be one of ${rule.allow.join(', ')}, got ${value}`];
      if (rule.min !== undefined && value < rule.min) return [`${path} must be at least ${rule.min}`];
      if (rule.max !== undefined && value > rule.max) return [`${path} must be at most ${rule.max}`];
      return [];
    }
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${path} must be true or false, got ${describe(value)}`];
    case 'src':
      if (typeof value === 'string') return [];
      if (typeof value === 'object' && !Array.isArray(value)) return [];
      return [`${path} must be a folder or an object with src`];
    case 'array': {
      if (!Array.isArray(value)) return [`${path} must be a list, got ${describe(value)}`];
      return value.flatMap((item, i) => validate(rule.items, item, `${path}[${i}]`));
    }
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value))
        return [`${path} must be a mapping, got ${describe(value)}`];
      const entries = Object.entries(value as Record<string, unknown>);
      const problems: string[] = [];
      if (rule.keys) {
        for (const [key, sub] of Object.entries(rule.keys)) {
          problems.push(...validate(sub, (value as Record<string, unknown>)[key], `${path}.${key}`));
        }
        for (const [key] of entries) {
          if (!(key in rule.keys)) problems.push(`${path}.${key} is not an input the component knows`);
        }
      } else if (rule.values) {
        for (const [key, v] of entries) problems.push(...validate(rule.values, v, `${path}.${key}`));
      }
      return problems;
    }
  }
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40));
  return typeof value === 'object' ? 'a mapping' : String(value);
}
