// Negative catalogue: what /introspect and /revoke tell a client about tokens that are not its own.
import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../shared/http/scf.ts';
import { MemoryStore } from '../../shared/store/memory.ts';
import { tokenApp } from '../support/apps.ts';
import {
  basic,
  CONFIDENTIAL_SECRET,
  form,
  ISSUER,
  POST_SECRET,
  runApp,
  testEnv,
} from '../support/fixtures.ts';

let app: App;
// `code-only` is a confidential client with no introspection flag; `poster` is a resource server.
const codeOnly = { authorization: basic('code-only', CONFIDENTIAL_SECRET) };
const confidential = { authorization: basic('confidential', CONFIDENTIAL_SECRET) };
const resourceServer = { client_id: 'poster', client_secret: POST_SECRET };

beforeAll(async () => {
  app = await tokenApp(await testEnv(), { store: new MemoryStore() });
});

async function post(path: string, body: Record<string, string>, headers: Record<string, string> = {}) {
  const { res } = await runApp(app, form(body, headers, `${ISSUER}${path}`));
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

async function confidentialToken(): Promise<string> {
  const r = await post('/token', { grant_type: 'client_credentials' }, confidential);
  return r.body!.access_token as string;
}

describe("introspection and revocation of another client's tokens", () => {
  it("a confidential client not registered for introspection learns nothing of another client's access token", async () => {
    const token = await confidentialToken();
    const r = await post('/introspect', { token }, codeOnly);
    expect(r).toEqual({ status: 200, body: { active: false } });
    // A resource server registered with introspection: true sees it; the owner sees its own.
    expect((await post('/introspect', { token, ...resourceServer })).body).toMatchObject({ active: true });
    expect((await post('/introspect', { token }, confidential)).body).toMatchObject({ active: true });
  });

  it("revoking another client's token answers 200 as for an invalid one, and revokes nothing", async () => {
    const token = await confidentialToken();
    const other = await post('/revoke', { token }, codeOnly);
    const invalid = await post('/revoke', { token: `${token.slice(0, -4)}AAAA` }, codeOnly);
    expect(other).toEqual(invalid);
    expect(other.status).toBe(200);
    expect((await post('/introspect', { token }, confidential)).body).toMatchObject({ active: true });
  });
});
