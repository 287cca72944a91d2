// The production HTTP server: every function of serverless.yml in one Node process, each with only
// its own environment, reached through its web-standard `fetch` entry (the same error boundary,
// access log and instance lifecycle as on a FaaS platform). Not the local gateway: no gateway rules,
// no generated configuration; it refuses to start until every function's configuration is valid.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OAuthError } from '../../shared/errors.ts';
import { createEntries, type Entries } from '../../shared/http/entries.ts';
import { readMethod } from '../../shared/http/event.ts';
import { checkFunctionEnvironments } from '../gateway/preflight.ts';
import { APP_STARTERS } from './apps.ts';
import { readRoutes } from './routes.ts';

/** The largest request body taken (the forms and token requests are a few KB). */
export const MAX_BODY_BYTES = 1024 * 1024;
/** How long in-flight requests may take to finish after SIGTERM before their connections are cut. */
export const SHUTDOWN_GRACE_MS = 10_000;

export class ServeConfigError extends Error {
  override readonly name = 'ServeConfigError';
  constructor(readonly problems: string[]) {
    super(`Configuration problems:\n  ${problems.join('\n  ')}`);
  }
}

export interface ServeOptions {
  root: string;
  env: Readonly<Record<string, string | undefined>>;
  host: string;
  port: number;
}

export interface RunningServer {
  url: string;
  server: Server;
  /** Stops taking requests, lets those in flight finish, then releases every function's store. */
  close(): Promise<void>;
}

/** Every problem of every function's configuration, by function and variable; empty when none. */
export async function checkServeConfig(options: Pick<ServeOptions, 'root' | 'env'>): Promise<string[]> {
  const routes = readRoutes(options.root, options.env);
  return checkFunctionEnvironments(routes.instances);
}

function reply(res: ServerResponse, response: Response | { status: number; body: string }): Promise<void> {
  if (!(response instanceof Response)) {
    res.writeHead(response.status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(response.body);
    return Promise.resolve();
  }
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  return response.arrayBuffer().then((body) => {
    res.writeHead(response.status, headers);
    res.end(Buffer.from(body));
  });
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function errorReply(error: OAuthError): Promise<{ status: number; body: string }> {
  const rendered = error.toResponse();
  return { status: rendered.status, body: await rendered.text() };
}

/** Starts the server; throws ServeConfigError naming every missing or bad variable. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const routes = readRoutes(options.root, options.env);
  const problems = await checkFunctionEnvironments(routes.instances);
  if (problems.length > 0) throw new ServeConfigError(problems);

  const entries = new Map<string, Entries>();
  for (const fn of routes.functions) {
    const start = APP_STARTERS[fn.folder];
    if (start)
      entries.set(
        fn.folder,
        createEntries(() => start(fn.env)),
      );
  }
  let stopping = false;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const target = req.url ?? '/';
    const path = target.split('?', 1)[0]!;
    if (path === '/healthz') {
      await reply(res, {
        status: stopping ? 503 : 200,
        body: stopping ? '{"status":"stopping"}' : '{"status":"ok"}',
      });
      return;
    }
    const entry = entries.get(routes.paths.get(path) ?? '');
    if (!entry) {
      await reply(res, await errorReply(new OAuthError('not_found', 'no endpoint here')));
      return;
    }
    const method = req.method ?? 'GET';
    const body = method === 'GET' || method === 'HEAD' ? Buffer.alloc(0) : await readBody(req);
    if (body === undefined) {
      res.setHeader('connection', 'close');
      await reply(
        res,
        await errorReply(new OAuthError('payload_too_large', 'the request body is too large')),
      );
      return;
    }
    // The Host header names the origin, the proxy in front says whether it was https.
    const host = /^[A-Za-z0-9.:[\]-]{1,255}$/.test(req.headers.host ?? '') ? req.headers.host : 'localhost';
    const proto = req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http';
    let request: Request;
    try {
      // The method as every entry reads it (TRACE and CONNECT are a 405, as on the FaaS platforms).
      readMethod(method);
      const headers = new Headers();
      for (let i = 0; i < req.rawHeaders.length; i += 2)
        headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
      request = new Request(`${proto}://${host}${target.startsWith('/') ? target : `/${target}`}`, {
        method,
        headers,
        body: body.byteLength > 0 ? body : null,
      });
    } catch (error) {
      const refusal =
        error instanceof OAuthError ? error : new OAuthError('invalid_request', 'malformed request');
      await reply(res, await errorReply(refusal));
      return;
    }
    const sourceIp = req.socket.remoteAddress;
    await reply(res, await entry.fetch(request, sourceIp ? { sourceIp } : undefined));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // The entries never throw; this is a write to a connection that went away.
      process.stderr.write(`serve: ${error instanceof Error ? error.message : String(error)}\n`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      stopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Idle keep-alive connections would hold close() open; in-flight requests finish first.
      server.closeIdleConnections();
      const cut = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      await closed;
      clearTimeout(cut);
      for (const entry of entries.values()) await entry.dispose();
    })();
    return closing;
  };
  return { url: `http://${shownHost}:${address.port}`, server, close };
}
