// The authorization code flow over HTTP against a running gateway, as a browser would post the forms.
import { computeS256Challenge } from '../../shared/pkce.ts';
import { CONFIDENTIAL_SECRET, TEST_USER } from './fixtures.ts';

export const HTTP_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
export const HTTP_REDIRECT = 'https://client.example/cb';
const BASIC = `Basic ${Buffer.from(`confidential:${CONFIDENTIAL_SECRET}`).toString('base64')}`;

function hidden(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    out[m[1]!] = m[2]!
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
  }
  return out;
}

/** Signs in as the test user and allows: the code the redirect carries. */
export async function obtainCode(base: string, scope = 'read'): Promise<string> {
  let cookie = '';
  const go = async (url: string, init: RequestInit = {}) => {
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers ?? {}), cookie },
    });
    const set = res.headers.get('set-cookie');
    if (set) cookie = set.split(';', 1)[0]!;
    return res;
  };
  const post = (fields: Record<string, string>) =>
    go(`${base}/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: 'confidential',
    redirect_uri: HTTP_REDIRECT,
    scope,
    state: 's',
    code_challenge: computeS256Challenge(HTTP_VERIFIER),
    code_challenge_method: 'S256',
  });
  const login = await go(`${base}/authorize?${query}`);
  const signedIn = await post({
    ...hidden(await login.text()),
    username: TEST_USER.username,
    password: TEST_USER.password,
  });
  if (signedIn.status !== 303) throw new Error(`sign-in answered ${signedIn.status}`);
  const consent = await go(new URL(signedIn.headers.get('location')!, base).toString());
  const decided = await post({ ...hidden(await consent.text()), decision: 'allow' });
  const code = new URL(decided.headers.get('location')!).searchParams.get('code');
  if (!code) throw new Error(`no code in ${decided.headers.get('location')}`);
  return code;
}

export interface TokenAnswer {
  status: number;
  body: { access_token?: string; refresh_token?: string; error?: string };
}

export async function tokenRequest(base: string, fields: Record<string, string>): Promise<TokenAnswer> {
  const res = await fetch(`${base}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: BASIC },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, body: (await res.json()) as TokenAnswer['body'] };
}

export const exchangeCode = (base: string, code: string) =>
  tokenRequest(base, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: HTTP_REDIRECT,
    code_verifier: HTTP_VERIFIER,
  });

export const refreshWith = (base: string, refreshToken: string) =>
  tokenRequest(base, { grant_type: 'refresh_token', refresh_token: refreshToken });
