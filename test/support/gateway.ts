// Starts the local gateway for an integration test, on a free loopback port, logs captured.
import * as oauth from 'oauth4webapi';
import type { Isolation } from '../../infra/gateway/function-host.ts';
import { type Gateway, startGateway } from '../../infra/gateway/server.ts';
import { freePort } from '../../infra/net.ts';
import { testEnv } from './fixtures.ts';

export interface TestGateway extends Gateway {
  env: Record<string, string>;
  /** Every line the functions printed (their JSON request logs). */
  output: string[];
}

export interface TestGatewayOptions {
  /** Listen here (a restart "redeploys" on the same URL, so the issuer stays the same). */
  port?: number;
  /** The Unix time (seconds) the gateway's and functions' clocks show at start; default: now. */
  at?: number;
  /** How the functions run: in the gateway's thread (default) or in worker threads. */
  isolation?: Isolation;
}

/** The issuer is the gateway's own URL, as it is when deployed behind the gateway. */
export async function startTestGateway(
  overrides: Record<string, string> = {},
  options: TestGatewayOptions = {},
): Promise<TestGateway> {
  const port = options.port ?? (await freePort());
  const issuer = `http://127.0.0.1:${port}`;
  const env = await testEnv({ OAUTH_ISSUER: issuer, OAUTH_AUDIENCE: `${issuer}/work`, ...overrides });
  const output: string[] = [];
  const gateway = await startGateway({
    env,
    port,
    onOutput: (_name, chunk) => output.push(...chunk.split('\n').filter(Boolean)),
    ...(options.at === undefined ? {} : { clockOffsetMs: options.at * 1000 - Date.now() }),
    ...(options.isolation ? { isolation: options.isolation } : {}),
  });
  return Object.assign(gateway, { env, output });
}

/** oauth4webapi's leave to talk plain http, which the local gateway on loopback speaks. */
export const insecure = { [oauth.allowInsecureRequests]: true } as const;

/** The gateway's authorization server metadata, as a client discovers it (RFC 8414). */
export async function discover(gatewayUrl: string): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(gatewayUrl);
  return oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
  );
}

/**
 * Every `*_endpoint` and `*_uri` of a metadata document answers through the gateway (none is a route
 * the gateway lacks); `get` names those to GET, the others are POSTed an empty form.
 */
export async function expectListedEndpointsAnswer(
  gatewayUrl: string,
  listed: readonly (readonly [string, unknown])[],
  get: ReadonlySet<string>,
): Promise<void> {
  const { expect } = await import('vitest');
  for (const [name, value] of listed) {
    expect(String(value).startsWith(gatewayUrl), name).toBe(true);
    const res = await fetch(
      String(value),
      get.has(name) ? {} : { method: 'POST', body: new URLSearchParams() },
    );
    const text = await res.text();
    // The gateway's own "no route" answer is a 404 with its message; the functions answer otherwise.
    expect({ name, routed: !text.includes('There is no api match') }).toEqual({ name, routed: true });
    expect(res.status, name).not.toBe(404);
    expect(res.status, name).toBeLessThan(500);
  }
}
