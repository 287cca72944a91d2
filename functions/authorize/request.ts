// Validation of the authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3, RFC 9700 §2.1, §4.1).
// Until the client and its redirect URI are known, errors are shown as a page and never redirected.
import { type Client, splitScope } from '../../shared/clients.ts';
import { isLoopbackHost } from '../../shared/env.ts';
import { OAuthError } from '../../shared/errors.ts';
import { decodeForm, MAX_FORM_BYTES, readFormText, safeName } from '../../shared/http/params.ts';
import { type HttpRequest, requestUrl } from '../../shared/http/web.ts';
import { en } from '../../shared/i18n/en.ts';
import type { StringKey } from '../../shared/i18n/locales.ts';
import { isValidS256Challenge } from '../../shared/pkce.ts';
import { allowedResources, selectResources } from '../../shared/resources.ts';
import type { AuthorizeConfig } from './config.ts';

/** Every value of every parameter, in order: repeats are detected after the client is known. */
export type RawParams = ReadonlyMap<string, readonly string[]>;

export interface AuthorizationRequest {
  client: Client;
  redirectUri: string;
  redirectUriSent: boolean;
  scope: string;
  state?: string;
  codeChallenge?: string;
  /** OIDC Core §3.1.2.1: bound into the code, returned in the ID token. */
  nonce?: string;
  /** OIDC Core §3.1.2.1 prompt values: none, login, consent (select_account is taken as login). */
  prompt: ReadonlySet<Prompt>;
  /** OIDC Core §3.1.2.1: the longest time since the person signed in, in seconds. */
  maxAge?: number;
  /** OIDC Core §3.1.2.1: the username to offer on the sign-in page. */
  loginHint?: string;
  /** OIDC Core §3.1.2.1: an ID token we issued, naming the person the client expects. */
  idTokenHint?: string;
  /** RFC 8707: the resources the request named, bound to the code; none named, the token endpoint decides. */
  resources?: string[];
}

export type Prompt = 'none' | 'login' | 'consent';

/** An error shown to the person at the browser: the client or redirect URI cannot be trusted. */
export class ErrorPage extends Error {
  override readonly name = 'ErrorPage';
  constructor(
    readonly status: number,
    /** The message in the page's language; its English text is the error's message. */
    readonly key: StringKey,
    /** The values of the message's `{name}`s (escaped when the page is rendered). */
    readonly values: Readonly<Record<string, string>> = {},
  ) {
    super(en[key].replace(/\{([a-z]+)\}/g, (m, name: string) => values[name] ?? m));
  }
}

/** An error returned to the client at its (validated) redirect URI (RFC 6749 §4.1.2.1). */
export class RedirectError extends Error {
  override readonly name = 'RedirectError';
  constructor(
    readonly error: OAuthError,
    readonly redirectUri: string,
    readonly state: string | undefined,
  ) {
    super(error.description);
  }
}

/** The parameters the forms carry forward from page to page. */
export const REQUEST_PARAMETERS = [
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'code_challenge',
  'code_challenge_method',
  'nonce',
  'ui_locales',
  'prompt',
  'max_age',
  'login_hint',
  'id_token_hint',
  'resource',
] as const;

const MAX_STATE_LENGTH = 2048;
// The nonce travels inside the sealed code, in a URL: bounded like state, tighter.
const MAX_NONCE_LENGTH = 512;
const MAX_HINT_LENGTH = 256;

/**
 * The request's parameters: the query of a GET, the form body of a POST. Until the client is known
 * nothing is trusted, so what cannot be read is an error page.
 */
export async function readRawParams(req: HttpRequest): Promise<RawParams> {
  if (req.method === 'GET') return parseRawParams(requestUrl(req).search.slice(1));
  const text = await readFormText(req, MAX_FORM_BYTES, (problem) =>
    problem === 'media-type' ? new ErrorPage(415, 'formMediaType') : new ErrorPage(400, 'formEncoding'),
  );
  return parseRawParams(text);
}

