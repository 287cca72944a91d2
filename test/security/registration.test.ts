// Negative catalogue: hostile dynamic registrations (RFC 7591) — redirect URIs that would make an open
// redirector or leak codes, grants and methods beyond the code flow, scope escalation, oversize and
// malformed bodies, a missing or wrong registration token, and registration floods.
import { beforeAll, describe, expect, it } from 'vitest';
import { bodyOf, type Harness } from '../support/authorize-flow.ts';
import { CONFIDENTIAL_SECRET, ISSUER } from '../support/fixtures.ts';
import { redisForFile } from '../support/redis.ts';
import { REGISTRATION_TOKEN, register, registrationHarness } from '../support/registration.ts';

const redis = redisForFile();
const OK = { redirect_uris: ['https://app.example/cb'], token_endpoint_auth_method: 'none' };

describe.skipIf(!redis.available)('hostile registrations', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await registrationHarness(redis, { OAUTH_REGISTRATION_RATE_LIMIT: '1000' });
  });

  it.each([
    ['http on a non-loopback host', 'http://app.example/cb'],
    ['a javascript: URI', 'javascript:alert(1)'],
    ['a custom scheme', 'com.example.app:/cb'],
    ['a fragment', 'https://app.example/cb#frag'],
    ['a relative URI', '/cb'],
  ])('refuses a redirect URI with %s: invalid_redirect_uri', async (_, uri) => {
    const res = await register(h, { ...OK, redirect_uris: [uri] });
    expect(res.status).toBe(400);
    expect((await bodyOf(res)).error).toBe('invalid_redirect_uri');
  });

  it.each([
    ['client_credentials', { grant_types: ['client_credentials'] }],
    ['the implicit response type', { response_types: ['token'] }],
    [
      'private_key_jwt with a jwks_uri',
      { token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://app.example/jwks' },
    ],
    ['a scope not offered here', { scope: 'read admin' }],
    ['a non-string client_name', { client_name: { html: '<script>' } }],
  ])('refuses %s: invalid_client_metadata', async (_, extra) => {
    const res = await register(h, { ...OK, ...extra });
    expect(res.status).toBe(400);
    expect((await bodyOf(res)).error).toBe('invalid_client_metadata');
  });

  it('never lets a registration choose its client_id (no shadowing of a configured client)', async () => {
    const res = await register(h, { ...OK, client_id: 'confidential' });
    expect(res.status).toBe(201);
    expect((await bodyOf(res)).client_id).not.toBe('confidential');
  });

  it("ignores introspection: true in a registration: the client cannot read other clients' tokens (RFC 7662 §4)", async () => {
    const res = await register(h, {
      ...OK,
      token_endpoint_auth_method: 'client_secret_basic',
      introspection: true,
    });
    expect(res.status).toBe(201);
    const reg = await bodyOf(res);
    expect(reg.introspection).toBeUndefined();
    const basic = (id: string, secret: string) =>
      `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const issued = await bodyOf(
      await h.token(
        new Request(`${ISSUER}/token`, {
          method: 'POST',
          headers: { ...form, authorization: basic('confidential', CONFIDENTIAL_SECRET) },
          body: 'grant_type=client_credentials',
        }),
      ),
    );
    expect(typeof issued.access_token).toBe('string');
    const answer = await h.token(
      new Request(`${ISSUER}/introspect`, {
        method: 'POST',
        headers: { ...form, authorization: basic(reg.client_id as string, reg.client_secret as string) },
        body: `token=${issued.access_token as string}`,
      }),
    );
    expect(answer.status).toBe(200);
    expect(await bodyOf(answer)).toEqual({ active: false });
  });

  it('refuses a body over 16 KB, a body that is not JSON, and another media type', async () => {
    const big = await register(h, { ...OK, client_name: 'x'.repeat(20_000) });
    expect(big.status).toBe(413);
    const notJson = await register(h, '{"redirect_uris":');
    expect((await bodyOf(notJson)).error).toBe('invalid_client_metadata');
    const form = await register(h, 'redirect_uris=https://app.example/cb', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(415);
  });

  it('with OAUTH_REGISTRATION=token, refuses a missing or wrong bearer token with 401', async () => {
    const guarded = await registrationHarness(redis, {
      OAUTH_REGISTRATION: 'token',
      OAUTH_REGISTRATION_TOKEN: REGISTRATION_TOKEN,
    });
    const missing = await register(guarded, OK);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer /);
    const wrong = await register(guarded, OK, { authorization: `Bearer ${REGISTRATION_TOKEN}x` });
    expect(wrong.status).toBe(401);
    expect((await bodyOf(wrong)).error).toBe('invalid_token');
    expect(JSON.stringify(await bodyOf(missing))).not.toContain(REGISTRATION_TOKEN);
  });

  it('limits registrations per address: a flood gets 429 with Retry-After, other addresses go on', async () => {
    const limited = await registrationHarness(redis, { OAUTH_REGISTRATION_RATE_LIMIT: '3' });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await register(limited, OK, {}, '198.51.100.77')).status);
    expect(statuses).toEqual([201, 201, 201, 429, 429]);
    const last = await register(limited, OK, {}, '198.51.100.77');
    expect(last.headers.get('retry-after')).toBe('3600');
    expect((await register(limited, OK, {}, '198.51.100.78')).status).toBe(201);
  });
});
