// Test fixtures: keys and environments made fresh in test setup (no key material in the repository).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  type GeneratedKeys,
  generateSecret,
  generateSigningKeys,
  keyEnvLines,
} from '../../infra/keys/generate.ts';
import { hashPassword } from '../../shared/password.ts';

export const CONFIDENTIAL_SECRET = 'confidential-client-secret-0123456789';
export const POST_SECRET = 'post-client-secret-0123456789abcdef';

let cachedKeys: Promise<GeneratedKeys> | undefined;

/** One RSA key per test file (generation costs ~50 ms). */
export function testKeys(): Promise<GeneratedKeys> {
  cachedKeys ??= generateSigningKeys();
  return cachedKeys;
}

export const testClients = [
  {
    client_id: 'confidential',
    client_secret: CONFIDENTIAL_SECRET,
    redirect_uris: ['https://client.example/cb'],
    grant_types: ['client_credentials', 'authorization_code', 'refresh_token'],
    scope: 'read write',
    token_endpoint_auth_method: 'client_secret_basic',
  },
  {
    client_id: 'poster',
    client_secret: POST_SECRET,
    grant_types: ['client_credentials'],
    scope: 'read',
    token_endpoint_auth_method: 'client_secret_post',
    // A resource server: it may introspect any access token (RFC 7662 §4).
    introspection: true,
  },
  {
    client_id: 'public-app',
    redirect_uris: ['http://127.0.0.1/cb'],
    grant_types: ['authorization_code', 'refresh_token'],
    scope: 'read',
    token_endpoint_auth_method: 'none',
  },
  {
    client_id: 'code-only',
    client_secret: CONFIDENTIAL_SECRET,
    redirect_uris: ['https://code.example/cb'],
    grant_types: ['authorization_code'],
    scope: 'read',
    token_endpoint_auth_method: 'client_secret_basic',
  },
];

/** The resource owner of the tests; the password is made up here, never a real one. */
export const TEST_USER = {
  username: 'alice',
  password: 'alice-test-password-42',
  sub: 'user-alice',
} as const;

let cachedUsers: Promise<string> | undefined;

/** OAUTH_USERS for the tests (one scrypt hash per test file). */
export function testUsersJson(): Promise<string> {
  cachedUsers ??= hashPassword(TEST_USER.password).then((hash) =>
    JSON.stringify([{ username: TEST_USER.username, password_hash: hash, sub: TEST_USER.sub }]),
  );
  return cachedUsers;
}

export const ISSUER = 'https://auth.example';
export const AUDIENCE = 'https://api.example/work';

/** A complete environment for every function. */
export async function testEnv(overrides: Record<string, string> = {}): Promise<Record<string, string>> {
  const keys = await testKeys();
  return {
    OAUTH_ISSUER: ISSUER,
    OAUTH_AUDIENCE: AUDIENCE,
    ...keyEnvLines(keys),
    OAUTH_SECRET: generateSecret(),
    OAUTH_CLIENTS: JSON.stringify(testClients),
    OAUTH_USERS: await testUsersJson(),
    OAUTH_STORE: 'memory',
    ...overrides,
  };
}

/** An RSA key that is not ours, for forgery tests. */
export function foreignKeyPair(bits = 2048) {
  return generateKeyPairSync('rsa', { modulusLength: bits });
}

export function randomId(): string {
  return randomBytes(8).toString('hex');
}

/**
 * Runs an app as the platform entries' error boundary would: thrown OAuthErrors become their responses.
 * The caller's address, as a gateway passes it in requestContext.sourceIp, is an `x-test-source-ip` header.
 */
export async function runApp(
  app: import('../../shared/http/scf.ts').App,
  req: Request,
): Promise<{
  res: import('../../shared/http/web.ts').HttpResponse;
  log: import('../../shared/log.ts').RequestLog;
}> {
  const { renderError } = await import('../../shared/http/scf.ts');
  const ctx: import('../../shared/http/app.ts').RequestContext = {
    requestId: 'test',
    route: `${req.method} ${new URL(req.url).pathname}`,
    log: {},
  };
  const sourceIp = req.headers.get('x-test-source-ip');
  if (sourceIp !== null) ctx.sourceIp = sourceIp;
  try {
    return { res: await app(req, ctx), log: ctx.log };
  } catch (error) {
    return { res: renderError(error, ctx), log: ctx.log };
  }
}

export function basic(id: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}

export function form(
  body: Record<string, string> | string,
  headers: Record<string, string> = {},
  url = `${ISSUER}/token`,
) {
  return new Request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: typeof body === 'string' ? body : new URLSearchParams(body).toString(),
  });
}
