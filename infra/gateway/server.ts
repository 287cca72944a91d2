// The local API Gateway: serves the routes of serverless.yml on loopback, applies the gateway's
// OAuth 2.0 rules, builds an API Gateway trigger event per request and calls the real main_handler.
// The pieces: hosts.ts (the function instances), routes.ts (endpoints to instances, OAuth wiring),
// event.ts (request → event, integrated response → HTTP answer); here, the server that joins them.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { loadProject, type Project } from '../serverless/project.ts';
import {
  buildEvent,
  buildFunctionUrlEvent,
  flatHeaders,
  gatewayError,
  readBody,
  tryParseTarget,
  writeIntegrated,
} from './event.ts';
import type { Isolation } from './function-host.ts';
import { startFunctionHosts } from './hosts.ts';
import { buildRoutes, functionUrlKey, functionUrlRoutes, type Route, routeKey } from './routes.ts';

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

/** How the gateway finds a request's route and builds its event: API Gateway's or a function URL's. */
interface Front {
  routes: ReadonlyMap<string, Route>;
  functionUrls: boolean;
}

/**
 * One request, as API Gateway handles it: route, size limit, OAuth 2.0 check, event, function, answer.
 * As a function URL: route by path alone, no check, the function URL event.
 */
async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  front: Front,
  invocations: Map<string, number>,
  now: () => number,
): Promise<void> {
  const url = tryParseTarget(req.url ?? '/');
  const route =
    url &&
    front.routes.get(
      front.functionUrls ? functionUrlKey(url.pathname) : routeKey(req.method ?? 'GET', url.pathname),
    );
  if (!url || !route) return gatewayError(res, 404, 'There is no api match the request');
  const body = await readBody(req);
  if (!body) return gatewayError(res, 413, 'Request entity too large');
  const headers = flatHeaders(req);
  if (route.oauth) {
    const refusal = await route.oauth.check(headers, now());
    if (refusal) return gatewayError(res, refusal.status, refusal.message);
  }
  const sourceIp = req.socket.remoteAddress ?? '127.0.0.1';
  const { event, requestId } = front.functionUrls
    ? buildFunctionUrlEvent(req, headers, url, body, sourceIp)
    : buildEvent(req, headers, url, body, route.endpoint, sourceIp);
  const fnName = route.endpoint.functionName;
  invocations.set(fnName, (invocations.get(fnName) ?? 0) + 1);
  const outcome = await route.host.invoke(event, { request_id: requestId, function_name: fnName });
  if (outcome.error !== undefined) return gatewayError(res, 502, 'Function invocation failed');
  writeIntegrated(req, res, outcome.result);
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const root = resolve(options.root ?? '.');
  const offset = options.clockOffsetMs ?? 0;
  const now = options.now ?? (() => Date.now() + offset);
  const project = loadProject(root, { env: options.env });
  const functions = await startFunctionHosts(project, {
    root,
    ...(options.prebuilt ? { prebuilt: true } : {}),
    onOutput: options.onOutput ?? ((_name: string, chunk: string) => process.stdout.write(chunk)),
    clockOffsetMs: offset,
    ...(options.isolation ? { isolation: options.isolation } : {}),
  });
  const routes = buildRoutes(project, functions.hosts);
  const functionUrls = options.profile === 'function-url';
  const front: Front = { routes: functionUrls ? functionUrlRoutes(routes) : routes, functionUrls };
  const invocations = new Map(project.functions.map((fn) => [fn.functionName, 0]));

  const server = createServer({ maxHeaderSize: 16 * 1024 }, (req, res) => {
    handle(req, res, front, invocations, now).catch(() => {
      if (!res.headersSent) gatewayError(res, 500, 'Internal gateway error');
      else res.destroy();
    });
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
    recycle: functions.recycle,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
      await functions.close();
    },
  };
}
