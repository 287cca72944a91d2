// A local stand-in for the Tencent Cloud API (scf 2018-04-16, apigateway 2018-08-08) for the deploy tests.
// It verifies each request's TC3-HMAC-SHA256 signature against the test credentials, checks each action's
// required fields and values, keeps state (functions, triggers, domains, APIs, releases) and answers in
// the real response and error shapes: {"Response": {…, "RequestId"}} / {"Response": {"Error": {Code, Message}}}.
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inflateRawSync } from 'node:zlib';
import { documentedCodes, type TencentErrorCode } from './tencent-error-codes.ts';

export const TEST_CREDENTIALS = {
  secretId: `AKIDtest${randomBytes(8).toString('hex')}`,
  secretKey: randomBytes(24).toString('base64url'),
  region: 'ap-guangzhou',
  /** The account's APPID: it prefixes function URLs and names the custom-domain CNAME target. */
  appId: '1250000000',
};

/** Where SCF wants a custom domain's CNAME to point: `<appid>.<region>.tencentscf.com`. */
export const SCF_CNAME_TARGET = `${TEST_CREDENTIALS.appId}.${TEST_CREDENTIALS.region}.tencentscf.com`;

export interface CloudCall {
  service: string;
  action: string;
  params: Record<string, unknown>;
}

