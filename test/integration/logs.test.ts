// One JSON line per request on stdout, with request id, route, status, latency, client id and error
// code — and never a secret, password, code, token or private key, whatever the flow.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveFunctionKeys } from '../../infra/keys/function-keys.ts';
import { importSigningKey } from '../../shared/jwt/keys.ts';
import type { RequestLogLine } from '../../shared/log.ts';
import { basic, CONFIDENTIAL_SECRET, POST_SECRET, TEST_USER, testKeys } from '../support/fixtures.ts';
import { rawRs256, standardClaims } from '../support/forge.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { exchangeCode, obtainCode, refreshWith, tokenRequest } from '../support/http-flow.ts';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw?.close());

type LogLine = RequestLogLine & { time: string };

describe('request logs', () => {
  it('record every flow without a secret, password, code, token or private key', async () => {
    const base = gw.url;
    const leaks: string[] = [
      CONFIDENTIAL_SECRET,
      POST_SECRET,
      TEST_USER.password,
      gw.env.OAUTH_SECRET!,
      ...Object.values(deriveFunctionKeys(gw.env)),
    ];
    // Fragments of the private key, in the forms it is configured in.
    const pem = Buffer.from(gw.env.OAUTH_PRIVATE_KEY!, 'base64').toString();
    leaks.push(gw.env.OAUTH_PRIVATE_KEY!.slice(200, 260), pem.split('\n')[5]!);

    const code = await obtainCode(base);
    leaks.push(code);
    const tokens = await exchangeCode(base, code);
    leaks.push(tokens.body.access_token!, tokens.body.refresh_token!);
    const refreshed = await refreshWith(base, tokens.body.refresh_token!);
    leaks.push(refreshed.body.access_token!, refreshed.body.refresh_token!);
    await refreshWith(base, tokens.body.refresh_token!); // reuse: revokes the family
    const replay = await exchangeCode(base, code);
    expect(replay.status).toBe(400);
    const machine = await tokenRequest(base, { grant_type: 'client_credentials' });
    leaks.push(machine.body.access_token!);
    await fetch(`${base}/work`, { headers: { authorization: `Bearer ${machine.body.access_token}` } });
    // Signed by our key for another audience: the gateway lets it through, the backend refuses it.
    const key = await importSigningKey((await testKeys()).privatePem);
    const foreignAudience = rawRs256(
      { alg: 'RS256', kid: key.kid },
      standardClaims(gw.env.OAUTH_ISSUER!, 'https://other-api.example'),
      key.privateKey,
    );
    leaks.push(foreignAudience);
    await fetch(`${base}/work`, { headers: { authorization: `Bearer ${foreignAudience}` } });
    await fetch(`${base}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basic('poster', 'wrong-secret-guess'),
      },
      body: `grant_type=client_credentials&client_secret=${POST_SECRET}`,
    });
    // A failed sign-in with a password typed into the wrong field.
    await fetch(`${base}/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: TEST_USER.password, password: TEST_USER.password }).toString(),
    });
    await new Promise((r) => setTimeout(r, 200)); // worker stdout is delivered asynchronously

    const lines = gw.output.map((l) => JSON.parse(l) as LogLine);
    expect(lines.length).toBeGreaterThanOrEqual(12);
    for (const line of lines) {
      expect(line).toMatchObject({
        time: expect.any(String),
        level: expect.stringMatching(/^(info|error)$/),
        request_id: expect.any(String),
        route: expect.any(String),
        status: expect.any(Number),
        latency_ms: expect.any(Number),
      });
    }
    const text = gw.output.join('\n');
    for (const secret of leaks) {
      expect(secret.length).toBeGreaterThan(10);
      expect(text.includes(secret), `a log line contains ${secret.slice(0, 6)}…`).toBe(false);
    }
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}/);
    expect(text).not.toMatch(/PRIVATE KEY/);

    const grants = lines.filter((l) => l.route === 'POST /token');
    expect(grants.some((l) => l.status === 200 && l.client_id === 'confidential')).toBe(true);
    expect(grants.some((l) => l.status === 400 && l.error === 'invalid_grant')).toBe(true);
    expect(grants.some((l) => l.status === 400 && l.error === 'invalid_request')).toBe(true);
    const work = lines.filter((l) => l.route === 'GET /work');
    expect(work.some((l) => l.status === 200 && l.client_id === 'confidential')).toBe(true);
    expect(work.some((l) => l.status === 401 && l.error === 'invalid_token')).toBe(true);
  });
});
