// Tencent Cloud API clients (tencentcloud-sdk-nodejs), credentials and errors for the deploy scripts.
// Only the scf and apigateway clients are imported, by deep path: the whole SDK is 58 MB and slow to load.
import { Agent } from 'node:http';
import type { Client as ApiGatewayClient } from 'tencentcloud-sdk-nodejs/tencentcloud/services/apigateway/v20180808/apigateway_client.js';
import type { Client as ScfClient } from 'tencentcloud-sdk-nodejs/tencentcloud/services/scf/v20180416/scf_client.js';

export type { ApiGatewayClient, ScfClient };

export interface CloudSettings {
  secretId: string;
  secretKey: string;
  region: string;
}

/** A deploy-time configuration problem; the message names the variable and never holds a secret. */
export class CloudConfigError extends Error {
  override readonly name = 'CloudConfigError';
}

export const CREDENTIAL_VARIABLES = [
  'TENCENTCLOUD_SECRET_ID',
  'TENCENTCLOUD_SECRET_KEY',
  'TENCENTCLOUD_REGION',
] as const;

/** A Tencent Cloud region name, e.g. ap-guangzhou (as the components' schemas write it). */
export const REGION_PATTERN = /^[a-z]{2}-[a-z]+(-\d+)?$/;

/** Credentials and region from the environment (.env included); every missing variable named at once. */
export function readCloudSettings(env: Readonly<Record<string, string | undefined>>): CloudSettings {
  const missing = CREDENTIAL_VARIABLES.filter((name) => !env[name]?.trim());
  if (missing.length > 0) {
    throw new CloudConfigError(
      `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set: put ${missing.length === 1 ? 'it' : 'them'} in .env or the environment (an API key of a CAM user allowed to manage SCF${missing.includes('TENCENTCLOUD_REGION') ? '; the region is e.g. ap-guangzhou' : ''})`,
    );
  }
  const region = env.TENCENTCLOUD_REGION!.trim();
  if (!REGION_PATTERN.test(region)) {
    throw new CloudConfigError(
      `TENCENTCLOUD_REGION must be a region such as ap-guangzhou, got ${JSON.stringify(region)}`,
    );
  }
  return {
    secretId: env.TENCENTCLOUD_SECRET_ID!.trim(),
    secretKey: env.TENCENTCLOUD_SECRET_KEY!.trim(),
    region,
  };
}

/**
 * Where the clients send requests. In production, each service's public endpoint. A local endpoint (the
 * tests' fake cloud) keeps each service's host name — the SDK derives the signed service name from it —
 * and resolves every name to the local address, over plain http.
 */
export interface CloudEndpoint {
  host: string;
  port: number;
}

function profileFor(service: string, endpoint: CloudEndpoint | undefined) {
  if (!endpoint) return { httpProfile: { reqTimeout: 60 } };
  const agent = new Agent({
    keepAlive: false,
    lookup: ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
      if (options?.all) callback(null, [{ address: endpoint.host, family: 4 }]);
      else callback(null, endpoint.host, 4);
    }) as never,
  });
  return {
    httpProfile: {
      endpoint: `${service}.tencentcloudapi.com:${endpoint.port}`,
      protocol: 'http://',
      reqTimeout: 10,
      agent,
    },
  };
}

/** The SCF client alone: the function-url profile needs nothing else, and each client costs load time. */
export async function createScfClient(settings: CloudSettings, endpoint?: CloudEndpoint): Promise<ScfClient> {
  const { Client } = await import(
    'tencentcloud-sdk-nodejs/tencentcloud/services/scf/v20180416/scf_client.js'
  );
  return new Client({
    credential: credentialOf(settings),
    region: settings.region,
    profile: profileFor('scf', endpoint),
  });
}

export async function createApiGatewayClient(
  settings: CloudSettings,
  endpoint?: CloudEndpoint,
): Promise<ApiGatewayClient> {
  const { Client } = await import(
    'tencentcloud-sdk-nodejs/tencentcloud/services/apigateway/v20180808/apigateway_client.js'
  );
  return new Client({
    credential: credentialOf(settings),
    region: settings.region,
    profile: profileFor('apigateway', endpoint),
  });
}

function credentialOf(settings: CloudSettings) {
  return { secretId: settings.secretId, secretKey: settings.secretKey };
}

/** A call the cloud refused: the action, Tencent's error code and message, and the request id to quote. */
export class CloudError extends Error {
  override readonly name = 'CloudError';
  constructor(
    readonly action: string,
    readonly code: string,
    readonly detail: string,
    readonly requestId: string,
  ) {
    super(`${action} failed: ${code}: ${detail}${requestId ? ` (RequestId ${requestId})` : ''}`);
  }
}

/** Runs one API call, turning the SDK's exception into a CloudError naming the action. */
export async function call<T>(action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const e = error as { code?: string; message?: string; requestId?: string; httpCode?: number };
    throw new CloudError(
      action,
      e.code ?? (e.httpCode ? `HTTP ${e.httpCode}` : 'NetworkError'),
      e.message ?? String(error),
      e.requestId ?? '',
    );
  }
}