/** Parses `a=b&c=d` keeping repeats; a malformed escape is an error page (nothing is trusted yet). */
export function parseRawParams(text: string): RawParams {
  const pairs = decodeForm(text);
  if (!pairs) throw new ErrorPage(400, 'malformedRequest');
  const out = new Map<string, string[]>();
  for (const [name, value] of pairs) {
    // RFC 6749 §3.1: parameters sent without a value are treated as omitted.
    if (value === '') continue;
    const list = out.get(name);
    if (list) list.push(value);
    else out.set(name, [value]);
  }
  return out;
}

function single(params: RawParams, name: string): string | undefined {
  return params.get(name)?.[0];
}

/**
 * RFC 9700 §4.1.3: exact string comparison, except that the port of a loopback redirect of a native
 * (public) client may vary (RFC 8252 §7.3).
 */
export function matchRedirectUri(client: Client, uri: string): boolean {
  if (client.redirectUris.includes(uri)) return true;
  if (!client.isPublic) return false;
  let requested: URL;
  try {
    requested = new URL(uri);
  } catch {
    return false;
  }
  // Only a URI already in normal form: `/a/../cb` must not match `/cb` by normalisation.
  if (requested.href !== uri || requested.protocol !== 'http:' || !isLoopbackIp(requested.hostname)) {
    return false;
  }
  return client.redirectUris.some((registered) => {
    const r = new URL(registered);
    if (r.protocol !== 'http:' || !isLoopbackIp(r.hostname)) return false;
    r.port = requested.port;
    return r.href === uri;
  });
}

// RFC 8252 §8.3: loopback redirects use the IP literal; "localhost" is not treated as loopback here.
function isLoopbackIp(hostname: string): boolean {
  return isLoopbackHost(hostname) && hostname !== 'localhost';
}

