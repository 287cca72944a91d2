// Independent clients against the local gateway: oauth4webapi, openid-client and jose, each used as a
// standard client or resource server would use it, with nothing adapted to this server.
import { createRemoteJWKSet, importJWK, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIDENTIAL_SECRET, POST_SECRET, testClients } from '../support/fixtures.ts';
import {
  discover,
  expectListedEndpointsAnswer,
  insecure,
  startTestGateway,
  type TestGateway,
} from '../support/gateway.ts';
import { exchangeCode, obtainCode } from '../support/http-flow.ts';
import { type JwtClient, makeJwtClient } from '../support/jwt-client.ts';

let gw: TestGateway;
let as: oauth.AuthorizationServer;
let jwtClient: JwtClient;

beforeAll(async () => {
  jwtClient = makeJwtClient('jwt-service');
  gw = await startTestGateway({ OAUTH_CLIENTS: JSON.stringify([...testClients, jwtClient.entry]) });
  as = await discover(gw.url);
});
afterAll(async () => {
  await gw?.close();
});

const confidential: oauth.Client = { client_id: 'confidential' };
const basicAuth = () => oauth.ClientSecretBasic(CONFIDENTIAL_SECRET);

async function clientCredentials(c: oauth.Client, auth: oauth.ClientAuth, scope = 'read') {
  const response = await oauth.clientCredentialsGrantRequest(
    as,
    c,
    auth,
    new URLSearchParams({ scope }),
    insecure,
  );
  return oauth.processClientCredentialsResponse(as, c, response);
}

async function privateKeyJwt(): Promise<oauth.ClientAuth> {
  const jwk = jwtClient.privateKey.export({ format: 'jwk' });
  const key = (await importJWK({ ...jwk, alg: 'ES256' }, 'ES256')) as oauth.CryptoKey;
  return oauth.PrivateKeyJwt({ key, kid: jwtClient.publicJwk.kid! });
}

describe('RFC 8414 metadata', () => {
  it('advertises what is served', () => {
    expect(as).toMatchObject({
      issuer: gw.url,
      token_endpoint: `${gw.url}/token`,
      jwks_uri: `${gw.url}/.well-known/jwks.json`,
      authorization_endpoint: `${gw.url}/authorize`,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
      scopes_supported: ['read', 'write'],
      access_token_signing_alg_values_supported: ['RS256'],
      introspection_endpoint: `${gw.url}/introspect`,
      revocation_endpoint: `${gw.url}/revoke`,
      token_endpoint_auth_methods_supported: expect.arrayContaining([
        'client_secret_basic',
        'client_secret_post',
        'private_key_jwt',
      ]),
      token_endpoint_auth_signing_alg_values_supported: ['RS256', 'PS256', 'ES256'],
      introspection_endpoint_auth_methods_supported: expect.not.arrayContaining(['none']),
      revocation_endpoint_auth_methods_supported: expect.arrayContaining(['none', 'private_key_jwt']),
    });
  });

  it('every endpoint and URI it lists answers through the gateway (none is a route the gateway lacks)', async () => {
    const listed = Object.entries(as).filter(([name]) => name.endsWith('_endpoint') || name.endsWith('_uri'));
    expect(listed.map(([name]) => name).sort()).toEqual([
      'authorization_endpoint',
      'introspection_endpoint',
      'jwks_uri',
      'revocation_endpoint',
      'token_endpoint',
    ]);
    await expectListedEndpointsAnswer(gw.url, listed, new Set(['authorization_endpoint', 'jwks_uri']));
  });
});

