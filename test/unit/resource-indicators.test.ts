// RFC 8707 resource indicators at the authorization server: OAUTH_RESOURCES and a client's
// `resources`, `resource` at /authorize (bound to the code) and at /token for every grant, narrowing
// only, `aud` = the requested resource, `invalid_target` otherwise.
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { loadAuthorizeConfig } from '../../functions/authorize/config.ts';
import { loadTokenConfig } from '../../functions/token/config.ts';
import { ConfigError } from '../../shared/errors.ts';
import type { HttpResponse } from '../../shared/http/web.ts';
import {
  authorizeUrl,
  bodyOf,
  CONFIDENTIAL_REDIRECT,
  type FlowParams,
  type Harness,
  makeHarness,
  redeem,
  runAuthorization,
  standardParams,
  VERIFIER,
} from '../support/authorize-flow.ts';
import { AUDIENCE, testClients, testEnv } from '../support/fixtures.ts';
import {
  clientCredentials,
  LIMITED_CLIENT,
  MCP_RESOURCE,
  OTHER_RESOURCE,
  RESOURCES_ENV,
} from '../support/resources.ts';

const MCP = MCP_RESOURCE;
const REPORTS = OTHER_RESOURCE;
const LIMITED = LIMITED_CLIENT;

const harness = () => makeHarness(RESOURCES_ENV);
const audOf = async (res: HttpResponse) => {
  const body = await bodyOf(res);
  expect(res.status, JSON.stringify(body)).toBe(200);
  return decodeJwt(body.access_token as string).aud;
};
async function expectTarget(res: HttpResponse) {
  expect({ status: res.status, error: (await bodyOf(res)).error }).toEqual({
    status: 400,
    error: 'invalid_target',
  });
}
const pairs = (extra: [string, string][] = []): [string, string][] => [
  ...Object.entries(standardParams()),
  ...extra,
];
const codeFor = async (h: Harness, params: FlowParams) =>
  (await runAuthorization(h, params)).searchParams.get('code')!;
const exchange = (h: Harness, code: string, extra: [string, string][] = []) =>
  redeem(h, [
    ['grant_type', 'authorization_code'],
    ['code', code],
    ['redirect_uri', CONFIDENTIAL_REDIRECT],
    ['code_verifier', VERIFIER],
    ...extra,
  ]);

describe('client credentials with resource', () => {
  it('issues a token whose aud is the requested resource', async () => {
    const h = await harness();
    expect(await audOf(await clientCredentials(h, [['resource', MCP]]))).toBe(MCP);
  });

  it('issues one token for several resources (aud an array) when resource repeats', async () => {
    const h = await harness();
    expect(
      await audOf(
        await clientCredentials(h, [
          ['resource', MCP],
          ['resource', REPORTS],
        ]),
      ),
    ).toEqual([MCP, REPORTS]);
  });

  it('gives the default audience when no resource is named, as before', async () => {
    const h = await harness();
    expect(await audOf(await clientCredentials(h, []))).toBe(AUDIENCE);
  });

  it.each([
    ['a resource the server does not serve', 'https://elsewhere.example'],
    ['a resource with a fragment', `${MCP}#x`],
    ['a relative resource', '/mcp'],
  ])('answers invalid_target for %s', async (_name, resource) => {
    const h = await harness();
    await expectTarget(await clientCredentials(h, [['resource', resource]]));
  });

  it('holds a client to its own resources, and gives it its first when none is named', async () => {
    const h = await harness();
    await expectTarget(await clientCredentials(h, [['resource', REPORTS]], 'limited'));
    expect(await audOf(await clientCredentials(h, [['resource', MCP]], 'limited'))).toBe(MCP);
    expect(await audOf(await clientCredentials(h, [], 'limited'))).toBe(MCP);
  });
});