class ApiError extends Error {
  constructor(
    readonly code: TencentErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface FakeFunction {
  FunctionName: string;
  Namespace: string;
  Runtime: string;
  Handler: string;
  MemorySize: number;
  Timeout: number;
  Environment: { Variables: { Key: string; Value: string }[] };
  Status: string;
  /** Files of the deployed zip. */
  files: Map<string, Buffer>;
  CodeSize: number;
  updates: number;
}

export interface FakeTrigger {
  FunctionName: string;
  Namespace: string;
  TriggerName: string;
  Type: string;
  Qualifier: string;
  TriggerDesc: string;
  /** Looks (ListTriggers) before SCF shows the function URL in TriggerDesc.NetConfig.ExtranetUrl. */
  urlPending: number;
}

export interface FakeApi {
  ApiId: string;
  ApiName: string;
  Path: string;
  Method: string;
  ServiceType: string;
  AuthType: string;
  ApiBusinessType: string;
  AuthRelationApiId?: string;
  OauthConfig?: { PublicKey: string; TokenLocation: string; LoginRedirectUrl?: string };
  ServiceScfFunctionName?: string;
  ServiceScfIsIntegratedResponse?: boolean;
}

export interface FakeService {
  ServiceId: string;
  ServiceName: string;
  OuterSubDomain: string;
  apis: Map<string, FakeApi>;
  /** What each environment serves: a copy of the APIs at the last ReleaseService. */
  released: Map<string, Map<string, FakeApi>>;
  releases: { EnvironmentName: string; ReleaseDesc: string; ReleaseVersion: string }[];
}

const VERSIONS: Record<string, string> = { scf: '2018-04-16', apigateway: '2018-08-08' };
const RUNTIMES = [
  'Nodejs10.15',
  'Nodejs12.16',
  'Nodejs14.18',
  'Nodejs16.13',
  'Nodejs18.15',
  'Python3.9',
  'Go1',
];
const MEMORY = [64, ...Array.from({ length: 24 }, (_, i) => (i + 1) * 128)];

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** Reads a ZIP archive's files (stored or deflated), or throws. */
export function readZip(zip: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error('no end of central directory');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('bad central directory entry');
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(dataAt, dataAt + compressedSize);
    files.set(name, method === 8 ? inflateRawSync(raw) : Buffer.from(raw));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return files;
}

function required(params: Record<string, unknown>, ...names: string[]): void {
  for (const name of names) {
    const v = params[name];
    if (v === undefined || v === null || v === '') {
      throw new ApiError('MissingParameter', `The request is missing a required parameter \`${name}\`.`);
    }
  }
}

export class FakeTencentCloud {
  readonly calls: CloudCall[] = [];
  readonly functions = new Map<string, FakeFunction>();
  readonly triggers: FakeTrigger[] = [];
  readonly domains = new Map<string, Record<string, unknown>>();
  readonly services = new Map<string, FakeService>();
  /** Requests refused before reaching an action (bad signature, unknown key…), by error code. */
  readonly refused: string[] = [];
  /** Custom domains whose DNS CNAME points at SCF (CreateCustomDomain checks it): domain → target. */
  readonly cnames = new Map<string, string>();
  /**
   * How many ListTriggers looks a new http trigger needs before its ExtranetUrl shows; while pending, the
   * CreateTrigger reply carries no URL either (the API documents no moment at which the URL exists).
   */
  functionUrlDelay = 0;
  private readonly failures: { action: string; code: TencentErrorCode; message: string; skip: number }[] = [];
  private server: Server | undefined;
  port = 0;

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', () => ok()));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get endpoint() {
    return { host: '127.0.0.1', port: this.port };
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((ok) => (this.server ? this.server.close(() => ok()) : ok()));
  }

  /** The next call of `action` (after `skip` successful ones) answers this error instead. */
  failNext(action: string, code: TencentErrorCode, message: string, skip = 0): void {
    const service = action in this.scf ? 'scf' : 'apigateway';
    if (!documentedCodes(service).includes(code)) throw new Error(`${service} documents no error ${code}`);
    this.failures.push({ action, code, message, skip });
  }

  /** Action names in call order, e.g. "scf.CreateFunction". */
  sequence(): string[] {
    return this.calls.map((c) => `${c.service}.${c.action}`);
  }

  env(functionName: string): Record<string, string> {
    const fn = this.functions.get(`default/${functionName}`);
    return Object.fromEntries((fn?.Environment.Variables ?? []).map((v) => [v.Key, v.Value]));
  }

  /** A service as the apigateway component leaves it: /token authorization API, /work business API. */
  addOAuthService(options: {
    serviceName: string;
    publicKey: string;
    tokenFunction: string;
    businessFunction: string;
    /** The id, when a test names it (TENCENTCLOUD_APIGW_SERVICE_ID); random otherwise. */
    serviceId?: string;
  }) {
    const ServiceId = options.serviceId ?? `service-${randomBytes(4).toString('hex')}`;
    const tokenApi: FakeApi = {
      ApiId: `api-${randomBytes(4).toString('hex')}`,
      ApiName: 'token',
      Path: '/token',
      Method: 'POST',
      ServiceType: 'SCF',
      AuthType: 'OAUTH',
      ApiBusinessType: 'OAUTH',
      OauthConfig: { PublicKey: options.publicKey, TokenLocation: 'method.req.header.authorization' },
      ServiceScfFunctionName: options.tokenFunction,
      ServiceScfIsIntegratedResponse: true,
    };
    const workApi: FakeApi = {
      ApiId: `api-${randomBytes(4).toString('hex')}`,
      ApiName: 'work',
      Path: '/work',
      Method: 'GET',
      ServiceType: 'SCF',
      AuthType: 'OAUTH',
      ApiBusinessType: 'NORMAL',
      AuthRelationApiId: tokenApi.ApiId,
      ServiceScfFunctionName: options.businessFunction,
      ServiceScfIsIntegratedResponse: true,
    };
    const apis = new Map([
      [tokenApi.ApiId, tokenApi],
      [workApi.ApiId, workApi],
    ]);
    const service: FakeService = {
      ServiceId,
      ServiceName: options.serviceName,
      OuterSubDomain: `${ServiceId}-1250000000.gz.apigw.tencentcs.com`,
      apis,
      released: new Map([['release', structuredClone(apis)]]),
      releases: [],
    };
    this.services.set(ServiceId, service);
    return service;
  }

  /** The public key the `release` environment verifies business API tokens with. */
  releasedPublicKey(serviceId: string): string | undefined {
    const released = this.services.get(serviceId)?.released.get('release');
    return [...(released?.values() ?? [])].find((a) => a.ApiBusinessType === 'OAUTH')?.OauthConfig?.PublicKey;
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const requestId = randomUUID();
    const reply = (response: Record<string, unknown>) => {
      const text = JSON.stringify({ Response: { ...response, RequestId: requestId } });
      res.writeHead(200, { 'content-type': 'application/json', 'x-tc-traceid': randomUUID() });
      res.end(text);
    };
    try {
      const { service, action, params } = this.authenticate(req, body);
      this.calls.push({ service, action, params });
      const failure = this.failures.findIndex((f) => f.action === action);
      if (failure >= 0 && this.failures[failure]!.skip-- === 0) {
        const [f] = this.failures.splice(failure, 1);
        throw new ApiError(f!.code, f!.message);
      }
      reply(this.dispatch(service, action, params));
    } catch (error) {
      if (error instanceof ApiError) reply({ Error: { Code: error.code, Message: error.message } });
      else reply({ Error: { Code: 'InternalError', Message: String(error) } });
    }
  }

  /** TC3-HMAC-SHA256 (Tencent Cloud API 3.0 "Signature v3"), verified from the raw request. */
  private authenticate(req: IncomingMessage, body: Buffer) {
    const refuse = (code: TencentErrorCode, message: string): never => {
      this.refused.push(code);
      throw new ApiError(code, message);
    };
    if (req.method !== 'POST' || req.url !== '/') refuse('InvalidParameter', 'only POST / is served');
    const host = req.headers.host ?? '';
    const hostname = host.replace(/:\d+$/, '');
    const service = hostname.split('.')[0] ?? '';
    if (!VERSIONS[service] || !hostname.endsWith('.tencentcloudapi.com'))
      refuse('InvalidParameter', `unknown host ${host}`);
    const action = String(req.headers['x-tc-action'] ?? '');
    const version = String(req.headers['x-tc-version'] ?? '');
    const timestamp = Number(req.headers['x-tc-timestamp']);
    const region = String(req.headers['x-tc-region'] ?? '');
    const contentType = String(req.headers['content-type'] ?? '');
    if (!action) refuse('MissingParameter', 'X-TC-Action is missing');
    if (version !== VERSIONS[service])
      refuse('NoSuchVersion', `The requested version \`${version}\` of API \`${action}\` does not exist.`);
    if (region !== TEST_CREDENTIALS.region)
      refuse('InvalidParameterValue', `The value of region \`${region}\` is invalid.`);
    if (contentType !== 'application/json')
      refuse('InvalidParameter', `content-type ${contentType} is not application/json`);
    if (!Number.isInteger(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > 300) {
      refuse('AuthFailure.SignatureExpire', 'The request timestamp is out of the allowed 5 minutes.');
    }
    const m =
      /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/([a-z]+)\/tc3_request, SignedHeaders=([a-z;-]+), Signature=([0-9a-f]{64})$/.exec(
        String(req.headers.authorization ?? ''),
      );
    if (!m)
      return refuse('AuthFailure.InvalidAuthorization', 'The Authorization header is not TC3-HMAC-SHA256.');
    const [, secretId, date, scopeService, signedHeaders, signature] = m;
    if (secretId !== TEST_CREDENTIALS.secretId)
      refuse('AuthFailure.SecretIdNotFound', 'The SecretId is not found.');
    if (scopeService !== service)
      refuse('AuthFailure.SignatureFailure', `credential scope names ${scopeService}, host ${service}`);
    if (date !== new Date(timestamp * 1000).toISOString().slice(0, 10)) {
      refuse('AuthFailure.SignatureFailure', 'credential date is not the date of X-TC-Timestamp');
    }
    const headerLines = signedHeaders!.split(';').map((name) => {
      const value = name === 'host' ? hostname : String(req.headers[name] ?? '');
      return `${name}:${value.trim()}\n`;
    });
    if (!signedHeaders!.split(';').includes('host') || !signedHeaders!.split(';').includes('content-type')) {
      refuse('AuthFailure.SignatureFailure', 'content-type and host must be signed');
    }
    const canonical = ['POST', '/', '', headerLines.join(''), signedHeaders, sha256(body)].join('\n');
    const toSign = [
      'TC3-HMAC-SHA256',
      String(timestamp),
      `${date}/${service}/tc3_request`,
      sha256(canonical),
    ].join('\n');
    const kDate = hmac(`TC3${TEST_CREDENTIALS.secretKey}`, date!);
    const kSigning = hmac(hmac(kDate, service), 'tc3_request');
    const expected = createHmac('sha256', kSigning).update(toSign).digest('hex');
    if (expected !== signature)
      refuse('AuthFailure.SignatureFailure', 'The provided credentials could not be validated.');
    let params: Record<string, unknown>;
    try {
      params = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      return refuse('InvalidParameter', 'the body is not JSON');
    }
    return { service, action, params };
  }

  private dispatch(service: string, action: string, p: Record<string, unknown>): Record<string, unknown> {
    const handler = (service === 'scf' ? this.scf : this.apigw)[action];
    if (!handler) throw new ApiError('InvalidAction', `The action \`${action}\` is not found.`);
    return handler.call(this, p);
  }

  /** The function, which SCF changes only while it is Active (an update in progress refuses another). */
  private activeFn(
    p: Record<string, unknown>,
    action: 'UpdateFunctionCode' | 'UpdateFunctionConfiguration',
  ): FakeFunction {
    const fn = this.fn(p);
    if (fn.Status !== 'Active') {
      throw new ApiError(
        `FailedOperation.${action}`,
        `Function ${fn.FunctionName} is ${fn.Status}; retry when Active.`,
      );
    }
    return fn;
  }

  private fn(p: Record<string, unknown>): FakeFunction {
    const fn = this.functions.get(`${p.Namespace ?? 'default'}/${String(p.FunctionName)}`);
    if (!fn) throw new ApiError('ResourceNotFound.Function', `Function not found: ${String(p.FunctionName)}`);
    return fn;
  }

  private checkConfig(p: Record<string, unknown>): void {
    if (p.Runtime !== undefined && !RUNTIMES.includes(String(p.Runtime))) {
      throw new ApiError('InvalidParameterValue.Runtime', `Runtime ${String(p.Runtime)} is not supported.`);
    }
    if (p.MemorySize !== undefined && !MEMORY.includes(Number(p.MemorySize))) {
      throw new ApiError(
        'InvalidParameterValue.MemorySize',
        `MemorySize ${String(p.MemorySize)} is invalid.`,
      );
    }
    if (p.Timeout !== undefined && !(Number(p.Timeout) >= 1 && Number(p.Timeout) <= 900)) {
      throw new ApiError('LimitExceeded.Timeout', 'Timeout must be 1-900.');
    }
    const vars = (p.Environment as { Variables?: { Key?: string; Value?: string }[] } | undefined)?.Variables;
    if (vars) {
      let size = 0;
      for (const v of vars) {
        if (
          !/^[a-zA-Z][a-zA-Z0-9_]*$/.test(v.Key ?? '') ||
          /^(SCF_|QCLOUD_|TENCENTCLOUD_)/i.test(v.Key ?? '')
        ) {
          throw new ApiError(
            'InvalidParameterValue.Environment',
            `Environment variable name ${v.Key} is invalid.`,
          );
        }
        if (typeof v.Value !== 'string')
          throw new ApiError('InvalidParameterValue.Environment', `${v.Key} has no value.`);
        size += Buffer.byteLength(v.Key ?? '') + Buffer.byteLength(v.Value);
      }
      if (size > 4096)
        throw new ApiError(
          'InvalidParameterValue.EnvironmentExceededLimit',
          `Environment is ${size} bytes, over 4 KB.`,
        );
    }
  }

  private unzip(zipFile: unknown, handler: string): Map<string, Buffer> {
    if (typeof zipFile !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(zipFile)) {
      throw new ApiError('InvalidParameterValue.ZipFile', 'ZipFile must be base64.');
    }
    let files: Map<string, Buffer>;
    try {
      files = readZip(Buffer.from(zipFile, 'base64'));
    } catch (error) {
      throw new ApiError(
        'InvalidParameterValue.ZipFile',
        `ZipFile is not a zip archive: ${(error as Error).message}`,
      );
    }
    const [file, method] = handler.split('.');
    const code = files.get(`${file}.js`);
    if (!code || !method || !code.includes(method)) {
      throw new ApiError('InvalidParameterValue.Handler', `The handler ${handler} is not found in the code.`);
    }
    return files;
  }

  private readonly scf: Record<
    string,
    (this: FakeTencentCloud, p: Record<string, unknown>) => Record<string, unknown>
  > = {
    GetFunction(p) {
      required(p, 'FunctionName');
      const fn = this.fn(p);
      const view = { ...fn, files: undefined, updates: undefined };
      // SCF finishes a create or update shortly after: the next look sees the function Active.
      if (fn.Status === 'Creating' || fn.Status === 'Updating') fn.Status = 'Active';
      return view;
    },
    CreateFunction(p) {
      required(p, 'FunctionName', 'Code');
      const name = String(p.FunctionName);
      if (!/^[A-Za-z][\w-]{0,58}[A-Za-z0-9]$/.test(name)) {
        throw new ApiError('InvalidParameterValue.FunctionName', `FunctionName ${name} is invalid.`);
      }
      const key = `${p.Namespace ?? 'default'}/${name}`;
      if (this.functions.has(key))
        throw new ApiError('ResourceInUse.Function', `Function ${name} already exists.`);
      this.checkConfig(p);
      const handler = String(p.Handler ?? 'index.main_handler');
      const files = this.unzip((p.Code as { ZipFile?: unknown }).ZipFile, handler);
      this.functions.set(key, {
        FunctionName: name,
        Namespace: String(p.Namespace ?? 'default'),
        Runtime: String(p.Runtime ?? 'Python2.7'),
        Handler: handler,
        MemorySize: Number(p.MemorySize ?? 128),
        Timeout: Number(p.Timeout ?? 3),
        Environment: (p.Environment as FakeFunction['Environment']) ?? { Variables: [] },
        Status: 'Creating',
        files,
        CodeSize: [...files.values()].reduce((n, b) => n + b.length, 0),
        updates: 0,
      });
      return {};
    },
    UpdateFunctionCode(p) {
      required(p, 'FunctionName');
      const fn = this.activeFn(p, 'UpdateFunctionCode');
      const handler = String(p.Handler ?? fn.Handler);
      fn.files = this.unzip(p.ZipFile, handler);
      fn.Handler = handler;
      fn.Status = 'Updating';
      fn.updates++;
      return {};
    },
    UpdateFunctionConfiguration(p) {
      required(p, 'FunctionName');
      const fn = this.activeFn(p, 'UpdateFunctionConfiguration');
      this.checkConfig(p);
      // scf_models.d.ts, UpdateFunctionConfigurationRequest.Runtime: set at creation, not modifiable.
      if (p.Runtime !== undefined && p.Runtime !== fn.Runtime) {
        throw new ApiError(
          'InvalidParameterValue.Runtime',
          `The runtime of ${fn.FunctionName} is ${fn.Runtime} and cannot be changed.`,
        );
      }
      if (p.MemorySize !== undefined) fn.MemorySize = Number(p.MemorySize);
      if (p.Timeout !== undefined) fn.Timeout = Number(p.Timeout);
      if (p.Environment !== undefined) fn.Environment = p.Environment as FakeFunction['Environment'];
      fn.Status = 'Updating';
      fn.updates++;
      return {};
    },
    ListTriggers(p) {
      required(p, 'FunctionName');
      this.fn(p);
      const list = this.triggers.filter(
        (t) => t.FunctionName === p.FunctionName && t.Namespace === (p.Namespace ?? 'default'),
      );
      for (const t of list) t.urlPending = Math.max(0, t.urlPending - 1);
      return {
        TotalCount: list.length,
        Triggers: list.map((t) => this.triggerView(t)),
      };
    },
    CreateTrigger(p) {
      required(p, 'FunctionName', 'TriggerName', 'Type');
      const fn = this.fn(p);
      const qualifier = String(p.Qualifier ?? '$DEFAULT');
      if (p.Type !== 'http')
        throw new ApiError(
          'InvalidParameterValue.Type',
          `Only http triggers are served here, got ${String(p.Type)}.`,
        );
      let desc: { AuthType?: string; NetConfig?: { EnableIntranet?: boolean; EnableExtranet?: boolean } };
      try {
        desc = JSON.parse(String(p.TriggerDesc ?? ''));
      } catch {
        throw new ApiError('InvalidParameterValue.TriggerDesc', 'TriggerDesc is not JSON.');
      }
      if (
        !['NONE', 'CAM'].includes(String(desc.AuthType)) ||
        typeof desc.NetConfig?.EnableExtranet !== 'boolean'
      ) {
        throw new ApiError(
          'InvalidParameterValue.TriggerDesc',
          'TriggerDesc needs AuthType NONE|CAM and NetConfig.',
        );
      }
      if (
        this.triggers.some(
          (t) => t.FunctionName === fn.FunctionName && t.Type === 'http' && t.Qualifier === qualifier,
        )
      ) {
        throw new ApiError(
          'ResourceInUse.Trigger',
          'The function already has a function URL for this qualifier.',
        );
      }
      // SCF names the trigger itself (the id inside the URL), whatever TriggerName was asked for.
      const id = randomBytes(5).toString('hex');
      const trigger: FakeTrigger = {
        FunctionName: fn.FunctionName,
        Namespace: fn.Namespace,
        TriggerName: id,
        Type: 'http',
        Qualifier: qualifier,
        TriggerDesc: JSON.stringify({
          ...desc,
          NetConfig: {
            ...desc.NetConfig,
            ExtranetUrl: `https://${TEST_CREDENTIALS.appId}-${id}.${TEST_CREDENTIALS.region}.tencentscf.com`,
          },
        }),
        urlPending: this.functionUrlDelay,
      };
      this.triggers.push(trigger);
      return { TriggerInfo: this.triggerView(trigger) };
    },
    GetCustomDomain(p) {
      required(p, 'Domain');
      return this.domain(p);
    },
    CreateCustomDomain(p) {
      required(p, 'Domain', 'Protocol', 'EndpointsConfig');
      if (this.domains.has(String(p.Domain)))
        throw new ApiError('InvalidParameterValue.Domain', 'The domain already exists.');
      this.checkDomain(p);
      // SCF binds a domain only once its DNS CNAME points at <appid>.<region>.tencentscf.com.
      if (this.cnames.get(String(p.Domain)) !== SCF_CNAME_TARGET) {
        throw new ApiError('FailedOperation.CNAME', `CNAME of ${String(p.Domain)} is not resolved.`);
      }
      this.domains.set(String(p.Domain), { ...p });
      return {};
    },
    UpdateCustomDomain(p) {
      required(p, 'Domain');
      const d = this.domain(p);
      this.checkDomain({ ...d, ...p });
      this.domains.set(String(p.Domain), { ...d, ...p });
      return {};
    },
  };

  /** A trigger as ListTriggers and CreateTrigger show it: no ExtranetUrl while the URL is pending. */
  private triggerView(t: FakeTrigger): Record<string, unknown> {
    const { urlPending, ...shown } = t;
    const desc = JSON.parse(t.TriggerDesc) as { NetConfig: Record<string, unknown> };
    if (urlPending > 0) delete desc.NetConfig.ExtranetUrl;
    return { ...shown, TriggerDesc: JSON.stringify(desc), Enable: 1, AvailableStatus: 'Available' };
  }

  private domain(p: Record<string, unknown>): Record<string, unknown> {
    const d = this.domains.get(String(p.Domain));
    if (!d) throw new ApiError('FailedOperation.Domain.UnExist', `Domain ${String(p.Domain)} is not found.`);
    return d;
  }

  private checkDomain(p: Record<string, unknown>): void {
    if (!['HTTP', 'HTTPS', 'HTTP&HTTPS'].includes(String(p.Protocol))) {
      throw new ApiError('InvalidParameterValue', 'Protocol must be HTTP, HTTPS or HTTP&HTTPS.');
    }
    if (
      String(p.Protocol).includes('HTTPS') &&
      !(p.CertConfig as { CertificateId?: string } | undefined)?.CertificateId
    ) {
      throw new ApiError('InvalidParameterValue', 'HTTPS needs CertConfig.CertificateId.');
    }
    for (const e of p.EndpointsConfig as Record<string, unknown>[]) {
      required(e, 'Namespace', 'FunctionName', 'Qualifier', 'PathMatch');
      if (!/^\/([\w.-]+(\/[\w.-]+)*)?(\/\*)?$/.test(String(e.PathMatch)) && e.PathMatch !== '/*') {
        throw new ApiError('InvalidParameterValue', `PathMatch ${String(e.PathMatch)} is invalid.`);
      }
      this.fn(e);
    }
  }

  private service(p: Record<string, unknown>): FakeService {
    required(p, 'ServiceId');
    const s = this.services.get(String(p.ServiceId));
    if (!s)
      throw new ApiError('ResourceNotFound.InvalidService', `Service ${String(p.ServiceId)} does not exist.`);
    return s;
  }

  private api(s: FakeService, p: Record<string, unknown>): FakeApi {
    required(p, 'ApiId');
    const api = s.apis.get(String(p.ApiId));
    if (!api) throw new ApiError('ResourceNotFound.InvalidApi', `Api ${String(p.ApiId)} does not exist.`);
    return api;
  }

  private readonly apigw: Record<
    string,
    (this: FakeTencentCloud, p: Record<string, unknown>) => Record<string, unknown>
  > = {
    DescribeServicesStatus(p) {
      const filters = (p.Filters as { Name: string; Values: string[] }[] | undefined) ?? [];
      const set = [...this.services.values()].filter((s) =>
        filters.every((f) => f.Name !== 'ServiceName' || f.Values.includes(s.ServiceName)),
      );
      return {
        Result: {
          TotalCount: set.length,
          ServiceSet: set.map((s) => ({
            ServiceId: s.ServiceId,
            ServiceName: s.ServiceName,
            OuterSubDomain: s.OuterSubDomain,
          })),
        },
      };
    },
    DescribeApisStatus(p) {
      const s = this.service(p);
      const set = [...s.apis.values()].map((a) => ({ ServiceId: s.ServiceId, ...a }));
      return { Result: { TotalCount: set.length, ApiIdStatusSet: set } };
    },
    DescribeApi(p) {
      const s = this.service(p);
      const a = this.api(s, p);
      return {
        Result: {
          ServiceId: s.ServiceId,
          ...a,
          RequestConfig: { Path: a.Path, Method: a.Method },
        },
      };
    },
    ModifyApi(p) {
      required(p, 'ServiceId', 'ServiceType', 'RequestConfig', 'ApiId');
      const s = this.service(p);
      const a = this.api(s, p);
      const rc = p.RequestConfig as { Path?: string; Method?: string };
      required(rc as Record<string, unknown>, 'Path', 'Method');
      const business = String(p.ApiBusinessType ?? a.ApiBusinessType);
      if (p.AuthType === 'OAUTH' && business === 'OAUTH') {
        const oauth = p.OauthConfig as { PublicKey?: string; TokenLocation?: string } | undefined;
        if (!oauth?.PublicKey || !oauth.TokenLocation) {
          throw new ApiError(
            'MissingParameter',
            'An OAUTH authorization API needs OauthConfig.PublicKey and TokenLocation.',
          );
        }
        try {
          const jwk = JSON.parse(oauth.PublicKey) as { kty?: string; n?: string; e?: string };
          if (jwk.kty !== 'RSA' || !jwk.n || !jwk.e) throw new Error('not RSA');
        } catch {
          throw new ApiError(
            'InvalidParameterValue.InvalidPublicKey',
            'OauthConfig.PublicKey is not an RSA public JWK.',
          );
        }
      }
      if (
        business === 'NORMAL' &&
        p.AuthType === 'OAUTH' &&
        !s.apis.has(String(p.AuthRelationApiId ?? a.AuthRelationApiId))
      ) {
        throw new ApiError(
          'ResourceNotFound.InvalidOauthApi',
          'AuthRelationApiId names no API of the service.',
        );
      }
      Object.assign(a, {
        Path: rc.Path,
        Method: rc.Method,
        ServiceType: p.ServiceType,
        ...(p.AuthType !== undefined ? { AuthType: p.AuthType } : {}),
        ...(p.ApiBusinessType !== undefined ? { ApiBusinessType: p.ApiBusinessType } : {}),
        ...(p.OauthConfig !== undefined ? { OauthConfig: p.OauthConfig } : {}),
        ...(p.AuthRelationApiId !== undefined ? { AuthRelationApiId: p.AuthRelationApiId } : {}),
        ...(p.ServiceScfFunctionName !== undefined
          ? { ServiceScfFunctionName: p.ServiceScfFunctionName }
          : {}),
      });
      return {};
    },
    ReleaseService(p) {
      required(p, 'ServiceId', 'EnvironmentName', 'ReleaseDesc');
      const s = this.service(p);
      if (!['release', 'test', 'prepub'].includes(String(p.EnvironmentName))) {
        throw new ApiError('InvalidParameterValue', 'EnvironmentName must be release, test or prepub.');
      }
      const ReleaseVersion = `${Date.now()}${s.releases.length}`;
      s.released.set(String(p.EnvironmentName), structuredClone(s.apis));
      s.releases.push({
        EnvironmentName: String(p.EnvironmentName),
        ReleaseDesc: String(p.ReleaseDesc),
        ReleaseVersion,
      });
      return { Result: { ReleaseDesc: p.ReleaseDesc, ReleaseVersion } };
    },
    CreateService() {
      // API Gateway stopped selling new services on 2024-07-01 (API Gateway doc 628/106651).
      throw new ApiError('UnsupportedOperation', 'API Gateway no longer sells new services.');
    },
  };
}
