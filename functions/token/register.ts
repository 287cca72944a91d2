// RFC 7591 dynamic client registration: POST /register, when OAUTH_REGISTRATION is `open` or `token`.
// Registered clients are limited to what an MCP or native client needs: the code flow with PKCE and
// refresh tokens, public or with a client secret, and exact https or loopback redirect URIs.
import { createHash, timingSafeEqual } from 'node:crypto';
import { checkRedirectUri } from '../../shared/clients.ts';
import { parseJsonSafely } from '../../shared/env.ts';
import { OAuthError } from '../../shared/errors.ts';
import { bearerChallenge, extractAccessToken } from '../../shared/http/bearer.ts';
import { mediaType, readBody } from '../../shared/http/params.ts';
import { json, NO_STORE } from '../../shared/http/respond.ts';
import type { RequestContext } from '../../shared/http/scf.ts';
import type { HttpRequest, HttpResponse } from '../../shared/http/web.ts';
import {
  type ClientRecord,
  checkClientMetadata,
  generateClientSecret,
  type Registry,
  RegistryError,
  secretHash,
} from '../../shared/registry.ts';
import type { RegistryConfig } from '../../shared/registry-config.ts';
import { requireStore } from '../../shared/revocation.ts';
import type { Throttle } from '../../shared/throttle.ts';

const MAX_BODY_BYTES = 16 * 1024;
const METHODS = ['none', 'client_secret_basic', 'client_secret_post'];
const GRANTS = ['authorization_code', 'refresh_token'];
/** Human-readable fields kept as given (RFC 7591 §2); others are ignored, as §2 allows. */
const TEXT_FIELDS = [
  'client_name',
  'client_uri',
  'logo_uri',
  'tos_uri',
  'policy_uri',
  'software_id',
  'software_version',
];

export interface RegistrationDeps {
  config: RegistryConfig;
  registry: Registry;
  throttle: Throttle;
  now: () => number;
}

function invalidMetadata(description: string): OAuthError {
  return new OAuthError('invalid_client_metadata', description);
}

/** RFC 6750 §3 for the initial access token of RFC 7591 §3. */
function checkInitialAccessToken(req: HttpRequest, expected: string): void {
  const challenge = (error?: Parameters<typeof bearerChallenge>[0], description?: string) =>
    bearerChallenge(error, description, { realm: 'register' });
  // No cookie: the initial access token comes in the Authorization header only.
  const presented = extractAccessToken(req, { challenge });
  const digest = (v: string) => createHash('sha256').update(v).digest();
  if (!timingSafeEqual(digest(presented), digest(expected))) {
    throw new OAuthError('invalid_token', 'the registration token is not valid', {
      headers: { 'www-authenticate': challenge('invalid_token', 'the registration token is not valid') },
    });
  }
}

async function readMetadata(req: HttpRequest): Promise<Record<string, unknown>> {
  if (mediaType(req) !== 'application/json') {
    throw new OAuthError('unsupported_media_type', 'the client metadata must be sent as application/json');
  }
  let metadata: unknown;
  try {
    metadata = parseJsonSafely(
      new TextDecoder('utf-8', { fatal: true }).decode(await readBody(req, MAX_BODY_BYTES)),
    );
  } catch (error) {
    if (error instanceof OAuthError) throw error;
    throw invalidMetadata('the body is not JSON');
  }
  if (!metadata || typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw invalidMetadata('the body must be a JSON object of client metadata');
  }
  return metadata as Record<string, unknown>;
}