describe('authorization code and refresh with resource', () => {
  it('binds the resource to the code: the token is for it, with or without resource at /token', async () => {
    const h = await harness();
    expect(await audOf(await exchange(h, await codeFor(h, pairs([['resource', MCP]]))))).toBe(MCP);
    const again = await codeFor(h, pairs([['resource', MCP]]));
    expect(await audOf(await exchange(h, again, [['resource', MCP]]))).toBe(MCP);
  });

  it('lets the exchange narrow the resources of the code, never widen them', async () => {
    const h = await harness();
    const two = pairs([
      ['resource', MCP],
      ['resource', REPORTS],
    ]);
    expect(await audOf(await exchange(h, await codeFor(h, two), [['resource', REPORTS]]))).toBe(REPORTS);
    // Refused before the code is spent: the same code still works with a resource it was issued for.
    const code = await codeFor(h, pairs([['resource', MCP]]));
    await expectTarget(await exchange(h, code, [['resource', REPORTS]]));
    expect(await audOf(await exchange(h, code))).toBe(MCP);
  });

  it('holds a code issued with no resource to the default audience', async () => {
    const h = await harness();
    const code = await codeFor(h, pairs());
    await expectTarget(await exchange(h, code, [['resource', MCP]]));
    expect(await audOf(await exchange(h, code))).toBe(AUDIENCE);
  });

  it('keeps the grant whole across refreshes: each refresh may narrow, none may widen', async () => {
    const h = await harness();
    const two = pairs([
      ['resource', MCP],
      ['resource', REPORTS],
    ]);
    const first = await bodyOf(await exchange(h, await codeFor(h, two)));
    expect(decodeJwt(first.access_token as string).aud).toEqual([MCP, REPORTS]);
    const narrowed = await bodyOf(
      await redeem(h, [
        ['grant_type', 'refresh_token'],
        ['refresh_token', first.refresh_token as string],
        ['resource', MCP],
      ]),
    );
    expect(decodeJwt(narrowed.access_token as string).aud).toBe(MCP);
    // The next refresh token still holds both.
    const wide = await redeem(h, [
      ['grant_type', 'refresh_token'],
      ['refresh_token', narrowed.refresh_token as string],
      ['resource', REPORTS],
    ]);
    expect(await audOf(wide)).toBe(REPORTS);
    const code = await codeFor(h, pairs([['resource', MCP]]));
    const single = await bodyOf(await exchange(h, code));
    await expectTarget(
      await redeem(h, [
        ['grant_type', 'refresh_token'],
        ['refresh_token', single.refresh_token as string],
        ['resource', REPORTS],
      ]),
    );
  });
});

describe('/authorize with resource', () => {
  it.each([
    ['a resource the server does not serve', 'https://elsewhere.example'],
    ['a resource with a fragment', `${MCP}#frag`],
  ])('redirects back with invalid_target for %s', async (_name, resource) => {
    const h = await harness();
    const res = await h.authorize(new Request(authorizeUrl(pairs([['resource', resource]]))));
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_target');
    expect(location.searchParams.get('state')).toBe('xyz-state');
  });

  it('carries every resource through the sign-in and consent forms', async () => {
    const h = await harness();
    const res = await h.authorize(
      new Request(
        authorizeUrl(
          pairs([
            ['resource', MCP],
            ['resource', REPORTS],
          ]),
        ),
      ),
    );
    const html = await res.text();
    expect(html).toContain(`name="resource" value="${MCP}"`);
    expect(html).toContain(`name="resource" value="${REPORTS}"`);
  });
});

describe('configuration', () => {
  it('defaults OAUTH_RESOURCES to OAUTH_AUDIENCE for the token and authorize functions', async () => {
    const env = await testEnv();
    expect((await loadTokenConfig(env)).resources).toEqual([AUDIENCE]);
    expect((await loadAuthorizeConfig(env)).resources).toEqual([AUDIENCE]);
  });

  it.each([
    ['not JSON', 'nope', /OAUTH_RESOURCES must be a non-empty JSON array/],
    ['an empty array', '[]', /OAUTH_RESOURCES must be a non-empty JSON array/],
    ['a relative URI', JSON.stringify([AUDIENCE, '/mcp']), /OAUTH_RESOURCES\[1\] is not an absolute URI/],
    ['a fragment', JSON.stringify([AUDIENCE, `${MCP}#a`]), /OAUTH_RESOURCES\[1\] must not have a fragment/],
    ['no OAUTH_AUDIENCE', JSON.stringify([MCP]), /OAUTH_RESOURCES must include OAUTH_AUDIENCE/],
  ])('reports OAUTH_RESOURCES that is %s', async (_name, value, message) => {
    const env = await testEnv({ OAUTH_RESOURCES: value });
    await expect(loadTokenConfig(env)).rejects.toThrow(message);
  });

  it('reports a client whose resources are not among OAUTH_RESOURCES', async () => {
    const env = await testEnv({
      OAUTH_CLIENTS: JSON.stringify([...testClients, { ...LIMITED, resources: [REPORTS] }]),
    });
    await expect(loadTokenConfig(env)).rejects.toThrow(ConfigError);
    await expect(loadAuthorizeConfig(env)).rejects.toThrow(
      /client "limited" lists resource "https:\/\/reports.example", which OAUTH_RESOURCES does not/,
    );
    const bad = await testEnv({ OAUTH_CLIENTS: JSON.stringify([{ ...LIMITED, resources: 'x' }]) });
    await expect(loadTokenConfig(bad)).rejects.toThrow(
      /OAUTH_CLIENTS\[0\]\.resources must be a non-empty array/,
    );
  });
});
