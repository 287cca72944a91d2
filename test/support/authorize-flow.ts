// Drives the authorize and token apps in-process (no gateway) with a fixed clock: the login and
// consent forms are posted like a browser would, following the cookie and the CSRF token.
import { setCookiePair } from '../../shared/http/cookies.ts';
import type { App, RequestContext } from '../../shared/http/scf.ts';
import type { HttpResponse } from '../../shared/http/web.ts';
import { computeS256Challenge } from '../../shared/pkce.ts';
import { MemoryStore } from '../../shared/store/memory.ts';
import type { Store } from '../../shared/store/store.ts';
import { authorizeApp, tokenApp } from './apps.ts';
import { basic, CONFIDENTIAL_SECRET, ISSUER, runApp, TEST_USER, testEnv } from './fixtures.ts';

export const FIXED_NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
export const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
export const CHALLENGE = computeS256Challenge(VERIFIER);
export const CONFIDENTIAL_REDIRECT = 'https://client.example/cb';
export const PUBLIC_REDIRECT = 'http://127.0.0.1/cb';

export interface Harness {
  clock: { now: number };
  authorize: (req: Request) => Promise<HttpResponse>;
  token: (req: Request) => Promise<HttpResponse>;
  store: Store;
  env: Record<string, string>;
}

export async function makeHarness(
  overrides: Record<string, string> = {},
  makeStore?: (now: () => number) => Store,
): Promise<Harness> {
  const clock = { now: FIXED_NOW };
  const now = () => clock.now;
  const env = await testEnv(overrides);
  const storeInUse = makeStore ? makeStore(now) : new MemoryStore({ now });
  // The store reads its epoch (a Redis server's start) once per connection, in the harness clock:
  // read it now, before tests move the fixed clock, as a real clock and a real uptime move together.
  await storeInUse.epoch().catch(() => undefined);
  return {
    clock,
    env,
    store: storeInUse,
    authorize: wrap(await authorizeApp(env, { now })),
    token: wrap(await tokenApp(env, { now, store: storeInUse })),
  };
}

export function ctx(): RequestContext {
  return { requestId: 'test', route: 'test', log: {} };
}

/**
 * A request to the harness's functions, routed as the gateway routes it: /authorize and /logout to the
 * authorize function, every other path to the token function.
 */
export function routeRequest(h: Harness, req: Request): Promise<HttpResponse> {
  const path = new URL(req.url).pathname;
  return path === '/authorize' || path === '/logout' ? h.authorize(req) : h.token(req);
}

/** An app as a function of the request alone, called through the error boundary (runApp). */
export function wrap(app: App): (req: Request) => Promise<HttpResponse> {
  return async (req) => (await runApp(app, req)).res;
}

/** Parameters as a record, or as name/value pairs when one repeats (RFC 8707 `resource`). */
export type FlowParams = Record<string, string> | [string, string][];

export function authorizeUrl(params: FlowParams): string {
  return `${ISSUER}/authorize?${new URLSearchParams(params).toString()}`;
}

export function standardParams(extra: Record<string, string> = {}): Record<string, string> {
  return {
    response_type: 'code',
    client_id: 'confidential',
    redirect_uri: CONFIDENTIAL_REDIRECT,
    scope: 'read',
    state: 'xyz-state',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    ...extra,
  };
}

export function cookieOf(res: HttpResponse): string | undefined {
  const set = res.headers.get('set-cookie');
  return set === null ? undefined : setCookiePair(set);
}

export function csrfOf(html: string): string {
  const match = /name="csrf_token" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no csrf_token in the page');
  return match[1]!;
}

/** The hidden fields of the page's form. */
export function hiddenFieldsOf(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    out[m[1]!] = m[2]!
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  }
  return out;
}

/** The hidden fields of the page's form, in order, repeats kept. */
export function hiddenFieldPairsOf(html: string): [string, string][] {
  return [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [
    m[1]!,
    hiddenFieldsOf(m[0])[m[1]!]!,
  ]);
}

export function postForm(url: string, fields: FlowParams, cookie?: string): Request {
  return new Request(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(cookie ? { cookie } : {}),
    },
    body: new URLSearchParams(fields).toString(),
  });
}

/** GET /authorize → login (as `user`, by default the test user) → consent → the redirect to the client (its Location URL). */
export async function runAuthorization(
  h: Harness,
  params: FlowParams,
  decision: 'allow' | 'deny' = 'allow',
  user: { username: string; password: string } = TEST_USER,
): Promise<URL> {
  const loggedIn = await postLogin(h, params, user.username, user.password);
  if (loggedIn.status !== 303) throw new Error(`login answered ${loggedIn.status}`);
  const session = cookieOf(loggedIn)!;
  const consent = await h.authorize(
    new Request(new URL(loggedIn.headers.get('location')!, ISSUER), { headers: { cookie: session } }),
  );
  const consentHtml = await consent.text();
  const decided = await h.authorize(
    postForm(`${ISSUER}/authorize`, [...hiddenFieldPairsOf(consentHtml), ['decision', decision]], session),
  );
  if (decided.status !== 303) throw new Error(`consent answered ${decided.status}`);
  return new URL(decided.headers.get('location')!);
}

export async function redeem(h: Harness, fields: FlowParams, withBasic = true): Promise<HttpResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (withBasic) headers.authorization = basic('confidential', CONFIDENTIAL_SECRET);
  return h.token(
    new Request(`${ISSUER}/token`, { method: 'POST', headers, body: new URLSearchParams(fields).toString() }),
  );
}

export async function bodyOf(res: HttpResponse): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

/** Opens the login page for `params` and posts `username` / `password`: the answer to the login. */
export async function postLogin(
  h: Harness,
  params: FlowParams,
  username: string,
  password: string,
  sourceIp?: string,
): Promise<HttpResponse> {
  const first = await h.authorize(new Request(authorizeUrl(params)));
  if (first.status !== 200)
    throw new Error(`authorize answered ${first.status}: ${first.headers.get('location')}`);
  const html = await first.text();
  const login = postForm(
    `${ISSUER}/authorize`,
    [...hiddenFieldPairsOf(html), ['username', username], ['password', password]],
    cookieOf(first)!,
  );
  if (sourceIp !== undefined) login.headers.set('x-test-source-ip', sourceIp);
  return h.authorize(login);
}
