// RFC 7591 dynamic registration against a real redis-server: off by default, open or with a token,
// a registered public client and a confidential one through the whole code flow, the metadata
// document advertising it, and an unused registration forgotten.
import { describe, expect, it } from 'vitest';
import {
  bodyOf,
  CHALLENGE,
  type Harness,
  makeHarness,
  runAuthorization,
  VERIFIER,
} from '../support/authorize-flow.ts';
import { ISSUER } from '../support/fixtures.ts';
import { redisForFile } from '../support/redis.ts';
import { registrationHarness as harness, REGISTRATION_TOKEN, register } from '../support/registration.ts';

const redis = redisForFile();
const metadataOf = async (h: Harness) =>
  bodyOf(await h.token(new Request(`${ISSUER}/.well-known/oauth-authorization-server`)));

function tokenRequest(h: Harness, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return h.token(
    new Request(`${ISSUER}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    }),
  );
}

function codeParams(clientId: string, redirectUri: string) {
  return {
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    state: 'st',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
  };
}

describe.skipIf(!redis.available)('dynamic client registration (RFC 7591)', { timeout: 60_000 }, () => {
  it('is off by default: 404, and absent from the metadata', async () => {
    const h = await makeHarness();
    expect((await register(h, { redirect_uris: ['https://app.example/cb'] })).status).toBe(404);
    expect(await metadataOf(h)).not.toHaveProperty('registration_endpoint');
  });

  it('refuses to start with a memory store, and a token mode without its token', async () => {
    await expect(makeHarness({ OAUTH_REGISTRATION: 'open' })).rejects.toThrow(
      /OAUTH_REGISTRATION needs OAUTH_STORE/,
    );
    await expect(makeHarness({ OAUTH_STORE: redis.url(), OAUTH_REGISTRATION: 'token' })).rejects.toThrow(
      /OAUTH_REGISTRATION=token needs OAUTH_REGISTRATION_TOKEN/,
    );
  });

  it('registers a public client that completes the code flow with PKCE and refresh', async () => {
    const h = await harness(redis);
    const metadata = await metadataOf(h);
    expect(metadata.registration_endpoint).toBe(`${ISSUER}/register`);
    expect(metadata.token_endpoint_auth_methods_supported).toContain('none');
    const res = await register(h, {
      redirect_uris: ['http://127.0.0.1:33418/callback'],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      client_name: 'Editor',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const client = await bodyOf(res);
    expect(client).toMatchObject({
      redirect_uris: ['http://127.0.0.1:33418/callback'],
      token_endpoint_auth_method: 'none',
      client_name: 'Editor',
      response_types: ['code'],
    });
    expect(client.client_id_issued_at).toBeTypeOf('number');
    expect(client).not.toHaveProperty('client_secret');
    const back = await runAuthorization(
      h,
      codeParams(client.client_id as string, 'http://127.0.0.1:33418/callback'),
    );
    const tokens = await tokenRequest(h, {
      grant_type: 'authorization_code',
      client_id: client.client_id as string,
      code: back.searchParams.get('code')!,
      redirect_uri: 'http://127.0.0.1:33418/callback',
      code_verifier: VERIFIER,
    });
    const body = await bodyOf(tokens);
    expect(tokens.status).toBe(200);
    const refreshed = await tokenRequest(h, {
      grant_type: 'refresh_token',
      client_id: client.client_id as string,
      refresh_token: body.refresh_token as string,
    });
    expect(refreshed.status).toBe(200);
  });

  it('registers a confidential client with a secret shown once, used with client_secret_basic', async () => {
    const h = await harness(redis);
    const res = await register(h, { redirect_uris: ['https://app.example/cb'] });
    const client = await bodyOf(res);
    expect(res.status).toBe(201);
    expect(client).toMatchObject({
      token_endpoint_auth_method: 'client_secret_basic',
      client_secret_expires_at: 0,
    });
    expect(client.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const back = await runAuthorization(h, codeParams(client.client_id as string, 'https://app.example/cb'));
    const basic = `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`;
    const tokens = await tokenRequest(
      h,
      {
        grant_type: 'authorization_code',
        code: back.searchParams.get('code')!,
        redirect_uri: 'https://app.example/cb',
        code_verifier: VERIFIER,
      },
      { authorization: basic },
    );
    expect(tokens.status).toBe(200);
  });

  it('with OAUTH_REGISTRATION=token, registers only with the bearer token', async () => {
    const h = await harness(redis, {
      OAUTH_REGISTRATION: 'token',
      OAUTH_REGISTRATION_TOKEN: REGISTRATION_TOKEN,
    });
    const good = await register(
      h,
      { redirect_uris: ['https://app.example/cb'] },
      { authorization: `Bearer ${REGISTRATION_TOKEN}` },
    );
    expect(good.status).toBe(201);
  });

  it('pushes back the expiry of a registered client each day it is used; an unused one expires', async () => {
    const h = await harness(redis, { OAUTH_REGISTRATION_UNUSED_DAYS: '3' });
    const client = await bodyOf(
      await register(h, { redirect_uris: ['https://app.example/cb'], token_endpoint_auth_method: 'none' }),
    );
    const expiry = async () => JSON.parse((await h.store.get(`client:${client.client_id}`))!).expires_at;
    const registered = Math.floor(h.clock.now / 1000);
    expect(await expiry()).toBe(registered + 3 * 86_400);
    h.clock.now += 2 * 86_400_000;
    const page = await h.authorize(
      new Request(
        `${ISSUER}/authorize?${new URLSearchParams(codeParams(client.client_id as string, 'https://app.example/cb'))}`,
      ),
    );
    expect(page.status).toBe(200);
    expect(await expiry()).toBe(registered + 5 * 86_400);
  });
});
