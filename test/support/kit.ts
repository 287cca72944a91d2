// The resource-server kit under test: API Gateway events for a protected handler, and the handler.
import type { IntegratedResponse } from '../../shared/resource-server/types.ts';

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

/** A business handler as users write it: answers `hello world` and who called. */
export async function helloHandler(
  _event: unknown,
  _context: unknown,
  auth: { sub: string; clientId: string; scopes: string[] },
): Promise<IntegratedResponse> {
  return {
    isBase64Encoded: false,
    statusCode: 200,
    headers: { 'content-type': 'text/plain', 'x-client-id': auth.clientId },
    body: 'hello world',
  };
}
