// The property every function must hold for any input: a well-formed integrated response, never a
// 500 or an escaped exception, and no secret in the body or the log.
import { expect } from 'vitest';
import type { IntegratedResponse } from '../../shared/http/scf.ts';

export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);

export async function assertWellFormed(
  handler: (event: unknown) => Promise<IntegratedResponse>,
  event: unknown,
  secrets: readonly string[],
  logs: string[],
): Promise<IntegratedResponse> {
  logs.length = 0;
  const out = await handler(event); // must not throw
  expect(Number.isInteger(out.statusCode)).toBe(true);
  expect(out.statusCode).toBeGreaterThanOrEqual(200);
  expect(out.statusCode).toBeLessThan(500);
  expect(typeof out.body).toBe('string');
  expect(typeof out.isBase64Encoded).toBe('boolean');
  for (const [name, value] of Object.entries(out.headers)) {
    expect(typeof value, name).toBe('string');
  }
  if ((out.headers['content-type'] ?? '').startsWith('application/json')) JSON.parse(out.body);
  const text = out.isBase64Encoded ? Buffer.from(out.body, 'base64').toString('latin1') : out.body;
  for (const secret of secrets) {
    expect(text.includes(secret)).toBe(false);
    for (const line of logs) expect(line.includes(secret)).toBe(false);
  }
  for (const line of logs) JSON.parse(line);
  return out;
}
