// Negative catalogue: RFC 8707 resource indicators abused — a token for a resource the client may not
// have, a grant widened at the token endpoint, a token for one resource presented at another.
import { decodeJwt } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import type { HttpResponse } from '../../shared/http/web.ts';
import { setLogSink } from '../../shared/log.ts';
import { protect } from '../../shared/resource-server/index.ts';
import {
  authorizeUrl,
  bodyOf,
  CONFIDENTIAL_REDIRECT,
  FIXED_NOW,
  type Harness,
  makeHarness,
  redeem,
  runAuthorization,
  standardParams,
  VERIFIER,
} from '../support/authorize-flow.ts';
import { ISSUER, testKeys } from '../support/fixtures.ts';
import { gatewayEvent, helloHandler } from '../support/kit.ts';
import { clientCredentials, MCP_RESOURCE, OTHER_RESOURCE, RESOURCES_ENV } from '../support/resources.ts';

const MCP = MCP_RESOURCE;
const ADMIN = OTHER_RESOURCE;
const harness = () => makeHarness(RESOURCES_ENV);

async function refusedAsTarget(res: HttpResponse) {
  const body = await bodyOf(res);
  expect({ status: res.status, error: body.error }).toEqual({ status: 400, error: 'invalid_target' });
  expect(body.access_token).toBeUndefined();
}

async function codeWith(h: Harness, resource: string): Promise<string> {
  const location = await runAuthorization(h, [...Object.entries(standardParams()), ['resource', resource]]);
  return location.searchParams.get('code')!;
}

describe('resource indicators (RFC 8707)', () => {
  it('a client limited to one resource asking for another gets no token', async () => {
    await refusedAsTarget(await clientCredentials(await harness(), [['resource', ADMIN]], 'limited'));
  });

  it('a permitted resource beside a forbidden one gets no token for either', async () => {
    await refusedAsTarget(
      await clientCredentials(
        await harness(),
        [
          ['resource', MCP],
          ['resource', ADMIN],
        ],
        'limited',
      ),
    );
  });

  it('a code issued for one resource exchanged for another is refused and not spent', async () => {
    const h = await harness();
    const code = await codeWith(h, MCP);
    const exchange = (resource?: string) =>
      redeem(h, [
        ['grant_type', 'authorization_code'],
        ['code', code],
        ['redirect_uri', CONFIDENTIAL_REDIRECT],
        ['code_verifier', VERIFIER],
        ...(resource ? [['resource', resource] as [string, string]] : []),
      ]);
    await refusedAsTarget(await exchange(ADMIN));
    expect(decodeJwt((await bodyOf(await exchange())).access_token as string).aud).toBe(MCP);
  });

  it('a refresh token of a grant for one resource cannot get a token for another', async () => {
    const h = await harness();
    const code = await codeWith(h, MCP);
    const tokens = await bodyOf(
      await redeem(h, [
        ['grant_type', 'authorization_code'],
        ['code', code],
        ['redirect_uri', CONFIDENTIAL_REDIRECT],
        ['code_verifier', VERIFIER],
      ]),
    );
    await refusedAsTarget(
      await redeem(h, [
        ['grant_type', 'refresh_token'],
        ['refresh_token', tokens.refresh_token as string],
        ['resource', ADMIN],
      ]),
    );
  });

  it('an authorization request for an unknown resource is sent back with invalid_target, no code', async () => {
    const h = await harness();
    const res = await h.authorize(
      new Request(authorizeUrl([...Object.entries(standardParams()), ['resource', 'https://evil.example/']])),
    );
    const location = new URL(res.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_target');
    expect(location.searchParams.get('code')).toBeNull();
  });

  it('a token issued for one resource is refused by a protected handler of another', async () => {
    const h = await harness();
    const res = await clientCredentials(h, [['resource', MCP]]);
    const token = (await bodyOf(res)).access_token as string;
    const publicKeys = (await testKeys()).publicPem;
    // The kit reads the real clock: it shows the harness's fixed time the token was issued at.
    vi.useFakeTimers({ toFake: ['Date'], now: FIXED_NOW });
    const admin = protect({ issuer: ISSUER, audience: ADMIN, publicKeys }, helloHandler);
    const restore = setLogSink(() => {});
    const answer = await admin(gatewayEvent(ADMIN, { authorization: `Bearer ${token}` }), {}).finally(() =>
      setLogSink(restore),
    );
    expect(answer.statusCode).toBe(401);
    const mcp = protect({ issuer: ISSUER, audience: MCP, publicKeys }, helloHandler);
    try {
      expect((await mcp(gatewayEvent(MCP, { authorization: `Bearer ${token}` }), {})).statusCode).toBe(200);
    } finally {
      vi.useRealTimers();
    }
  });
});
