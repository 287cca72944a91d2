// The resource-server kit under test: the protected handler users write (events: test/support/events.ts).
import type { IntegratedResponse } from '../../shared/resource-server/types.ts';

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
