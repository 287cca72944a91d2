// The development environment `npm start` makes up when nothing is configured: a fresh key and secret,
// a demo client and a demo user. For development only: every value changes at each start.
import { randomBytes } from 'node:crypto';
import { hashPassword } from '../../shared/password.ts';
import { generateSecret, generateSigningKeys, keyEnvLines } from '../keys/generate.ts';

export interface DevEnvironment {
  env: Record<string, string>;
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
  redirectUri: string;
}

export const DEV_CLIENT_ID = 'demo-client';
export const DEV_PUBLIC_CLIENT_ID = 'demo-public';
export const DEV_USERNAME = 'demo';
export const DEV_SIGNED_OUT_URI = 'http://127.0.0.1:9000/signed-out';

export async function makeDevEnvironment(port: number): Promise<DevEnvironment> {
  const issuer = `http://127.0.0.1:${port}`;
  const keys = await generateSigningKeys();
  const clientSecret = randomBytes(24).toString('base64url');
  const password = randomBytes(12).toString('base64url');
  const redirectUri = 'http://127.0.0.1:9000/callback';
  const clients = [
    {
      client_id: DEV_CLIENT_ID,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ['client_credentials', 'authorization_code', 'refresh_token'],
      scope: 'read write',
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      // A public client (a native or browser app): no secret, PKCE and rotating refresh tokens; an
      // OpenID Connect relying party too (docs/openid-connect.md).
      client_id: DEV_PUBLIC_CLIENT_ID,
      redirect_uris: [redirectUri],
      post_logout_redirect_uris: [DEV_SIGNED_OUT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'read write openid profile email offline_access',
      token_endpoint_auth_method: 'none',
    },
  ];
  const users = [
    {
      username: DEV_USERNAME,
      password_hash: await hashPassword(password),
      sub: 'user-demo',
      name: 'Demo User',
      email: 'demo@example.com',
      email_verified: true,
    },
  ];
  return {
    env: {
      OAUTH_ISSUER: issuer,
      OAUTH_AUDIENCE: `${issuer}/work`,
      ...keyEnvLines(keys),
      OAUTH_SECRET: generateSecret(),
      OAUTH_CLIENTS: JSON.stringify(clients),
      OAUTH_USERS: JSON.stringify(users),
      OAUTH_STORE: 'memory',
    },
    clientId: DEV_CLIENT_ID,
    clientSecret,
    username: DEV_USERNAME,
    password,
    redirectUri,
  };
}
