// The local API Gateway: serves the routes of serverless.yml on loopback, applies the gateway's
// OAuth 2.0 rules, builds an API Gateway trigger event per request and calls the real main_handler.

import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PLAIN_PATH } from '../../shared/http/web.ts';
import { bundleFunctions } from '../build/bundle.ts';
import { type Endpoint, loadProject, type Project } from '../serverless/project.ts';
import { createFunctionHost, type FunctionHost, type Isolation } from './function-host.ts';
import { createGatewayVerifier, GATEWAY_MESSAGES, type GatewayVerifier } from './oauth.ts';

/** API Gateway's request size limit for an SCF backend is 6 MB (SCF sync invocation payload). */
const MAX_BODY_BYTES = 6 * 1024 * 1024;

export interface GatewayOptions {
  /** Project root (where serverless.yml is). */
  root?: string;
  /** Variables that ${env:…} in serverless.yml resolve against. */
  env: Readonly<Record<string, string | undefined>>;
  host?: string;
  port?: number;
  /** Function output (their JSON log lines). Default: this process's stdout. */
  onOutput?: (functionName: string, chunk: string) => void;
  /** Bundles to run instead of building from source (e.g. dist/ from npm run build). */
  prebuilt?: boolean;
  now?: () => number;
  /**
   * Runs the gateway and every function this many milliseconds ahead of the real clock, so a test can
   * restart the gateway "later" (as a redeploy at a later time) without waiting. 0 in normal runs.
   */
  clockOffsetMs?: number;
  /**
   * `inline` (default): every function in the gateway's thread, each bundle its own module with its
   * own environment. `worker`: each function in a worker thread whose heap is bounded by its
   * memorySize.
   */
  isolation?: Isolation;
  /**
   * `api-gateway` (default): API Gateway's routes, events and OAuth 2.0 checks. `function-url`: the
   * functions as their function URLs (and a custom domain routing the contract's paths) serve them —
   * any method, the function URL event, and no check in front, so a function's own answers are what a
   * client sees.
   */
  profile?: GatewayProfile;
}

export type GatewayProfile = 'api-gateway' | 'function-url';

export interface Gateway {
  url: string;
  project: Project;
  /** How many times each function was invoked (tests check the backend was not reached). */
  invocations: Map<string, number>;
  /** Ends every function instance; the next request to a function starts a new one (a cold start). */
  recycle(): Promise<void>;
  close(): Promise<void>;
}

interface Route {
  endpoint: Endpoint;
  host: FunctionHost;
  oauth?: GatewayVerifier;
}

