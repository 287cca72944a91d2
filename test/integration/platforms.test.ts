// Every route through every platform's entry: SCF, AWS Lambda (REST payload 1.0, HTTP API payload
// 2.0, function URL), Alibaba Cloud FC 3.0 and fetch. Events are built on each platform's documented
// sample event and every answer is checked against the platform's response format
// (test/support/platforms.ts); the flows are the ones the gateway tests run.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { APP_STARTERS } from '../../infra/serve/apps.ts';
import { createEntries, type Entries } from '../../shared/http/entries.ts';
import { type LogSink, setLogSink } from '../../shared/log.ts';
import { basic, CONFIDENTIAL_SECRET, form, ISSUER, testEnv } from '../support/fixtures.ts';
import { exchangeCode, obtainCode, refreshWith } from '../support/http-flow.ts';
import { PLATFORMS, platformFetch, sendThrough } from '../support/platforms.ts';

let entries: Record<string, Entries>;
let restoreLog: LogSink;
beforeAll(async () => {
  restoreLog = setLogSink(() => {});
  const env = await testEnv();
  entries = Object.fromEntries(
    Object.entries(APP_STARTERS).map(([name, start]) => [name, createEntries(() => start(env))]),
  );
});
afterAll(async () => {
  setLogSink(restoreLog);
  for (const e of Object.values(entries ?? {})) await e.dispose();
});
afterEach(() => {
  vi.unstubAllGlobals();
});

const auth = basic('confidential', CONFIDENTIAL_SECRET);

describe.each(PLATFORMS)('through the %s entry', (platform) => {
  const send = (req: Request) => sendThrough(platform, entries, req);

  it('GET /.well-known/oauth-authorization-server and /.well-known/jwks.json', async () => {
    const meta = await send(new Request(`${ISSUER}/.well-known/oauth-authorization-server`));
    expect(meta.status).toBe(200);
    expect(((await meta.json()) as { issuer: string }).issuer).toBe(ISSUER);
    const jwks = await send(new Request(`${ISSUER}/.well-known/jwks.json`));
    expect(jwks.status).toBe(200);
    expect(((await jwks.json()) as { keys: unknown[] }).keys.length).toBeGreaterThan(0);
  });

  it('POST /token (client credentials), GET /work, POST /introspect, POST /revoke', async () => {
    const issued = await send(
      form({ grant_type: 'client_credentials', scope: 'read' }, { authorization: auth }),
    );
    expect(issued.status).toBe(200);
    expect(issued.headers.get('cache-control')).toBe('no-store');
    const { access_token } = (await issued.json()) as { access_token: string };

    const work = await send(
      new Request(`${ISSUER}/work`, { headers: { authorization: `Bearer ${access_token}` } }),
    );
    expect(work.status).toBe(200);
    expect(await work.text()).toBe('hello world');

    const introspected = await send(
      form({ token: access_token }, { authorization: auth }, `${ISSUER}/introspect`),
    );
    expect(introspected.status).toBe(200);
    expect(await introspected.json()).toMatchObject({ active: true, client_id: 'confidential' });

    const revoked = await send(form({ token: access_token }, { authorization: auth }, `${ISSUER}/revoke`));
    expect(revoked.status).toBe(200);
    const after = await send(form({ token: access_token }, { authorization: auth }, `${ISSUER}/introspect`));
    expect(await after.json()).toEqual({ active: false });
  });

  it('GET and POST /authorize (sign-in, session cookie, consent), then the code and refresh grants', async () => {
    vi.stubGlobal('fetch', platformFetch(platform, entries));
    const code = await obtainCode(ISSUER);
    const tokens = await exchangeCode(ISSUER, code);
    expect(tokens.status).toBe(200);
    expect(tokens.body.refresh_token).toBeTypeOf('string');
    const refreshed = await refreshWith(ISSUER, tokens.body.refresh_token!);
    expect(refreshed.status).toBe(200);
    // RFC 6749 §4.1.2: the code is single-use, whichever door it comes back through.
    expect((await exchangeCode(ISSUER, code)).body.error).toBe('invalid_grant');
  });

  it('answers refusals with their RFC errors, never a 5xx', async () => {
    const noClient = await send(form({ grant_type: 'client_credentials' }));
    expect(noClient.status).toBe(401);
    expect(((await noClient.json()) as { error: string }).error).toBe('invalid_client');
    const noToken = await send(new Request(`${ISSUER}/work`));
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const badClient = await send(new Request(`${ISSUER}/authorize?response_type=code&client_id=nobody`));
    expect(badClient.status).toBe(400);
    expect(badClient.headers.get('content-type')).toMatch(/^text\/html/);
    const wrongMethod = await send(new Request(`${ISSUER}/token`));
    expect(wrongMethod.status).toBe(405);
  });
});
