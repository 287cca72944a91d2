// Signing-key rotation in the cloud, in an order where no valid access token is refused at any step.
//
// The business function verifies tokens itself and holds a key list; the JWKS lists the signing key and
// the keys still in their window; but API Gateway holds ONE public key for its business APIs. While
// old-key and new-key tokens are both valid (from the switch until the last old token expires) no single
// gateway key accepts both. So the gateway's pre-check is lifted for exactly that window and the function,
// which verifies every token anyway (design.md: nothing depends on the gateway alone), stays the check:
//
//   1. publish   business OAUTH_PUBLIC_KEYS = old + new; token OAUTH_RETIRED_PUBLIC_KEYS = new, so the
//                JWKS lists the new key before any token is signed with it. Nothing signs with it yet.
//   2. wait      the JWKS cache lifetime (max-age 300 s), so verifiers that cache the JWKS have it.
//   3. open      each business API tied to the authorization API: AuthType NONE, released. The gateway
//                stops pre-checking; the business function checks, with old and new keys.
//   4. switch    token OAUTH_PRIVATE_KEY = new, OAUTH_RETIRED_PUBLIC_KEYS = old (still in the JWKS).
//   5. wait      access-token TTL + clock tolerance: every token signed with the old key has expired.
//   6. close     authorization API OauthConfig.PublicKey = new; business APIs back to OAUTH tied to it;
//                one release. Only new-key tokens are valid now, and the gateway holds the new key.
//
// The window of step 3–6 is bounded by TTL + tolerance (330 s by default) plus the API calls. Without a
// gateway (the function-url profile) steps 3, 5 and 6 do not exist.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  gatewayPublicKey,
  importPublicKeys,
  importSigningKey,
  type PublicJwk,
} from '../../shared/jwt/keys.ts';
import { type GeneratedKeys, generateSigningKeys } from '../keys/generate.ts';
import { environmentBytes, SCF_ENV_LIMIT_BYTES } from '../serverless/check.ts';
import { readYaml, resolveDeep } from '../serverless/project.ts';
import {
  type ApiGatewayClient,
  CloudConfigError,
  CloudError,
  call,
  type ScfClient,
} from '../tencent/client.ts';
import { NAMESPACE } from './function-url.ts';

export type RotationStep = 'publish' | 'jwks-wait' | 'open' | 'switch' | 'ttl-wait' | 'close';

export interface RotateOptions {
  root: string;
  env: Readonly<Record<string, string | undefined>>;
  scf: ScfClient;
  /** Absent for the function-url profile: no gateway step. */
  apigateway?: ApiGatewayClient;
  /** The new key (tests); a fresh RSA-2048 key otherwise. */
  newKey?: GeneratedKeys;
  /** Seconds to let JWKS caches expire before the switch (the JWKS is served with max-age=300). */
  jwksWaitSeconds?: number;
  sleep?: (ms: number) => Promise<void>;
  log?: (line: string) => void;
  /**
   * Called as soon as the token function signs with the new key, with the variables .env must hold from
   * then on: a deploy after an interrupted rotation must not bring the old key back.
   */
  onSwitched?: (envUpdates: Record<string, string>) => void;
  /** Called after each step, with the step done (tests inspect the cloud there). */
  afterStep?: (step: RotationStep) => Promise<void> | void;
  pollMs?: number;
}

export interface RotateResult {
  oldKid: string;
  newKid: string;
  /** The variables to keep in .env so that the next deploy keeps the new state. */
  envUpdates: Record<string, string>;
  gateway?: { serviceId: string; releases: number };
}

