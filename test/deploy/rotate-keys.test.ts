// npm run rotate-keys against the fake cloud: at every step, every valid token is accepted by the business
// function, listed in the JWKS and let through by the gateway's released configuration.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadBusinessConfig } from '../../functions/business/config.ts';
import { loadTokenConfig } from '../../functions/token/config.ts';
import { deployFunctionUrls } from '../../infra/deploy/function-url.ts';
import { runRotate } from '../../infra/deploy/rotate-cli.ts';
import { rotateKeys } from '../../infra/deploy/rotate-keys.ts';
import { parseEnvFile } from '../../infra/env-file.ts';
import { createGatewayVerifier } from '../../infra/gateway/oauth.ts';
import { generateSigningKeys } from '../../infra/keys/generate.ts';
import { createApiGatewayClient, createScfClient } from '../../infra/tencent/client.ts';
import { OAuthError } from '../../shared/errors.ts';
import type { HttpResponse } from '../../shared/http/web.ts';
import { importPublicKeys, importSigningKey } from '../../shared/jwt/keys.ts';
import { businessApp, tokenApp } from '../support/apps.ts';
import { runCommand } from '../support/command.ts';
import { fakeCloudDeployEnv } from '../support/deploy-env.ts';
import { makeDeployRoot } from '../support/deploy-root.ts';
import { FakeTencentCloud, TEST_CREDENTIALS } from '../support/fake-tencent-cloud.ts';

let root: string;
let removeRoot: () => void;
let env: Record<string, string>;
let cloud: FakeTencentCloud;

beforeAll(async () => {
  ({ root, remove: removeRoot } = await makeDeployRoot());
  env = await fakeCloudDeployEnv();
});
afterAll(async () => {
  removeRoot();
  await cloud?.close();
});

beforeEach(async () => {
  await cloud?.close();
  cloud = await new FakeTencentCloud().start();
  const scf = await createScfClient(TEST_CREDENTIALS, cloud.endpoint);
  await deployFunctionUrls({ root, env, scf, pollMs: 0 });
  cloud.calls.length = 0;
});

async function rotate(
  args: string[],
  onSleep: (ms: number) => void = () => {},
  overrides: Record<string, string> = {},
) {
  return runCommand(runRotate, args, {
    root,
    env: { ...env, ...overrides },
    endpoint: cloud.endpoint,
    pollMs: 0,
    // Status polls sleep 0 ms; only the rotation's own waits are reported.
    sleep: async (ms) => {
      if (ms > 0) onSleep(ms);
    },
  });
}

/** Key ids as the cloud holds them now: what signs, what the JWKS lists, what the business function accepts. */
async function snapshot(serviceId?: string) {
  const token = cloud.env('oauth-token');
  const signing = await importSigningKey(token.OAUTH_PRIVATE_KEY!);
  const retired = token.OAUTH_RETIRED_PUBLIC_KEYS
    ? await importPublicKeys(token.OAUTH_RETIRED_PUBLIC_KEYS)
    : [];
  const business = await importPublicKeys(cloud.env('oauth-business').OAUTH_PUBLIC_KEYS!);
  const released = serviceId ? cloud.services.get(serviceId)!.released.get('release')! : undefined;
  const work = released ? [...released.values()].find((a) => a.Path === '/work')! : undefined;
  const gatewayKey = serviceId ? cloud.releasedPublicKey(serviceId) : undefined;
  const gatewayKid = gatewayKey ? (await importPublicKeys(gatewayKey))[0]!.kid : undefined;
  return {
    signing: signing.kid,
    jwks: [signing.kid, ...retired.map((k) => k.kid)],
    business: business.map((k) => k.kid),
    /** The gateway lets a token of this key through /work. */
    gatewayAccepts: (kid: string) =>
      !work || work.AuthType === 'NONE' || (work.AuthType === 'OAUTH' && gatewayKid === kid),
  };
}

/** The deployment's API Gateway service in the fake cloud, with the OAuth APIs `npm run deploy` makes. */
function addService() {
  return cloud.addOAuthService({
    serviceId: env.TENCENTCLOUD_APIGW_SERVICE_ID!,
    serviceName: 'scf_oauth2',
    publicKey: env.OAUTH_GATEWAY_PUBLIC_KEY!,
    tokenFunction: 'oauth-token',
    businessFunction: 'oauth-business',
  });
}