function gatewayError(res: ServerResponse, status: number, message: string): void {
  const body = JSON.stringify({ message });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const NO_BODY = Buffer.alloc(0);

function readBody(req: IncomingMessage): Promise<Buffer | undefined> | Buffer {
  // RFC 9112 §6.3: a request with neither Content-Length nor Transfer-Encoding has no body; Node
  // discards what is left of it once the response is sent.
  const length = req.headers['content-length'];
  if ((length === undefined || length === '0') && req.headers['transfer-encoding'] === undefined) {
    return NO_BODY;
  }
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolveBody(undefined);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolveBody(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The request's headers as API Gateway passes them on: names in lower case, one string each. */
function flatHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  const parsed = req.headers;
  for (const name in parsed) {
    const value = parsed[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** The function URL event (SCF doc 583/96099): no requestContext, no isBase64Encoded, the client in x-scf-remote-addr. */
export function buildFunctionUrlEvent(
  req: IncomingMessage,
  headers: Record<string, string>,
  url: RequestTarget,
  body: Buffer,
  sourceIp: string,
) {
  // Function URLs are https; the local server speaks http, which the functions must know for cookies.
  headers['x-forwarded-proto'] = 'http';
  headers['x-scf-remote-addr'] = sourceIp;
  const queryString: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams ?? []) {
    const existing = queryString[name];
    if (existing === undefined) queryString[name] = value;
    else queryString[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return {
    requestId: randomUUID(),
    event: {
      httpMethod: req.method ?? 'GET',
      path: url.pathname,
      headers,
      queryString,
      body: body.toString('utf8'),
    },
  };
}

export interface RequestTarget {
  pathname: string;
  search: string;
  /** Absent when `search` is empty. */
  searchParams?: URLSearchParams;
}

/** The request target's path and query, as `new URL(target, base)` reads them; throws as it does. */
export function parseTarget(target: string): RequestTarget {
  // A plain path with no query: its pathname is the target itself.
  if (PLAIN_PATH.test(target)) return { pathname: target, search: '' };
  const url = new URL(target, 'http://gateway.local');
  return { pathname: url.pathname, search: url.search, searchParams: url.searchParams };
}

/** Undefined for a target that is no URL at all (`//`): no API matches it. */
function tryParseTarget(target: string): RequestTarget | undefined {
  try {
    return parseTarget(target);
  } catch {
    return undefined;
  }
}

/** The event API Gateway sends an SCF function (SCF doc 583/12513). */
export function buildEvent(
  req: IncomingMessage,
  headers: Record<string, string>,
  url: RequestTarget,
  body: Buffer,
  endpoint: Endpoint,
  sourceIp: string,
) {
  headers['x-forwarded-proto'] = 'http';
  const queryString: Record<string, string | string[]> = {};
  if (url.search !== '' && url.searchParams) {
    for (const [name, value] of url.searchParams) {
      const existing = queryString[name];
      if (existing === undefined) queryString[name] = value;
      else queryString[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
    }
  }
  const isText = body.length === 0 || isUtf8(body);
  const requestId = randomUUID();
  return {
    requestId,
    event: {
      httpMethod: req.method ?? 'GET',
      path: url.pathname,
      headers,
      queryString,
      queryStringParameters: queryString,
      pathParameters: {},
      headerParameters: {},
      body: isText ? body.toString('utf8') : body.toString('base64'),
      isBase64Encoded: !isText,
      requestContext: {
        serviceId: 'service-local',
        path: endpoint.path,
        httpMethod: endpoint.method,
        requestId,
        identity: {},
        sourceIp,
        stage: 'release',
      },
    },
  };
}

interface Integrated {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean | string;
}

function isIntegrated(value: unknown): value is Integrated {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    Number.isInteger(v.statusCode) &&
    (v.headers === undefined || (typeof v.headers === 'object' && v.headers !== null)) &&
    (v.body === undefined || typeof v.body === 'string')
  );
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const root = resolve(options.root ?? '.');
  const offset = options.clockOffsetMs ?? 0;
  const now = options.now ?? (() => Date.now() + offset);
  const project = loadProject(root, { env: options.env });
  const onOutput = options.onOutput ?? ((_name: string, chunk: string) => process.stdout.write(chunk));

  // Bundle from source so local runs exercise the same code SCF runs.
  let buildDir: string | undefined;
  const bundles = new Map<string, string>();
  if (options.prebuilt) {
    for (const fn of project.functions) bundles.set(fn.functionName, join(fn.src, 'index.js'));
  } else {
    buildDir = mkdtempSync(join(tmpdir(), 'scf-oauth2-gateway-'));
    const built = await bundleFunctions({ root, outdir: buildDir, minify: false });
    for (const fn of project.functions) {
      const name = fn.src.split(/[\\/]/).pop()!;
      const bundle = built.find((b) => b.name === name);
      if (bundle) bundles.set(fn.functionName, bundle.file);
    }
  }

  const hosts = new Map<string, FunctionHost>();
  const invocations = new Map<string, number>();
  for (const fn of project.functions) {
    const file = bundles.get(fn.functionName);
    if (!file) throw new Error(`no bundle for function ${fn.functionName} (${fn.file})`);
    const handler = fn.handler.split('.').pop() ?? 'main_handler';
    hosts.set(
      fn.functionName,
      createFunctionHost(
        {
          name: fn.functionName,
          file,
          handler,
          env: fn.environment,
          onOutput,
          memorySizeMb: fn.memorySize,
          clockOffsetMs: offset,
        },
        options.isolation,
      ),
    );
    invocations.set(fn.functionName, 0);
  }

  const routes = new Map<string, Route>();
  for (const endpoint of project.endpoints) {
    const host = hosts.get(endpoint.functionName);
    if (!host)
      throw new Error(`${endpoint.method} ${endpoint.path}: no function named ${endpoint.functionName}`);
    routes.set(`${endpoint.method} ${endpoint.path}`, { endpoint, host });
  }
  // A business API is verified with the public key of its related authorization API.
  for (const route of routes.values()) {
    const { endpoint } = route;
    if (endpoint.authType !== 'OAUTH' || endpoint.businessType !== 'NORMAL') continue;
    const relation = endpoint.authRelationApi;
    const related = relation ? routes.get(`${relation.method.toUpperCase()} ${relation.path}`) : undefined;
    if (related?.endpoint.businessType !== 'OAUTH') {
      route.oauth = { check: async () => ({ status: 401, message: GATEWAY_MESSAGES.noRelatedApi }) };
      continue;
    }
    route.oauth = createGatewayVerifier(related.endpoint.oauthConfig ?? { publicKey: '' });
  }

  // Function URLs: a custom domain routes each path of the contract, whatever the method, and every
  // /.well-known/ path to the function that serves the documents (infra/deploy/function-url.ts).
  const functionUrls = options.profile === 'function-url';
  const byPath = new Map<string, Route>();
  for (const route of routes.values()) {
    const { path } = route.endpoint;
    const key = path.startsWith('/.well-known/') ? '/.well-known/*' : path;
    if (!byPath.has(key)) byPath.set(key, { endpoint: route.endpoint, host: route.host });
  }
  const routeOf = (method: string | undefined, pathname: string): Route | undefined =>
    functionUrls
      ? byPath.get(pathname.startsWith('/.well-known/') ? '/.well-known/*' : pathname)
      : routes.get(`${method} ${pathname}`);

  const server: Server = createServer({ maxHeaderSize: 16 * 1024 }, async (req, res) => {
    try {
      const url = tryParseTarget(req.url ?? '/');
      const route = url && routeOf(req.method, url.pathname);
      if (!url || !route) return gatewayError(res, 404, 'There is no api match the request');
      const body = await readBody(req);
      if (!body) return gatewayError(res, 413, 'Request entity too large');
      const headers = flatHeaders(req);
      if (route.oauth && !functionUrls) {
        const refusal = await route.oauth.check(headers, now());
        if (refusal) return gatewayError(res, refusal.status, refusal.message);
      }
      const sourceIp = req.socket.remoteAddress ?? '127.0.0.1';
      const { event, requestId } = functionUrls
        ? buildFunctionUrlEvent(req, headers, url, body, sourceIp)
        : buildEvent(req, headers, url, body, route.endpoint, sourceIp);
      const fnName = route.endpoint.functionName;
      invocations.set(fnName, (invocations.get(fnName) ?? 0) + 1);
      const outcome = await route.host.invoke(event, { request_id: requestId, function_name: fnName });
      if (outcome.error !== undefined) return gatewayError(res, 502, 'Function invocation failed');
      if (!isIntegrated(outcome.result)) {
        return gatewayError(res, 403, 'Invalid scf response format. please check your scf response format.');
      }
      const out = outcome.result;
      // A text body goes out as the string it is: Node writes the head and a string body in one write.
      const payload: string | Buffer =
        out.isBase64Encoded === true || String(out.isBase64Encoded).toLowerCase() === 'true'
          ? Buffer.from(out.body ?? '', 'base64')
          : (out.body ?? '');
      const responseHeaders: Record<string, string> = {};
      for (const name of Object.keys(out.headers ?? {})) {
        const value = out.headers[name];
        if (typeof value === 'string') responseHeaders[name] = value;
      }
      responseHeaders['content-length'] = String(Buffer.byteLength(payload));
      res.writeHead(out.statusCode, responseHeaders);
      if (req.method === 'HEAD') res.end();
      else res.end(payload);
    } catch {
      if (!res.headersSent) gatewayError(res, 500, 'Internal gateway error');
      else res.destroy();
    }
  });
  server.keepAliveTimeout = 10_000;

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => ok());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`;

  return {
    url,
    project,
    invocations,
    async recycle() {
      await Promise.allSettled([...hosts.values()].map((h) => h.close()));
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
      try {
        await Promise.allSettled([...hosts.values()].map((h) => h.close()));
      } finally {
        if (buildDir) rmSync(buildDir, { recursive: true, force: true });
      }
    },
  };
}