interface DeployedFunction {
  name: string;
  variables: Map<string, string>;
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function functionName(root: string, folder: string): string {
  const doc = readYaml(join(root, 'functions', folder, 'serverless.yml'));
  const inputs = (doc.inputs ?? {}) as { name?: unknown };
  return String(inputs.name ?? doc.name);
}

async function readFunction(scf: ScfClient, name: string): Promise<DeployedFunction> {
  const fn = await call('GetFunction', () => scf.GetFunction({ FunctionName: name, Namespace: NAMESPACE }));
  return {
    name,
    variables: new Map((fn.Environment?.Variables ?? []).map((v) => [v.Key ?? '', v.Value ?? ''])),
  };
}

async function waitActive(scf: ScfClient, name: string, options: RotateOptions): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const fn = await call('GetFunction', () => scf.GetFunction({ FunctionName: name, Namespace: NAMESPACE }));
    if (fn.Status === 'Active') return;
    if (fn.Status?.endsWith('Failed'))
      throw new CloudError('GetFunction', fn.Status, `function ${name} is ${fn.Status}`, fn.RequestId ?? '');
    await (options.sleep ?? wait)(options.pollMs ?? 1000);
  }
  throw new CloudError('GetFunction', 'Timeout', `function ${name} did not become Active`, '');
}

/** Replaces some variables of a deployed function, keeping the others (SCF replaces the whole list). */
async function setVariables(
  scf: ScfClient,
  fn: DeployedFunction,
  changes: Record<string, string | undefined>,
  options: RotateOptions,
): Promise<void> {
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined || v === '') fn.variables.delete(k);
    else fn.variables.set(k, v);
  }
  const vars = Object.fromEntries(fn.variables);
  const bytes = environmentBytes(vars);
  if (bytes > SCF_ENV_LIMIT_BYTES) {
    throw new CloudConfigError(
      `${fn.name}: the environment would be ${bytes} bytes, over SCF's ${SCF_ENV_LIMIT_BYTES}`,
    );
  }
  await call('UpdateFunctionConfiguration', () =>
    scf.UpdateFunctionConfiguration({
      FunctionName: fn.name,
      Namespace: NAMESPACE,
      Environment: { Variables: [...fn.variables].map(([Key, Value]) => ({ Key, Value })) },
    }),
  );
  await waitActive(scf, fn.name, options);
}

/** A public key as the compact JWK the variables hold ({kty, n, e}: kid and alg are recomputed). */
function compactJwk(jwk: Readonly<PublicJwk>): string {
  return JSON.stringify({ kty: jwk.kty, n: jwk.n, e: jwk.e });
}

interface GatewayApis {
  serviceId: string;
  environment: string;
  authorization: Record<string, unknown>;
  business: Record<string, unknown>[];
}

async function findGateway(
  root: string,
  apigateway: ApiGatewayClient,
  env: RotateOptions['env'],
): Promise<GatewayApis> {
  const file = join(root, 'serverless.yml');
  const doc = readYaml(file);
  // serviceId comes from .env (${env:TENCENTCLOUD_APIGW_SERVICE_ID}); the rest is literal.
  const { serviceName, serviceId: id, environment } = (doc.inputs ?? {}) as Record<string, unknown>;
  const inputs = resolveDeep(
    { serviceName, serviceId: id, environment },
    { app: String(doc.app), stage: String(doc.stage) },
    { env, lenient: true },
    file,
  ) as { serviceName?: string; serviceId?: string; environment?: string };
  let serviceId = inputs.serviceId;
  if (!serviceId) {
    const found = await call('DescribeServicesStatus', () =>
      apigateway.DescribeServicesStatus({
        Filters: [{ Name: 'ServiceName', Values: [String(inputs.serviceName)] }],
        Limit: 10,
      }),
    );
    const set = (found.Result?.ServiceSet ?? []).filter((s) => s.ServiceName === inputs.serviceName);
    if (set.length !== 1) {
      throw new CloudConfigError(
        `found ${set.length} API Gateway services named ${inputs.serviceName}; set TENCENTCLOUD_APIGW_SERVICE_ID in .env (or rotate with --profile function-url)`,
      );
    }
    serviceId = set[0]!.ServiceId!;
  }
  const apis = await call('DescribeApisStatus', () =>
    apigateway.DescribeApisStatus({ ServiceId: serviceId, Limit: 100 }),
  );
  const list = apis.Result?.ApiIdStatusSet ?? [];
  const auth = list.filter((a) => a.ApiBusinessType === 'OAUTH' && a.AuthType === 'OAUTH');
  if (auth.length !== 1)
    throw new CloudConfigError(
      `service ${serviceId} has ${auth.length} OAuth 2.0 authorization APIs, expected 1`,
    );
  const describe = async (apiId: string) =>
    (await call('DescribeApi', () => apigateway.DescribeApi({ ServiceId: serviceId, ApiId: apiId })))
      .Result as Record<string, unknown>;
  const authorization = await describe(auth[0]!.ApiId);
  const business = [];
  for (const a of list.filter(
    (x) => x.AuthRelationApiId === auth[0]!.ApiId && x.ApiBusinessType === 'NORMAL',
  )) {
    business.push(await describe(a.ApiId));
  }
  return { serviceId, environment: inputs.environment ?? 'release', authorization, business };
}

