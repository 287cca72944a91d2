// The authorization code flow over HTTP against a running test gateway, as the test client and user.
import { FlowClient, type TokenAnswer } from '../../infra/soak/flows.ts';
import { CONFIDENTIAL_SECRET, TEST_USER } from './fixtures.ts';

export type { TokenAnswer };
export const HTTP_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
export const HTTP_REDIRECT = 'https://client.example/cb';

function client(base: string): FlowClient {
  return new FlowClient({
    base,
    clientId: 'confidential',
    clientSecret: CONFIDENTIAL_SECRET,
    redirectUri: HTTP_REDIRECT,
    username: TEST_USER.username,
    password: TEST_USER.password,
    verifier: HTTP_VERIFIER,
  });
}

/** Signs in as the test user (a fresh session) and allows: the code the redirect carries. */
export const obtainCode = (base: string, scope = 'read', extra: Record<string, string> = {}) =>
  client(base).obtainCode(scope, extra);
export const tokenRequest = (base: string, fields: Record<string, string>) => client(base).token(fields);
export const exchangeCode = (base: string, code: string) => client(base).exchangeCode(code);
export const refreshWith = (base: string, refreshToken: string) => client(base).refresh(refreshToken);
