// A signing-key rotation end to end through the local gateway, each step a redeploy (the gateway and
// its functions restarted with the step's variables, at the step's time), with tokens in flight.
// The gateway holds one public key, so no token of the old key may outlive the switch time T.
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GeneratedKeys, generateSecret, generateSigningKeys } from '../../infra/keys/generate.ts';
import { planRotation, type RotationPlan } from '../../infra/keys/rotate.ts';
import { freePort } from '../../infra/net.ts';
import { importSigningKey } from '../../shared/jwt/keys.ts';
import { basic, CONFIDENTIAL_SECRET, testKeys } from '../support/fixtures.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { redisForFile } from '../support/redis.ts';

const TTL = 60;
const redis = redisForFile();

interface Issued {
  token: string;
  expiresIn: number;
  exp: number;
  kid: string;
}

function rotationScenario(storeName: 'memory' | 'redis') {
  let gw: TestGateway | undefined;
  let port: number;
  let base: Record<string, string>;
  let oldKeys: GeneratedKeys;
  let newKeys: GeneratedKeys;
  let plan: RotationPlan;
  let start: number;
  let T: number;
  const oldTokens: Issued[] = [];
  let revoked: string | undefined;

  beforeAll(async () => {
    port = await freePort();
    oldKeys = await testKeys();
    newKeys = await generateSigningKeys();
    start = Math.floor(Date.now() / 1000);
    // T leaves every token issued before step 1 its whole lifetime, plus a margin.
    T = start + TTL + 60;
    plan = planRotation(await importSigningKey(oldKeys.privatePem), newKeys, T);
    base = {
      OAUTH_ACCESS_TOKEN_TTL: String(TTL),
      OAUTH_SECRET: generateSecret(),
      OAUTH_STORE: storeName === 'redis' ? redis.url() : 'memory',
    };
  });
  afterAll(async () => {
    await gw?.close();
  });

  /** A redeploy: the old instances go, new ones start with `vars`, the clocks showing `at`. */
  async function deploy(vars: Record<string, string>, at: number) {
    await gw?.close();
    gw = await startTestGateway({ ...base, ...vars }, { port, at });
  }

  async function issue(): Promise<{ status: number; issued?: Issued; error?: string }> {
    const res = await fetch(`${gw!.url}/token`, {
      method: 'POST',
      headers: { authorization: basic('confidential', CONFIDENTIAL_SECRET) },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    const body = (await res.json()) as { access_token?: string; expires_in?: number; error?: string };
    if (!body.access_token) return { status: res.status, error: body.error! };
    const token = body.access_token;
    const issued = {
      token,
      expiresIn: body.expires_in!,
      exp: decodeJwt(token).exp!,
      kid: decodeProtectedHeader(token).kid!,
    };
    return { status: res.status, issued };
  }

  /** GET /work through the gateway: 200 only if the gateway and then the business function accept. */
  async function work(token: string) {
    const before = gw!.invocations.get('oauth-business') ?? 0;
    const res = await fetch(`${gw!.url}/work`, { headers: { authorization: `Bearer id_token="${token}"` } });
    const body = await res.text();
    const reachedBusiness = (gw!.invocations.get('oauth-business') ?? 0) > before;
    return { status: res.status, body, by: reachedBusiness ? 'business' : 'gateway' };
  }

  const jwksKids = async () =>
    (
      (await (await fetch(`${gw!.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }
    ).keys.map((k) => k.kid);

  it('step 0: before the rotation, tokens of the old key work', async () => {
    await deploy({}, start);
    const a = await issue();
    expect(a.issued?.kid).toBe(oldKeys.kid);
    oldTokens.push(a.issued!);
    expect(await work(a.issued!.token)).toEqual({ status: 200, body: 'hello world', by: 'business' });
    if (storeName === 'redis') {
      // With a shared store the business function refuses a revoked token: the denial must survive redeploys.
      const r = (await issue()).issued!;
      const res = await fetch(`${gw!.url}/revoke`, {
        method: 'POST',
        headers: { authorization: basic('confidential', CONFIDENTIAL_SECRET) },
        body: new URLSearchParams({ token: r.token }),
      });
      expect(res.status).toBe(200);
      revoked = r.token;
      expect(await work(revoked)).toMatchObject({ status: 401, by: 'business' });
    }
  });

  it('step 1: the next key is published, old tokens in flight still work at the gateway and the function', async () => {
    await deploy(plan.publish, start + 1);
    expect(await jwksKids()).toEqual([oldKeys.kid, newKeys.kid]);
    expect(await work(oldTokens[0]!.token)).toEqual({ status: 200, body: 'hello world', by: 'business' });
    const a = (await issue()).issued!;
    expect(a.kid).toBe(oldKeys.kid);
    oldTokens.push(a);
    if (revoked) expect(await work(revoked)).toMatchObject({ status: 401, by: 'business' });
  });

  it('step 1, later: tokens of the old key are cut to expire at T; earlier ones expire as issued', async () => {
    await deploy(plan.publish, T - 20);
    const a = (await issue()).issued!;
    expect(a.kid).toBe(oldKeys.kid);
    expect(a.exp).toBe(T);
    expect(a.expiresIn).toBeLessThanOrEqual(20);
    oldTokens.push(a);
    expect(await work(a.token)).toEqual({ status: 200, body: 'hello world', by: 'business' });
    // The first token's own lifetime is over: refused, and not because of the rotation.
    expect(await work(oldTokens[0]!.token)).toMatchObject({ status: 401, by: 'gateway' });
  });

  it('between the gateway switch and the token function switch: issuance pauses, nothing valid breaks', async () => {
    await deploy({ ...plan.publish, OAUTH_GATEWAY_PUBLIC_KEY: plan.switch.OAUTH_GATEWAY_PUBLIC_KEY! }, T);
    expect(await issue()).toEqual({ status: 503, error: 'temporarily_unavailable' });
    // No token of the old key outlives T, so the gateway's single key can change at T.
    for (const old of oldTokens) expect(old.exp).toBeLessThanOrEqual(T);
  });

  it('step 2, at T: the new key signs, the gateway and the function accept it, the old key is still listed', async () => {
    await deploy(plan.switch, T + 1);
    expect(await jwksKids()).toEqual([newKeys.kid, oldKeys.kid]);
    const b = (await issue()).issued!;
    expect(b.kid).toBe(newKeys.kid);
    expect(b.expiresIn).toBe(TTL);
    expect(await work(b.token)).toEqual({ status: 200, body: 'hello world', by: 'business' });
    const jwks = createRemoteJWKSet(new URL(`${gw!.url}/.well-known/jwks.json`));
    // This process runs on the real clock; verify as of just after the token was issued.
    const currentDate = new Date((b.exp - TTL + 1) * 1000);
    await expect(
      jwtVerify(b.token, jwks, { issuer: gw!.url, typ: 'at+jwt', currentDate }),
    ).resolves.toBeTruthy();
    for (const old of oldTokens) expect(await work(old.token)).toMatchObject({ status: 401, by: 'gateway' });
    if (revoked) expect(await work(revoked)).toMatchObject({ status: 401 });
  });

  it('step 3: the old key is retired everywhere; tokens of the new key keep working', async () => {
    const b = (await issue()).issued!;
    await deploy({ ...plan.switch, ...plan.retire }, T + 40);
    expect(await jwksKids()).toEqual([newKeys.kid]);
    expect(await work(b.token)).toEqual({ status: 200, body: 'hello world', by: 'business' });
  });
}

describe('key rotation through the local gateway, memory store', () => {
  rotationScenario('memory');
});

describe.skipIf(!redis.available)('key rotation through the local gateway, Redis store', () => {
  rotationScenario('redis');
});