/** ModifyApi takes the whole API definition: the current one, with `changes`. */
function modifyRequest(api: Record<string, unknown>, serviceId: string, changes: Record<string, unknown>) {
  const keep = [
    'ApiName',
    'ApiDesc',
    'ApiType',
    'AuthType',
    'ApiBusinessType',
    'AuthRelationApiId',
    'OauthConfig',
    'Protocol',
    'ServiceTimeout',
    'ServiceScfFunctionName',
    'ServiceScfFunctionNamespace',
    'ServiceScfFunctionQualifier',
    'ServiceScfIsIntegratedResponse',
    'ResponseType',
  ];
  const base: Record<string, unknown> = {
    ServiceId: serviceId,
    ApiId: api.ApiId,
    ServiceType: api.ServiceType,
  };
  for (const k of keep) if (api[k] !== undefined && api[k] !== null) base[k] = api[k];
  const rc = api.RequestConfig as { Path?: string; Method?: string } | undefined;
  base.RequestConfig = { Path: rc?.Path ?? api.Path, Method: rc?.Method ?? api.Method };
  return { ...base, ...changes } as never;
}

/** Changes one API of the service; the change is live once the service is released. */
async function modifyApi(
  apigateway: ApiGatewayClient,
  gw: GatewayApis,
  api: Record<string, unknown>,
  changes: Record<string, unknown>,
): Promise<void> {
  await call('ModifyApi', () => apigateway.ModifyApi(modifyRequest(api, gw.serviceId, changes)));
}

/** The same change to every business API (/work). */
async function modifyBusinessApis(
  apigateway: ApiGatewayClient,
  gw: GatewayApis,
  changes: Record<string, unknown>,
): Promise<void> {
  for (const api of gw.business) await modifyApi(apigateway, gw, api, changes);
}

async function release(apigateway: ApiGatewayClient, gw: GatewayApis, desc: string) {
  await call('ReleaseService', () =>
    apigateway.ReleaseService({
      ServiceId: gw.serviceId,
      EnvironmentName: gw.environment,
      ReleaseDesc: desc,
    }),
  );
}

