// Each platform adapter's event parsing under random input, through the token function (the most
// routes and request bodies): never a 5xx for a malformed event, never an escaped exception, no
// secret in a body or a log line. SCF's adapter has its own fuzz tests (token, authorize, business).
import { describe, expect, it } from 'vitest';
import { CONTRACT_ROUTES } from '../../infra/serverless/check.ts';
import { createEntries, type Entries } from '../../shared/http/entries.ts';
import { assertWellFormed, FUZZ_RUNS, fuzz, fuzzedTokenFunction } from '../support/fuzz.ts';
import { fcEvents, fetchRequests, lambdaEvents } from '../support/platform-arbitraries.ts';

// The token function's routes (the interface contract).
const PATHS = [...new Set(CONTRACT_ROUTES.filter((r) => r.fn === 'token').map((r) => r.path))];

async function setUp(): Promise<{ entries: Entries; secrets: string[]; credentials: string[] }> {
  const { app, secrets, credentials } = await fuzzedTokenFunction();
  return { entries: createEntries(async () => app), secrets, credentials };
}

describe('platform adapters under random events', () => {
  it(`AWS Lambda handler: ${FUZZ_RUNS} generated events, well-formed answers`, async () => {
    const { entries, secrets, credentials } = await setUp();
    await fuzz(lambdaEvents(PATHS, credentials), async (event, logs) => {
      const out = await assertWellFormed(entries.handler, event, secrets, logs);
      const cookies = (out as { cookies?: unknown }).cookies;
      if (cookies !== undefined) expect(Array.isArray(cookies)).toBe(true);
    });
  }, 300_000);

  it(`Alibaba Cloud FC fcHandler: ${FUZZ_RUNS} generated events, well-formed answers`, async () => {
    const { entries, secrets, credentials } = await setUp();
    await fuzz(fcEvents(PATHS, credentials), async (event, logs) => {
      await assertWellFormed(entries.fcHandler, event, secrets, logs);
    });
  }, 300_000);

  it(`fetch: ${FUZZ_RUNS} generated requests, never a 5xx`, async () => {
    const { entries, secrets, credentials } = await setUp();
    let served = 0;
    await fuzz(fetchRequests(PATHS, credentials), async (request, logs) => {
      served++;
      logs.length = 0;
      const res = await entries.fetch(request);
      expect(res.status).toBeGreaterThanOrEqual(200);
      expect(res.status).toBeLessThan(500);
      const text = await res.text();
      if ((res.headers.get('content-type') ?? '').startsWith('application/json')) JSON.parse(text);
      for (const secret of secrets) {
        expect(text.includes(secret)).toBe(false);
        for (const line of logs) expect(line.includes(secret)).toBe(false);
      }
    });
    expect(served).toBe(FUZZ_RUNS);
  }, 300_000);
});