/** The record to store, from the metadata a client sent (RFC 7591 §2, §3.2.2). */
function acceptMetadata(
  m: Record<string, unknown>,
  config: RegistryConfig,
): ClientRecord & { secret?: string } {
  const method = m.token_endpoint_auth_method ?? 'client_secret_basic';
  if (typeof method !== 'string' || !METHODS.includes(method)) {
    throw invalidMetadata(`token_endpoint_auth_method must be one of ${METHODS.join(', ')}`);
  }
  const grants = m.grant_types ?? ['authorization_code'];
  if (!Array.isArray(grants) || grants.length === 0 || grants.some((g) => !GRANTS.includes(g as string))) {
    throw invalidMetadata(`grant_types may hold only ${GRANTS.join(' and ')}`);
  }
  if (!grants.includes('authorization_code'))
    throw invalidMetadata('grant_types must include authorization_code');
  // RFC 7591 §2.1: response_types must agree with grant_types; only `code` is served.
  const responses = m.response_types ?? ['code'];
  if (!Array.isArray(responses) || responses.length !== 1 || responses[0] !== 'code') {
    throw invalidMetadata('response_types must be ["code"]');
  }
  const uris = m.redirect_uris;
  if (!Array.isArray(uris) || uris.length === 0 || uris.some((u) => typeof u !== 'string')) {
    throw new OAuthError('invalid_redirect_uri', 'redirect_uris must be a non-empty array of URIs');
  }
  for (const uri of uris as string[]) {
    // RFC 9700 §2.1, §4.1.3 (exact match later) and RFC 8252 §7.3: https, or http on a loopback IP.
    const problem =
      checkRedirectUri(uri) ?? (/^https?:/.test(uri) ? undefined : 'must use https or loopback http');
    if (problem) throw new OAuthError('invalid_redirect_uri', `redirect URI ${uri.slice(0, 200)} ${problem}`);
  }
  if (m.jwks !== undefined || m.jwks_uri !== undefined) {
    throw invalidMetadata(
      'jwks and jwks_uri are not accepted: register with a client secret or as a public client',
    );
  }
  // RFC 7591 §2: the server may restrict scope; a client asking for none gets every scope offered.
  const scope = m.scope ?? config.scopes.join(' ');
  if (typeof scope !== 'string') throw invalidMetadata('scope must be a space-separated string');
  const unknown = scope.split(' ').filter((s) => s !== '' && !config.scopes.includes(s));
  if (unknown.length > 0)
    throw invalidMetadata(`scope ${unknown.join(' ').slice(0, 200)} is not offered here`);

  const text: Record<string, string> = {};
  for (const field of TEXT_FIELDS) {
    const value = m[field];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length > 512)
      throw invalidMetadata(`${field} must be a string of at most 512 characters`);
    text[field] = value;
  }
  const secret = method === 'none' ? undefined : generateClientSecret();
  return {
    ...text,
    client_id: `dcr-${generateClientSecret().slice(0, 32)}`,
    redirect_uris: uris as string[],
    grant_types: grants as string[],
    response_types: ['code'],
    token_endpoint_auth_method: method,
    scope,
    client_id_issued_at: 0,
    ...(secret ? { client_secret_hash: secretHash(secret), secret } : {}),
  };
}

export async function handleRegistration(
  deps: RegistrationDeps,
  req: HttpRequest,
  ctx: RequestContext,
): Promise<HttpResponse> {
  const { config } = deps;
  if (config.registration === 'token') checkInitialAccessToken(req, config.registrationToken!);
  // Registration floods: a fixed number per caller address and hour, counted before any work.
  const count = await requireStore(() =>
    deps.throttle.count('register-ip', ctx.sourceIp ?? 'unknown', config.registrationLimit),
  );
  if (count > config.registrationLimit.max) {
    throw new OAuthError(
      'temporarily_unavailable',
      'too many registrations from this address; try again later',
      {
        status: 429,
        headers: { 'retry-after': String(config.registrationLimit.window) },
      },
    );
  }
  const { secret, ...accepted } = acceptMetadata(await readMetadata(req), config);
  const record: ClientRecord = {
    ...accepted,
    client_id_issued_at: Math.floor(deps.now() / 1000),
    unused_ttl: config.registrationUnusedTtl,
  };
  try {
    checkClientMetadata(record);
  } catch (error) {
    if (error instanceof RegistryError)
      throw invalidMetadata(error.problems[0] ?? 'the metadata is not valid');
    throw error;
  }
  await requireStore(() => deps.registry.putClient(record));
  ctx.log.clientId = record.client_id;
  const { client_secret_hash: _, unused_ttl: __, ...shown } = record;
  // RFC 7591 §3.2.1: 201 with the registered metadata; the secret is shown this once.
  return json(
    { ...shown, ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}) },
    201,
    NO_STORE,
  );
}
