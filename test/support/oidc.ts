// OpenID Connect fixtures: a relying party registered for openid/profile/email, a user with standard
// claims, and a browser-like agent that follows the sign-in pages over HTTP, keeping its cookie.
import { setCookiePair } from '../../shared/http/cookies.ts';
import { hashPassword } from '../../shared/password.ts';
import { CHALLENGE, hiddenFieldPairsOf, hiddenFieldsOf } from './authorize-flow.ts';
import { basic, CONFIDENTIAL_SECRET, ISSUER, TEST_USER, testClients } from './fixtures.ts';

export const RP_ID = 'oidc-rp';
export const RP_SECRET = CONFIDENTIAL_SECRET;
export const RP_REDIRECT = 'https://rp.example/cb';
export const RP_LOGOUT_REDIRECT = 'https://rp.example/signed-out';
export const PUBLIC_RP_ID = 'oidc-public';
export const PUBLIC_RP_REDIRECT = 'http://127.0.0.1/oidc-cb';

export const oidcClients = [
  ...testClients,
  {
    client_id: RP_ID,
    client_secret: RP_SECRET,
    redirect_uris: [RP_REDIRECT],
    post_logout_redirect_uris: [RP_LOGOUT_REDIRECT],
    grant_types: ['authorization_code', 'refresh_token'],
    scope: 'openid profile email offline_access read',
    token_endpoint_auth_method: 'client_secret_basic',
  },
  {
    client_id: PUBLIC_RP_ID,
    redirect_uris: [PUBLIC_RP_REDIRECT],
    grant_types: ['authorization_code', 'refresh_token'],
    scope: 'openid profile email',
    token_endpoint_auth_method: 'none',
  },
];

/** The test user's standard claims (OIDC Core §5.1), as OAUTH_USERS carries them. */
export const ALICE_CLAIMS = {
  name: 'Alice Liddell',
  given_name: 'Alice',
  family_name: 'Liddell',
  locale: 'zh-CN',
  zoneinfo: 'Asia/Shanghai',
  updated_at: 1_700_000_000,
  email: 'alice@example.com',
  email_verified: true,
} as const;

export const BOB = { username: 'bob', password: 'bob-test-password-42', sub: 'user-bob' } as const;

let cachedUsers: Promise<string> | undefined;

/** OAUTH_USERS with alice (claims) and bob (none). */
export function oidcUsersJson(): Promise<string> {
  cachedUsers ??= Promise.all([hashPassword(TEST_USER.password), hashPassword(BOB.password)]).then(
    ([alice, bob]) =>
      JSON.stringify([
        { username: TEST_USER.username, password_hash: alice, sub: TEST_USER.sub, ...ALICE_CLAIMS },
        { username: BOB.username, password_hash: bob, sub: BOB.sub },
      ]),
  );
  return cachedUsers;
}

export async function oidcOverrides(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  return { OAUTH_CLIENTS: JSON.stringify(oidcClients), OAUTH_USERS: await oidcUsersJson(), ...extra };
}

/** The hidden fields of a page's form. */
export const hiddenFields = hiddenFieldsOf;

export type Fetch = (req: Request) => Promise<{
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}>;

/** What the agent saw last: a page (status, HTML) or a redirect away from the server. */
export interface Stop {
  status: number;
  html?: string;
  location?: URL;
}

/**
 * A browser over HTTP: one cookie, forms posted as a person would post them. `fetchFn` is the
 * network (`fetch` against a gateway) or an in-process app.
 */
export class SignInAgent {
  cookie = '';
  /** Every page status and kind seen, for assertions on what the person was shown. */
  readonly seen: string[] = [];

  constructor(
    readonly base: string,
    private readonly fetchFn: Fetch,
    private readonly headers: Record<string, string> = {},
  ) {}

  async request(url: string, init: RequestInit = {}): Promise<Stop> {
    const res = await this.fetchFn(
      new Request(url, {
        ...init,
        redirect: 'manual',
        headers: {
          ...this.headers,
          ...(init.headers as Record<string, string>),
          ...(this.cookie ? { cookie: this.cookie } : {}),
        },
      }),
    );
    const set = res.headers.get('set-cookie');
    if (set) this.cookie = setCookiePair(set);
    const location = res.headers.get('location');
    const html = await res.text();
    if (location) return { status: res.status, location: new URL(location, this.base) };
    return { status: res.status, html };
  }

  post(path: string, fields: Record<string, string> | [string, string][]): Promise<Stop> {
    return this.request(`${this.base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }

  /** Follows redirects that stay on the server; stops at a page or at a redirect leaving it. */
  async follow(stop: Stop): Promise<Stop> {
    let current = stop;
    while (current.location && current.location.origin === new URL(this.base).origin) {
      current = await this.request(current.location.href);
    }
    return current;
  }

  /**
   * Runs an authorization request to its end: signs in when the login page shows, answers the consent
   * page with `decision`. Returns the redirect to the client.
   */
  async authorize(
    url: string,
    user: { username: string; password: string },
    decision: 'allow' | 'deny' = 'allow',
  ): Promise<URL> {
    let stop = await this.follow(await this.request(url));
    if (stop.html?.includes('name="password"')) {
      this.seen.push('login');
      stop = await this.follow(
        // The page's hidden fields in order, repeats (RFC 8707 `resource`) kept.
        await this.post('/authorize', [
          ...hiddenFieldPairsOf(stop.html),
          ['username', user.username],
          ['password', user.password],
        ]),
      );
    }
    if (stop.html?.includes('name="decision"')) {
      this.seen.push('consent');
      stop = await this.post('/authorize', [...hiddenFieldPairsOf(stop.html), ['decision', decision]]);
    }
    if (!stop.location)
      throw new Error(`the authorization ended on a page (${stop.status}): ${stop.html?.slice(0, 300)}`);
    return stop.location;
  }
}

/** An authorization request of the relying party (openid, PKCE with the harness's verifier). */
export function rpAuthorizeUrl(extra: Record<string, string> = {}, issuer = ISSUER): string {
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: RP_ID,
    redirect_uri: RP_REDIRECT,
    scope: 'openid',
    state: 'st',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    ...extra,
  });
  return `${issuer}/authorize?${params}`;
}

/** A token request of the relying party (client_secret_basic) to an in-process token app. */
export async function rpTokenRequest(
  token: (req: Request) => Promise<{ status: number; json(): Promise<unknown> }>,
  fields: Record<string, string>,
): Promise<{ status: number; body: Record<string, string> }> {
  const res = await token(
    new Request(`${ISSUER}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basic(RP_ID, RP_SECRET),
      },
      body: new URLSearchParams(fields).toString(),
    }),
  );
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}
