// Negative catalogue: private_key_jwt client assertions (RFC 7523) that another authorization server
// could replay here, or that are not client authentication JWTs at all.
import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../shared/http/scf.ts';
import { MemoryStore } from '../../shared/store/memory.ts';
import { tokenApp } from '../support/apps.ts';
import { form, ISSUER, runApp, testClients, testEnv } from '../support/fixtures.ts';
import { assertionParams, type JwtClient, makeJwtClient } from '../support/jwt-client.ts';

let client: JwtClient;
let app: App;

beforeAll(async () => {
  client = makeJwtClient('jwt-assertions');
  const clients = JSON.stringify([...testClients, client.entry]);
  app = await tokenApp(await testEnv({ OAUTH_CLIENTS: clients }), { store: new MemoryStore() });
});

async function authenticate(audience: unknown, header: Record<string, unknown> = {}, path = '/token') {
  const assertion = await client.assertion(ISSUER, { aud: audience }, header);
  const { res, log } = await runApp(
    app,
    form({ grant_type: 'client_credentials', ...assertionParams(assertion) }, {}, `${ISSUER}${path}`),
  );
  const body = (await res.json()) as { error?: string; access_token?: string };
  return { status: res.status, error: body.error, token: body.access_token, detail: log.detail };
}

describe('private_key_jwt assertions at /token', () => {
  it('control: an assertion for the issuer alone is accepted', async () => {
    expect((await authenticate(ISSUER)).status).toBe(200);
  });

  it.each([
    ['the token endpoint URL', `${ISSUER}/token`],
    ['an array that holds the issuer among other audiences', ['https://other-as.example', ISSUER]],
    ['an array of the issuer and the token endpoint URL', [ISSUER, `${ISSUER}/token`]],
    ['the issuer with a trailing slash', `${ISSUER}/`],
  ])('an assertion whose aud is %s is refused (audience injection)', async (_what, audience) => {
    const r = await authenticate(audience);
    expect({ status: r.status, error: r.error, token: r.token }).toEqual({
      status: 401,
      error: 'invalid_client',
      token: undefined,
    });
    expect(r.detail).toMatch(/aud/);
  });

  it.each(['JWT', 'at+jwt', 'application/jwt'])(
    'an assertion with the explicit typ %s is refused',
    async (typ) => {
      const r = await authenticate(ISSUER, { typ });
      expect({ status: r.status, error: r.error }).toEqual({ status: 401, error: 'invalid_client' });
      expect(r.detail).toMatch(/typ/);
    },
  );
});