export async function rotateKeys(options: RotateOptions): Promise<RotateResult> {
  const log = options.log ?? (() => {});
  const sleep = options.sleep ?? wait;
  const after = options.afterStep ?? (() => {});
  const { scf, apigateway } = options;
  const token = await readFunction(scf, functionName(options.root, 'token'));
  const business = await readFunction(scf, functionName(options.root, 'business'));

  const currentPrivate = token.variables.get('OAUTH_PRIVATE_KEY');
  if (!currentPrivate) throw new CloudConfigError(`${token.name} has no OAUTH_PRIVATE_KEY: deploy it first`);
  const oldKey = await importSigningKey(currentPrivate);
  const newKeys = options.newKey ?? (await generateSigningKeys());
  const newKey = await importSigningKey(newKeys.privatePem);
  if (newKey.kid === oldKey.kid) throw new CloudConfigError('the new key is the key in use');
  const businessKeys = await importPublicKeys(
    business.variables.get('OAUTH_PUBLIC_KEYS') ?? compactJwk(oldKey.publicJwk),
  );
  const ttl = Number(token.variables.get('OAUTH_ACCESS_TOKEN_TTL') || 300);
  const tolerance = Number(token.variables.get('OAUTH_CLOCK_TOLERANCE') || 30);
  // Find the gateway before changing anything, so that a missing service fails the rotation up front.
  const gw = apigateway ? await findGateway(options.root, apigateway, options.env) : undefined;
  log(`rotating ${oldKey.kid} → ${newKey.kid}${gw ? ` (API Gateway ${gw.serviceId})` : ' (no API Gateway)'}`);

  // 1. publish
  const published = JSON.stringify({
    keys: [
      ...businessKeys.filter((k) => k.kid !== newKey.kid).map((k) => JSON.parse(compactJwk(k.publicJwk))),
      JSON.parse(compactJwk(newKey.publicJwk)),
    ],
  });
  await setVariables(scf, business, { OAUTH_PUBLIC_KEYS: published }, options);
  await setVariables(scf, token, { OAUTH_RETIRED_PUBLIC_KEYS: compactJwk(newKey.publicJwk) }, options);
  log('1/6 published the new public key to the business function and the JWKS');
  await after('publish');

  // 2. wait for JWKS caches
  const jwksWait = options.jwksWaitSeconds ?? 300;
  log(`2/6 waiting ${jwksWait} s for JWKS caches (max-age 300)`);
  await sleep(jwksWait * 1000);
  await after('jwks-wait');

  // 3. open the business APIs
  if (gw && apigateway) {
    await modifyBusinessApis(apigateway, gw, {
      AuthType: 'NONE',
      ApiBusinessType: 'NORMAL',
      AuthRelationApiId: undefined,
    });
    await release(apigateway, gw, `key rotation ${newKey.kid}: the business function verifies tokens`);
    log(
      `3/6 the gateway passes ${gw.business.map((a) => a.ApiName ?? a.ApiId).join(', ')} to the function, which verifies tokens`,
    );
  }
  await after('open');

  // 4. switch the signing key
  const newPrivate = JSON.stringify(newKey.privateKey.export({ format: 'jwk' }));
  await setVariables(
    scf,
    token,
    { OAUTH_PRIVATE_KEY: newPrivate, OAUTH_RETIRED_PUBLIC_KEYS: compactJwk(oldKey.publicJwk) },
    options,
  );
  log('4/6 the token function signs with the new key; the old key stays in the JWKS');
  const envUpdates = {
    OAUTH_PRIVATE_KEY: Buffer.from(newKeys.privatePem).toString('base64'),
    OAUTH_PUBLIC_KEYS: published,
    OAUTH_GATEWAY_PUBLIC_KEY: gatewayPublicKey(newKey.publicJwk),
  };
  options.onSwitched?.(envUpdates);
  await after('switch');

  // 5 and 6: only the gateway needs the old tokens gone.
  let releases = 0;
  if (gw && apigateway) {
    releases = 1;
    log(`5/6 waiting ${ttl + tolerance} s (access-token TTL + clock tolerance) for old tokens to expire`);
    await sleep((ttl + tolerance) * 1000);
    await after('ttl-wait');
    const oauth = (gw.authorization.OauthConfig ?? {}) as Record<string, unknown>;
    await modifyApi(apigateway, gw, gw.authorization, {
      OauthConfig: { ...oauth, PublicKey: gatewayPublicKey(newKey.publicJwk) },
    });
    await modifyBusinessApis(apigateway, gw, {
      AuthType: 'OAUTH',
      ApiBusinessType: 'NORMAL',
      AuthRelationApiId: gw.authorization.ApiId,
    });
    await release(apigateway, gw, `key rotation ${newKey.kid}: the gateway verifies with the new key`);
    releases = 2;
    log('6/6 the gateway verifies with the new public key again');
    await after('close');
  }

  return {
    oldKid: oldKey.kid,
    newKid: newKey.kid,
    envUpdates,
    ...(gw ? { gateway: { serviceId: gw.serviceId, releases } } : {}),
  };
}

/** Writes `updates` into the .env file (replacing lines or appending), readable by the owner only. */
export function updateEnvFile(file: string, updates: Record<string, string>): void {
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n') : [];
  const pending = new Map(Object.entries(updates));
  const out = lines.map((line) => {
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line);
    const name = m?.[1];
    if (!name || !pending.has(name)) return line;
    const value = pending.get(name)!;
    pending.delete(name);
    return `${name}='${value}'`;
  });
  if (out.length > 0 && out[out.length - 1] === '') out.pop();
  for (const [name, value] of pending) out.push(`${name}='${value}'`);
  writeFileSync(file, `${out.join('\n')}\n`, { mode: 0o600 });
}
