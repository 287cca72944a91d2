// API Gateway trigger events, the one way tests make them: recorded ones (test/fixtures/events) with
// placeholders filled in, and the event of a request to a URL.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function loadEvent(name: string, fill: Record<string, string> = {}): Record<string, unknown> {
  let text = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'events', `${name}.json`), 'utf8');
  for (const [placeholder, value] of Object.entries(fill))
    text = text.replaceAll(placeholder, value.replace(/"/g, '\\"'));
  return JSON.parse(text) as Record<string, unknown>;
}

/** The API Gateway trigger event of a request to `url` (SCF doc 583/12513). */
export function gatewayEvent(
  url: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Record<string, unknown> {
  const u = new URL(url);
  return {
    httpMethod: method,
    path: u.pathname,
    headers: { host: u.host, ...(u.protocol === 'http:' ? { 'x-forwarded-proto': 'http' } : {}), ...headers },
    queryString: Object.fromEntries(u.searchParams),
    body: null,
    isBase64Encoded: false,
    requestContext: { requestId: 'kit-test', path: '/', httpMethod: method, stage: 'release' },
  };
}