/** `findClient` looks the client up; by default in OAUTH_CLIENTS alone. */
export function validateAuthorizationRequest(
  params: RawParams,
  config: Readonly<AuthorizeConfig>,
  findClient: (clientId: string) => Client | undefined = (id) => config.clients.get(id),
): AuthorizationRequest {
  const clientIds = params.get('client_id') ?? [];
  if (clientIds.length > 1) throw new ErrorPage(400, 'repeatedClientId');
  const clientId = clientIds[0];
  if (clientId === undefined) throw new ErrorPage(400, 'missingClientId');
  const client = findClient(clientId);
  // RFC 6749 §4.1.2.1 / RFC 9700 §4.11: an unknown client never gets a redirect (no open redirector).
  if (!client) throw new ErrorPage(400, 'unknownClient');

  const redirects = params.get('redirect_uri') ?? [];
  if (redirects.length > 1) throw new ErrorPage(400, 'repeatedRedirectUri');
  let redirectUri = redirects[0];
  const redirectUriSent = redirectUri !== undefined;
  if (redirectUri === undefined) {
    // OAuth 2.1 §4.1.1: redirect_uri may be omitted only when the client registered exactly one.
    if (client.redirectUris.length !== 1) {
      throw new ErrorPage(400, 'missingRedirectUri');
    }
    redirectUri = client.redirectUris[0]!;
  } else if (!matchRedirectUri(client, redirectUri)) {
    throw new ErrorPage(400, 'unregisteredRedirectUri');
  }

  // From here on the redirect URI is trusted: errors go back to it (RFC 6749 §4.1.2.1).
  const states = params.get('state') ?? [];
  const state = states.length === 1 ? states[0] : undefined;
  const fail = (error: OAuthError): never => {
    throw new RedirectError(error, redirectUri, state);
  };
  for (const [name, values] of params) {
    // RFC 6749 §3.1: request parameters MUST NOT be included more than once; RFC 8707 §2: but resource may.
    if (values.length > 1 && name !== 'resource')
      fail(new OAuthError('invalid_request', `parameter ${safeName(name)} is repeated`));
  }
  if (state !== undefined && state.length > MAX_STATE_LENGTH) {
    fail(new OAuthError('invalid_request', `state is longer than ${MAX_STATE_LENGTH} characters`));
  }

  const responseType = single(params, 'response_type');
  if (responseType === undefined) fail(new OAuthError('invalid_request', 'response_type is missing'));
  // OAuth 2.1 §4.1.1 / RFC 9700 §2.1.2: only the code flow; the implicit grant (`token`) is refused.
  if (responseType !== 'code') {
    fail(new OAuthError('unsupported_response_type', 'only response_type=code is supported'));
  }
  if (!client.grantTypes.has('authorization_code')) {
    fail(new OAuthError('unauthorized_client', 'this client may not use the authorization code grant'));
  }

  const requested = splitScope(single(params, 'scope'));
  // RFC 6749 §3.3: every requested scope must be registered; none requested means the registered set.
  if (requested.some((s) => !client.scopes.includes(s))) {
    fail(new OAuthError('invalid_scope', 'a requested scope is not allowed for this client'));
  }
  const scope = (requested.length > 0 ? [...new Set(requested)] : client.scopes).join(' ');

  // RFC 8707 §2: each resource is one this client may have tokens for, else invalid_target.
  const requestedResources = params.get('resource') ?? [];
  let resources: string[] | undefined;
  if (requestedResources.length > 0) {
    try {
      resources = selectResources(requestedResources, allowedResources(client, config.resources));
    } catch (error) {
      if (error instanceof OAuthError) fail(error);
      throw error;
    }
  }

  const challenge = single(params, 'code_challenge');
  const method = single(params, 'code_challenge_method');
  if (challenge === undefined) {
    if (method !== undefined)
      fail(new OAuthError('invalid_request', 'code_challenge_method without code_challenge'));
    // RFC 9700 §2.1.1: public clients MUST use PKCE; this server requires it of every client by default.
    if (client.isPublic || config.requirePkce) {
      fail(new OAuthError('invalid_request', 'code_challenge is required (PKCE with S256)'));
    }
  } else {
    // RFC 7636 §4.3 defaults a missing method to `plain`, which RFC 9700 §2.1.1 says not to accept.
    if (method !== 'S256') {
      fail(new OAuthError('invalid_request', 'code_challenge_method must be S256 (plain is not supported)'));
    }
    if (!isValidS256Challenge(challenge!)) {
      fail(new OAuthError('invalid_request', 'code_challenge must be 43 base64url characters (S256)'));
    }
  }

  const nonce = single(params, 'nonce');
  if (nonce !== undefined && nonce.length > MAX_NONCE_LENGTH) {
    fail(new OAuthError('invalid_request', `nonce is longer than ${MAX_NONCE_LENGTH} characters`));
  }

  const prompt = readPrompt(single(params, 'prompt'), fail);
  const maxAgeText = single(params, 'max_age');
  // OIDC Core §3.1.2.1: max_age is a number of seconds; 0 asks for a fresh sign-in.
  if (maxAgeText !== undefined && !/^\d{1,10}$/.test(maxAgeText)) {
    fail(new OAuthError('invalid_request', 'max_age must be a non-negative integer of seconds'));
  }
  const loginHint = single(params, 'login_hint');
  if (loginHint !== undefined && loginHint.length > MAX_HINT_LENGTH) {
    fail(new OAuthError('invalid_request', `login_hint is longer than ${MAX_HINT_LENGTH} characters`));
  }
  const idTokenHint = single(params, 'id_token_hint');

  return {
    client,
    redirectUri,
    redirectUriSent,
    scope,
    ...(state !== undefined ? { state } : {}),
    ...(challenge !== undefined ? { codeChallenge: challenge } : {}),
    ...(nonce !== undefined ? { nonce } : {}),
    prompt,
    ...(maxAgeText !== undefined ? { maxAge: Number(maxAgeText) } : {}),
    ...(loginHint !== undefined ? { loginHint } : {}),
    ...(idTokenHint !== undefined ? { idTokenHint } : {}),
    ...(resources ? { resources } : {}),
  };
}

const PROMPTS = new Set(['none', 'login', 'consent', 'select_account']);

function readPrompt(value: string | undefined, fail: (error: OAuthError) => never): ReadonlySet<Prompt> {
  const values = new Set(splitScope(value));
  for (const v of values) {
    if (!PROMPTS.has(v))
      fail(new OAuthError('invalid_request', `prompt value ${safeName(v)} is not supported`));
  }
  // OIDC Core §3.1.2.1: none with any other value is an error.
  if (values.has('none') && values.size > 1) {
    fail(new OAuthError('invalid_request', 'prompt=none cannot be combined with other values'));
  }
  // One account per session: choosing an account is signing in again.
  if (values.delete('select_account')) values.add('login');
  return values as Set<Prompt>;
}