async function cloudClients() {
  return {
    scf: await createScfClient(TEST_CREDENTIALS, cloud.endpoint),
    apigateway: await createApiGatewayClient(TEST_CREDENTIALS, cloud.endpoint),
  };
}

describe('rotate-keys with API Gateway', () => {
  it('refuses no valid token at any step, and ends with the gateway on the new key', async () => {
    const oldKid = (await importSigningKey(env.OAUTH_PRIVATE_KEY!)).kid;
    const service = addService();
    const sleeps: number[] = [];
    const before = await snapshot(service.ServiceId);
    const run = await rotate(['--jwks-wait', '300'], (ms) => sleeps.push(ms));
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    const newKid = /Rotated \S+ → (\S+)\./.exec(run.out)![1]!;
    expect(before.gatewayAccepts(oldKid)).toBe(true);

    expect(cloud.sequence()).toEqual([
      'scf.GetFunction',
      'scf.GetFunction',
      // The service is the one TENCENTCLOUD_APIGW_SERVICE_ID names: no look-up by name.
      'apigateway.DescribeApisStatus',
      'apigateway.DescribeApi',
      'apigateway.DescribeApi',
      // 1. publish: business first, then the JWKS
      'scf.UpdateFunctionConfiguration',
      'scf.GetFunction',
      'scf.GetFunction',
      'scf.UpdateFunctionConfiguration',
      'scf.GetFunction',
      'scf.GetFunction',
      // 3. open /work to the function
      'apigateway.ModifyApi',
      'apigateway.ReleaseService',
      // 4. switch
      'scf.UpdateFunctionConfiguration',
      'scf.GetFunction',
      'scf.GetFunction',
      // 6. close: the authorization API's key, /work tied to it again, one release
      'apigateway.ModifyApi',
      'apigateway.ModifyApi',
      'apigateway.ReleaseService',
    ]);
    expect(cloud.refused).toEqual([]);
    // 2. JWKS caches, 5. access-token TTL 300 s + clock tolerance 30 s
    expect(sleeps).toEqual([300_000, 330_000]);

    const after = await snapshot(service.ServiceId);
    expect(after.signing).toBe(newKid);
    expect(after.jwks).toEqual([newKid, oldKid]);
    expect(after.business).toEqual([oldKid, newKid]);
    expect(after.gatewayAccepts(newKid)).toBe(true);
    expect(after.gatewayAccepts(oldKid)).toBe(false);
    expect(service.releases).toHaveLength(2);
    const work = [...service.released.get('release')!.values()].find((a) => a.Path === '/work')!;
    const tokenApi = [...service.released.get('release')!.values()].find((a) => a.Path === '/token')!;
    expect(work).toMatchObject({
      AuthType: 'OAUTH',
      ApiBusinessType: 'NORMAL',
      AuthRelationApiId: tokenApi.ApiId,
    });
    expect(tokenApi.OauthConfig?.TokenLocation).toBe('method.req.header.authorization');

    // The functions load what the cloud now holds.
    const tokenConfig = await loadTokenConfig(cloud.env('oauth-token'));
    expect(tokenConfig.signingKey.kid).toBe(newKid);
    expect(tokenConfig.retiredKeys.map((k) => k.kid)).toEqual([oldKid]);
    expect((await loadBusinessConfig(cloud.env('oauth-business'))).publicKeys.map((k) => k.kid)).toEqual([
      oldKid,
      newKid,
    ]);

    // .env now holds the new key, so the next deploy keeps it.
    const dotenv = parseEnvFile(readFileSync(join(root, '.env'), 'utf8'));
    expect((await importSigningKey(dotenv.OAUTH_PRIVATE_KEY!)).kid).toBe(newKid);
    expect((await importPublicKeys(dotenv.OAUTH_GATEWAY_PUBLIC_KEY!))[0]!.kid).toBe(newKid);
    expect(run.out).not.toContain(dotenv.OAUTH_PRIVATE_KEY!.slice(0, 40));
  });

  it('at every step, each valid token passes the gateway, the business function and the JWKS', async () => {
    const service = addService();
    const { scf, apigateway } = await cloudClients();
    const oldKid = (await importSigningKey(env.OAUTH_PRIVATE_KEY!)).kid;
    const newKey = await generateSigningKeys();
    const newKid = newKey.kid;
    // Which keys sign tokens that are still valid after each step.
    const valid: Record<string, string[]> = {
      publish: [oldKid],
      'jwks-wait': [oldKid],
      open: [oldKid],
      switch: [oldKid, newKid],
      'ttl-wait': [newKid],
      close: [newKid],
    };
    const seen: string[] = [];
    await rotateKeys({
      root,
      env,
      scf,
      apigateway,
      newKey,
      pollMs: 0,
      sleep: async () => {},
      afterStep: async (step) => {
        seen.push(step);
        const s = await snapshot(service.ServiceId);
        for (const kid of valid[step]!) {
          expect(s.business, `${step}: business accepts ${kid}`).toContain(kid);
          expect(s.jwks, `${step}: JWKS lists ${kid}`).toContain(kid);
          expect(s.gatewayAccepts(kid), `${step}: gateway lets ${kid} through`).toBe(true);
        }
        // The JWKS lists the new key before anything signs with it.
        if (step === 'publish') expect(s.jwks).toContain(newKid);
        if (['publish', 'jwks-wait', 'open'].includes(step)) expect(s.signing).toBe(oldKid);
      },
    });
    expect(seen).toEqual(['publish', 'jwks-wait', 'open', 'switch', 'ttl-wait', 'close']);
  });

  it('with real tokens on a moving clock: every unexpired token works at /work through the released gateway', async () => {
    const service = addService();
    const { scf, apigateway } = await cloudClients();
    let clock = Date.now();
    const now = () => clock;
    const client = JSON.parse(env.OAUTH_CLIENTS!)[2] as { client_id: string; client_secret: string };
    const ctx = () => ({ requestId: 'r', route: 'test', log: {} });
    // The functions route on the path below their mount point; SCF's adapter renders what they throw.
    const base = new URL(env.OAUTH_ISSUER!).origin;
    const serve = async (
      app: (req: Request, c: ReturnType<typeof ctx>) => Promise<HttpResponse>,
      req: Request,
    ) => {
      try {
        return await app(req, ctx());
      } catch (error) {
        if (error instanceof OAuthError) return error.toResponse();
        throw error;
      }
    };
    const issued: { token: string; exp: number; step: string }[] = [];
    const refusals: string[] = [];

    const check = async (step: string) => {
      // The token function as deployed now issues one more token.
      const token = await tokenApp(cloud.env('oauth-token'), { now });
      const res = await serve(
        token,
        new Request(`${base}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `grant_type=client_credentials&scope=read&client_id=${client.client_id}&client_secret=${client.client_secret}`,
        }),
      );
      expect(res.status).toBe(200);
      const body = (await res.json()) as { access_token: string; expires_in: number };
      issued.push({ token: body.access_token, exp: clock + body.expires_in * 1000, step });
      const business = await businessApp(cloud.env('oauth-business'), { now });
      const jwks = (await (await serve(token, new Request(`${base}/.well-known/jwks.json`))).json()) as {
        keys: { kid: string }[];
      };
      const released = [...service.released.get('release')!.values()];
      const work = released.find((a) => a.Path === '/work')!;
      const gateway =
        work.AuthType === 'OAUTH'
          ? createGatewayVerifier({
              publicKey:
                released.find((a) => a.ApiId === work.AuthRelationApiId)?.OauthConfig?.PublicKey ?? '',
            })
          : undefined;
      for (const t of issued.filter((x) => x.exp > clock)) {
        const kid = JSON.parse(Buffer.from(t.token.split('.')[0]!, 'base64url').toString()).kid as string;
        const where = `token of step ${t.step}, checked after ${step}`;
        if (gateway && (await gateway.check({ authorization: `Bearer id_token="${t.token}"` }, clock))) {
          refusals.push(`${where}: gateway`);
        }
        const r = await serve(
          business,
          new Request(`${base}/work`, { headers: { authorization: `Bearer ${t.token}` } }),
        );
        if (r.status !== 200) refusals.push(`${where}: business ${r.status}`);
        if (!jwks.keys.some((k) => k.kid === kid)) refusals.push(`${where}: JWKS`);
      }
    };

    await check('deploy');
    await rotateKeys({
      root,
      env,
      scf,
      apigateway,
      pollMs: 0,
      sleep: async (ms) => {
        clock += ms;
      },
      afterStep: check,
    });
    expect(refusals).toEqual([]);
    // Tokens of both keys were valid at once, and the old ones had expired before the gateway switched.
    expect(new Set(issued.map((t) => t.token.split('.')[0])).size).toBe(2);
    expect(issued.map((t) => t.step)).toEqual([
      'deploy',
      'publish',
      'jwks-wait',
      'open',
      'switch',
      'ttl-wait',
      'close',
    ]);
  });

  it('stops before switching the signing key when API Gateway refuses the release, and says why', async () => {
    addService();
    const oldKid = (await importSigningKey(env.OAUTH_PRIVATE_KEY!)).kid;
    cloud.failNext(
      'ReleaseService',
      'FailedOperation.ServiceInOperation',
      'The service is being operated on.',
    );
    const run = await rotate(['--jwks-wait', '0']);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(
      /^rotate-keys failed: ReleaseService failed: FailedOperation\.ServiceInOperation: The service is being operated on\. \(RequestId [0-9a-f-]{36}\)\n$/,
    );
    expect((await snapshot()).signing).toBe(oldKid);
  });

  it('has written the new key to .env when the gateway refuses the last step, so a redeploy keeps it', async () => {
    addService();
    // The first ModifyApi opens /work (step 3); the second sets the new key (step 6).
    cloud.failNext(
      'ModifyApi',
      'InvalidParameterValue.InvalidPublicKey',
      'OauthConfig.PublicKey is invalid.',
      1,
    );
    const run = await rotate(['--jwks-wait', '0']);
    expect(run.code).toBe(1);
    expect(run.err).toContain('ModifyApi failed: InvalidParameterValue.InvalidPublicKey');
    const signing = (await snapshot()).signing;
    const dotenv = parseEnvFile(readFileSync(join(root, '.env'), 'utf8'));
    expect((await importSigningKey(dotenv.OAUTH_PRIVATE_KEY!)).kid).toBe(signing);
  });

  it('changes nothing when the API Gateway service cannot be found', async () => {
    const run = await rotate(['--jwks-wait', '0'], () => {}, { TENCENTCLOUD_APIGW_SERVICE_ID: '' });
    expect(run.code).toBe(1);
    expect(run.err).toContain('found 0 API Gateway services named scf_oauth2');
    expect(cloud.sequence()).not.toContain('scf.UpdateFunctionConfiguration');
  });

  it('finds the service by TENCENTCLOUD_APIGW_SERVICE_ID (serverless.yml inputs.serviceId), not by name', async () => {
    const missing = await rotate(['--jwks-wait', '0']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(
      `DescribeApisStatus failed: ResourceNotFound.InvalidService: Service ${env.TENCENTCLOUD_APIGW_SERVICE_ID} does not exist.`,
    );
    expect(cloud.sequence()).not.toContain('apigateway.DescribeServicesStatus');
    expect(cloud.sequence()).not.toContain('scf.UpdateFunctionConfiguration');
  });
});

describe('rotate-keys without API Gateway (function-url profile)', () => {
  it('publishes, waits for JWKS caches, switches, and never calls API Gateway', async () => {
    const sleeps: number[] = [];
    const run = await rotate(['--profile', 'function-url', '--jwks-wait', '120'], (ms) => sleeps.push(ms));
    expect(run.code).toBe(0);
    expect(cloud.sequence().filter((a) => a.startsWith('apigateway.'))).toEqual([]);
    expect(cloud.sequence().filter((a) => a === 'scf.UpdateFunctionConfiguration')).toHaveLength(3);
    expect(sleeps).toEqual([120_000]);
    const s = await snapshot();
    expect(s.business).toHaveLength(2);
    expect(s.jwks).toHaveLength(2);
    expect(s.jwks[0]).not.toBe((await importSigningKey(env.OAUTH_PRIVATE_KEY!)).kid);
  });
});
