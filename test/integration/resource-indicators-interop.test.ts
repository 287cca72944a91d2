// RFC 8707 with an independent client: oauth4webapi sends `resource` (as MCP clients must, in both
// the authorization and the token request) and gets a token bound to that resource, which the
// resource-server kit accepts — with keys fetched from the issuer — and the business API refuses.
import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../infra/net.ts';
import { createVerifier, OAuthError, protect } from '../../shared/resource-server/index.ts';
import { gatewayEvent } from '../support/events.ts';
import { CONFIDENTIAL_SECRET } from '../support/fixtures.ts';
import { discover, insecure, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { HTTP_REDIRECT, HTTP_VERIFIER, obtainCode } from '../support/http-flow.ts';
import { helloHandler } from '../support/kit.ts';

const MCP = 'https://mcp.example/mcp';
let gw: TestGateway;
let as: oauth.AuthorizationServer;
const client: oauth.Client = { client_id: 'confidential' };
const clientAuth = oauth.ClientSecretBasic(CONFIDENTIAL_SECRET);

beforeAll(async () => {
  // The gateway's own audience (its /work URL) and the MCP server are both resources of this server.
  const port = await freePort();
  const audience = `http://127.0.0.1:${port}/work`;
  gw = await startTestGateway({ OAUTH_RESOURCES: JSON.stringify([audience, MCP]) }, { port });
  as = await discover(gw.url);
}, 60_000);
afterAll(() => gw?.close());

async function work(token: string): Promise<number> {
  return (await fetch(`${gw.url}/work`, { headers: { authorization: `Bearer ${token}` } })).status;
}

describe('oauth4webapi with resource', () => {
  it('client credentials: the token is for the MCP resource, which the kit accepts and /work refuses', async () => {
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      clientAuth,
      new URLSearchParams({ scope: 'read', resource: MCP }),
      insecure,
    );
    const tokens = await oauth.processClientCredentialsResponse(as, client, response);
    expect(decodeJwt(tokens.access_token).aud).toBe(MCP);
    const verify = createVerifier({ issuer: gw.url, audience: MCP, scopes: ['read'] });
    expect((await verify(tokens.access_token)).client_id).toBe('confidential');
    // Audience-bound: the business API (another resource) refuses it.
    expect(await work(tokens.access_token)).toBe(401);
  });

  it('authorization code: resource in both requests, the kit-protected handler answers', async () => {
    const code = await obtainCode(gw.url, 'read', { resource: MCP });
    const callback = new URL(HTTP_REDIRECT);
    callback.search = new URLSearchParams({ code, state: 's', iss: gw.url }).toString();
    const params = oauth.validateAuthResponse(as, client, callback, 's');
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      clientAuth,
      params,
      HTTP_REDIRECT,
      HTTP_VERIFIER,
      { ...insecure, additionalParameters: { resource: MCP } },
    );
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
    expect(decodeJwt(tokens.access_token).aud).toBe(MCP);
    const main = protect({ issuer: gw.url, audience: MCP }, helloHandler);
    const answer = await main(gatewayEvent(MCP, { authorization: `Bearer ${tokens.access_token}` }), {});
    expect(answer).toMatchObject({ statusCode: 200, body: 'hello world' });
    expect(await work(tokens.access_token)).toBe(401);

    // The refresh may not widen the grant to the business API's audience.
    const refused = await oauth.refreshTokenGrantRequest(as, client, clientAuth, tokens.refresh_token!, {
      ...insecure,
      additionalParameters: { resource: `${gw.url}/work` },
    });
    await expect(oauth.processRefreshTokenResponse(as, client, refused)).rejects.toMatchObject({
      error: 'invalid_target',
    });
  });

  it('the kit refuses a token for the default audience', async () => {
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      clientAuth,
      new URLSearchParams({ scope: 'read' }),
      insecure,
    );
    const tokens = await oauth.processClientCredentialsResponse(as, client, response);
    const verify = createVerifier({ issuer: gw.url, audience: MCP });
    await expect(verify(tokens.access_token)).rejects.toBeInstanceOf(OAuthError);
    expect(await work(tokens.access_token)).toBe(200);
  });
});