describe('oauth4webapi', () => {
  it('validates an issued access token as a resource server would (RFC 9068)', async () => {
    const { access_token } = await clientCredentials(confidential, basicAuth());
    const request = new Request(`${gw.url}/work`, { headers: { authorization: `Bearer ${access_token}` } });
    const claims = await oauth.validateJwtAccessToken(as, request, gw.env.OAUTH_AUDIENCE!, insecure);
    expect(claims).toMatchObject({
      iss: gw.url,
      client_id: 'confidential',
      sub: 'confidential',
      scope: 'read',
    });
  });

  it('introspects a live token and an unknown one', async () => {
    const { access_token } = await clientCredentials(confidential, basicAuth());
    const live = await oauth.processIntrospectionResponse(
      as,
      { client_id: 'poster' },
      await oauth.introspectionRequest(
        as,
        { client_id: 'poster' },
        oauth.ClientSecretPost(POST_SECRET),
        access_token,
        insecure,
      ),
    );
    expect(live).toMatchObject({
      active: true,
      client_id: 'confidential',
      token_type: 'Bearer',
      iss: gw.url,
    });
    const unknown = await oauth.processIntrospectionResponse(
      as,
      confidential,
      await oauth.introspectionRequest(as, confidential, basicAuth(), 'no-such-token', insecure),
    );
    expect(unknown).toEqual({ active: false });
  });

  it('revokes a token: introspection reports it inactive afterwards', async () => {
    const { access_token } = await clientCredentials(confidential, basicAuth());
    const response = await oauth.revocationRequest(as, confidential, basicAuth(), access_token, insecure);
    await oauth.processRevocationResponse(response);
    const after = await oauth.processIntrospectionResponse(
      as,
      confidential,
      await oauth.introspectionRequest(as, confidential, basicAuth(), access_token, insecure),
    );
    expect(after.active).toBe(false);
  });

  it('authenticates with PrivateKeyJwt at the token, introspection and revocation endpoints', async () => {
    const c: oauth.Client = { client_id: jwtClient.clientId };
    const { access_token } = await clientCredentials(c, await privateKeyJwt());
    const introspected = await oauth.processIntrospectionResponse(
      as,
      c,
      await oauth.introspectionRequest(as, c, await privateKeyJwt(), access_token, insecure),
    );
    expect(introspected).toMatchObject({ active: true, client_id: jwtClient.clientId });
    await oauth.processRevocationResponse(
      await oauth.revocationRequest(as, c, await privateKeyJwt(), access_token, insecure),
    );
  });
});

/** openid-client's configuration for the confidential test client, discovered over http loopback. */
function discoverConfidential() {
  return client.discovery(
    new URL(gw.url),
    'confidential',
    undefined,
    client.ClientSecretBasic(CONFIDENTIAL_SECRET),
    { algorithm: 'oauth2', execute: [client.allowInsecureRequests] },
  );
}

describe('openid-client', () => {
  it('discovers the server over http loopback and runs client_credentials, introspection and revocation', async () => {
    const config = await discoverConfidential();
    const tokens = await client.clientCredentialsGrant(config, { scope: 'write' });
    expect(tokens.scope).toBe('write');
    expect((await client.tokenIntrospection(config, tokens.access_token)).active).toBe(true);
    await client.tokenRevocation(config, tokens.access_token);
    expect((await client.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
  });
});

describe('openid-client, refresh', () => {
  it('refreshes a grant from the authorization code flow, and the rotated token is then inactive', async () => {
    const config = await discoverConfidential();
    const first = await exchangeCode(gw.url, await obtainCode(gw.url, 'read write'));
    expect(first.status).toBe(200);
    const refreshToken = first.body.refresh_token!;
    const refreshed = await client.refreshTokenGrant(config, refreshToken, { scope: 'read' });
    expect(refreshed.scope).toBe('read');
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(refreshToken);
    expect(await client.tokenIntrospection(config, refreshToken)).toEqual({ active: false });
    expect(await client.tokenIntrospection(config, refreshed.refresh_token!)).toMatchObject({
      active: true,
      client_id: 'confidential',
      scope: 'read write',
    });
    // Revoking the refresh token ends the grant (RFC 7009 §2.1).
    await client.tokenRevocation(config, refreshed.refresh_token!);
    await expect(client.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });
});

describe('jose createRemoteJWKSet', () => {
  it('verifies issued tokens with the keys from the JWKS endpoint', async () => {
    const jwks = createRemoteJWKSet(new URL(as.jwks_uri!));
    const { access_token } = await clientCredentials(confidential, basicAuth());
    const { payload, protectedHeader } = await jwtVerify(access_token, jwks, {
      issuer: gw.url,
      audience: gw.env.OAUTH_AUDIENCE!,
      typ: 'at+jwt',
      algorithms: ['RS256'],
    });
    expect(protectedHeader.kid).toBeTruthy();
    expect(payload.client_id).toBe('confidential');
  });
});
