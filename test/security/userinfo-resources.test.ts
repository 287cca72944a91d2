// Negative catalogue: UserInfo is the authorization server's own resource, OAUTH_AUDIENCE. A token
// issued for, or narrowed to, another resource of OAUTH_RESOURCES (RFC 8707) is not for it.
import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Harness, makeHarness, routeRequest, VERIFIER } from '../support/authorize-flow.ts';
import { AUDIENCE, ISSUER, TEST_USER } from '../support/fixtures.ts';
import {
  oidcOverrides,
  RP_ID,
  RP_REDIRECT,
  rpAuthorizeUrl,
  rpTokenRequest,
  SignInAgent,
} from '../support/oidc.ts';
import { MCP_RESOURCE } from '../support/resources.ts';

let h: Harness;

beforeAll(async () => {
  h = await makeHarness(await oidcOverrides({ OAUTH_RESOURCES: JSON.stringify([AUDIENCE, MCP_RESOURCE]) }));
});

const route = (req: Request) => routeRequest(h, req);

/** Signs in with `resource` once per entry, and exchanges the code (resource narrowing it, if given). */
async function tokensFor(resources: string[], exchangeResource?: string) {
  const url = new URL(rpAuthorizeUrl({ scope: 'openid profile email offline_access' }));
  for (const resource of resources) url.searchParams.append('resource', resource);
  const back = await new SignInAgent(ISSUER, route).authorize(url.toString(), TEST_USER);
  const res = await rpTokenRequest(h.token, {
    grant_type: 'authorization_code',
    code: back.searchParams.get('code')!,
    redirect_uri: RP_REDIRECT,
    code_verifier: VERIFIER,
    ...(exchangeResource ? { resource: exchangeResource } : {}),
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

async function userinfo(accessToken: string) {
  const res = await h.token(
    new Request(`${ISSUER}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } }),
  );
  const body = (await res.json()) as Record<string, unknown>;
  return { status: res.status, error: body.error, email: body.email };
}

describe('UserInfo refuses a token for another resource (RFC 8707)', () => {
  it('a token issued for another resource only is invalid_token at UserInfo', async () => {
    const tokens = await tokensFor([MCP_RESOURCE]);
    expect(decodeJwt(tokens.access_token!).aud).toBe(MCP_RESOURCE);
    // The ID token is still the client's: the resource names the access token's audience only.
    expect(decodeJwt(tokens.id_token!).aud).toBe(RP_ID);
    expect(await userinfo(tokens.access_token!)).toEqual({
      status: 401,
      error: 'invalid_token',
      email: undefined,
    });
  });

  it('a token narrowed to another resource at the code exchange is invalid_token at UserInfo', async () => {
    const both = await tokensFor([AUDIENCE, MCP_RESOURCE]);
    // Control: the token for both resources includes OAUTH_AUDIENCE and is accepted.
    expect(decodeJwt(both.access_token!).aud).toEqual([AUDIENCE, MCP_RESOURCE]);
    expect((await userinfo(both.access_token!)).status).toBe(200);
    const narrowed = await tokensFor([AUDIENCE, MCP_RESOURCE], MCP_RESOURCE);
    expect(await userinfo(narrowed.access_token!)).toEqual({
      status: 401,
      error: 'invalid_token',
      email: undefined,
    });
  });

  it('a refresh narrowed to another resource is invalid_token at UserInfo; narrowed to the audience, accepted', async () => {
    const first = await tokensFor([AUDIENCE, MCP_RESOURCE]);
    const mcp = await rpTokenRequest(h.token, {
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token!,
      resource: MCP_RESOURCE,
    });
    expect(mcp.status).toBe(200);
    expect((await userinfo(mcp.body.access_token!)).status).toBe(401);
    const own = await rpTokenRequest(h.token, {
      grant_type: 'refresh_token',
      refresh_token: mcp.body.refresh_token!,
      resource: AUDIENCE,
    });
    expect(own.status).toBe(200);
    expect(decodeJwt(own.body.access_token!).aud).toBe(AUDIENCE);
    expect(await userinfo(own.body.access_token!)).toMatchObject({ status: 200, email: expect.any(String) });
  });
});
