// Dynamic registration in tests: a harness whose functions share a Redis store (registration needs
// one), and POST /register as a client would send it.
import { type Harness, makeHarness } from './authorize-flow.ts';
import { ISSUER } from './fixtures.ts';
import type { FileRedis } from './redis.ts';

export const REGISTRATION_TOKEN = 'registration-token-0123456789abcdefghij';

export function registrationHarness(redis: FileRedis, env: Record<string, string> = {}): Promise<Harness> {
  // The functions' own key prefix, so the authorize function (which opens its own store) sees the same records.
  return makeHarness({ OAUTH_STORE: redis.url(), OAUTH_REGISTRATION: 'open', ...env }, (now) =>
    redis.store({ keyPrefix: 'oauth:', now }),
  );
}

export function register(
  h: Harness,
  metadata: unknown,
  headers: Record<string, string> = {},
  ip = '192.0.2.1',
) {
  return h.token(
    new Request(`${ISSUER}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test-source-ip': ip, ...headers },
      body: typeof metadata === 'string' ? metadata : JSON.stringify(metadata),
    }),
  );
}
