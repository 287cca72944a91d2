// A scripted OAuth client speaking HTTP to a running gateway: the authorization code flow with the
// sign-in and consent forms (keeping its session cookie, as a browser would), the grants and /work.
import { setCookiePair } from '../../shared/http/cookies.ts';
import { computeS256Challenge } from '../../shared/pkce.ts';

export interface FlowClientOptions {
  base: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  username: string;
  password: string;
  /** A fixed PKCE verifier (43+ characters of the unreserved set). */
  verifier: string;
}

export interface TokenAnswer {
  status: number;
  body: { access_token?: string; refresh_token?: string; error?: string; [name: string]: unknown };
}

function hiddenFields(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    out[m[1]!] = m[2]!
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
  }
  return out;
}

export class FlowClient {
  private cookie = '';
  private readonly basic: string;
  private readonly challenge: string;

  constructor(private readonly options: FlowClientOptions) {
    this.basic = `Basic ${Buffer.from(`${options.clientId}:${options.clientSecret}`).toString('base64')}`;
    this.challenge = computeS256Challenge(options.verifier);
  }

  private async browse(url: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: {
        ...(init.headers as Record<string, string>),
        ...(this.cookie ? { cookie: this.cookie } : {}),
      },
    });
    const set = res.headers.get('set-cookie');
    if (set) this.cookie = setCookiePair(set);
    return res;
  }

  private postForm(fields: Record<string, string>): Promise<Response> {
    return this.browse(`${this.options.base}/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }

  /** Signs in if the session has not yet, allows, and returns the code the redirect carries. */
  async obtainCode(scope = 'read', extra: Record<string, string> = {}): Promise<string> {
    const { base } = this.options;
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: this.options.clientId,
      redirect_uri: this.options.redirectUri,
      scope,
      state: 's',
      code_challenge: this.challenge,
      code_challenge_method: 'S256',
      ...extra,
    });
    let page = await this.browse(`${base}/authorize?${query}`);
    // Signed in and consented earlier in this session: the code comes straight back (single sign-on).
    const direct = page.headers.get('location');
    if (direct) {
      await page.arrayBuffer();
      const code = new URL(direct).searchParams.get('code');
      if (!code) throw new Error(`authorize answered ${page.status} without a code`);
      return code;
    }
    let html = await page.text();
    if (html.includes('name="password"')) {
      const signedIn = await this.postForm({
        ...hiddenFields(html),
        username: this.options.username,
        password: this.options.password,
      });
      if (signedIn.status !== 303) throw new Error(`sign-in answered ${signedIn.status}`);
      await signedIn.arrayBuffer();
      page = await this.browse(new URL(signedIn.headers.get('location')!, base).toString());
      html = await page.text();
    }
    const decided = await this.postForm({ ...hiddenFields(html), decision: 'allow' });
    await decided.arrayBuffer();
    const location = decided.headers.get('location');
    const code = location ? new URL(location).searchParams.get('code') : null;
    if (!code) throw new Error(`consent answered ${decided.status} without a code`);
    return code;
  }

  async token(fields: Record<string, string>): Promise<TokenAnswer> {
    const res = await fetch(`${this.options.base}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: this.basic },
      body: new URLSearchParams(fields).toString(),
    });
    return { status: res.status, body: (await res.json()) as TokenAnswer['body'] };
  }

  exchangeCode(code: string): Promise<TokenAnswer> {
    return this.token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: this.options.redirectUri,
      code_verifier: this.options.verifier,
    });
  }

  refresh(refreshToken: string): Promise<TokenAnswer> {
    return this.token({ grant_type: 'refresh_token', refresh_token: refreshToken });
  }

  async work(accessToken: string): Promise<{ status: number; text: string }> {
    const res = await fetch(`${this.options.base}/work`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    return { status: res.status, text: await res.text() };
  }
}
