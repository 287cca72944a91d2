// A realistic production environment for deploy checks: a real generated key, a client list of the size a
// small team registers, a password-protected Redis URL and issuer URLs of a deployed gateway.
import { randomBytes } from 'node:crypto';
import { TEST_CREDENTIALS } from './fake-tencent-cloud.ts';
import { testEnv } from './fixtures.ts';

const secret = () => randomBytes(32).toString('base64url');

export const REALISTIC_CLIENTS = [
  {
    client_id: 'web-portal',
    client_secret: secret(),
    redirect_uris: [
      'https://portal.example.com/oauth/callback',
      'https://staging.portal.example.com/oauth/callback',
    ],
    grant_types: ['authorization_code', 'refresh_token'],
    scope: 'read write profile',
    token_endpoint_auth_method: 'client_secret_basic',
  },
  {
    client_id: 'mobile-app',
    redirect_uris: ['http://127.0.0.1/callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    scope: 'read profile',
    token_endpoint_auth_method: 'none',
  },
  {
    client_id: 'billing-service',
    client_secret: secret(),
    grant_types: ['client_credentials'],
    scope: 'read',
    token_endpoint_auth_method: 'client_secret_post',
  },
  {
    client_id: 'reporting-job',
    client_secret: secret(),
    grant_types: ['client_credentials'],
    scope: 'read',
    token_endpoint_auth_method: 'client_secret_basic',
  },
];

export const DEPLOYED_ISSUER = 'https://service-abcd1234-1250000000.gz.apigw.tencentcs.com/release';
/** The existing API Gateway service the components profile reuses (the one DEPLOYED_ISSUER is on). */
export const DEPLOYED_SERVICE_ID = 'service-abcd1234';

export async function realisticDeployEnv(
  overrides: Record<string, string> = {},
): Promise<Record<string, string>> {
  return testEnv({
    // Deploy settings serverless.yml reads (no function receives them).
    TENCENTCLOUD_REGION: TEST_CREDENTIALS.region,
    TENCENTCLOUD_APIGW_SERVICE_ID: DEPLOYED_SERVICE_ID,
    OAUTH_ISSUER: DEPLOYED_ISSUER,
    OAUTH_AUDIENCE: `${DEPLOYED_ISSUER}/work`,
    OAUTH_CLIENTS: JSON.stringify(REALISTIC_CLIENTS),
    OAUTH_STORE: `rediss://default:${secret()}@crs-abcdefgh.sql.tencentcdb.com:6379/0`,
    // That Redis is not reachable from the tests: the business function, which asks it about revoked
    // tokens by default, would answer 503 to every token.
    OAUTH_CHECK_REVOCATION: 'false',
    OAUTH_USERS: JSON.stringify([
      {
        username: 'alice',
        password_hash: `scrypt$32768$8$1$${randomBytes(16).toString('base64url')}$${randomBytes(32).toString('base64url')}`,
        sub: 'user-alice',
      },
    ]),
    ...overrides,
  });
}

/** realisticDeployEnv with the credentials and region the fake Tencent Cloud accepts. */
export function fakeCloudDeployEnv(): Promise<Record<string, string>> {
  return realisticDeployEnv({
    TENCENTCLOUD_SECRET_ID: TEST_CREDENTIALS.secretId,
    TENCENTCLOUD_SECRET_KEY: TEST_CREDENTIALS.secretKey,
    TENCENTCLOUD_REGION: TEST_CREDENTIALS.region,
  });
}
