// Registered clients (RFC 7591 metadata names) from OAUTH_CLIENTS, and client authentication.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { JWK } from 'jose';
import { readClientJwks } from './client-keys.ts';
import { type EnvReader, isLoopbackHost } from './env.ts';

export const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

export const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

export interface Client {
  readonly clientId: string;
  /** SHA-256 of the secret; secrets are compared by digest in constant time. */
  readonly secretDigest?: Buffer;
  readonly redirectUris: readonly string[];
  /** RP-Initiated Logout 1.0 §3.1: where the client may send the person back to after signing out. */
  readonly postLogoutRedirectUris: readonly string[];
  readonly grantTypes: ReadonlySet<GrantType>;
  readonly scopes: readonly string[];
  readonly authMethod: AuthMethod;
  readonly isPublic: boolean;
  /** RFC 7523 `private_key_jwt`: the public keys the client's assertions are signed with. */
  readonly jwks?: readonly JWK[];
  /**
   * `introspection: true`: a resource server that may introspect any of our access tokens (RFC 7662
   * §4). Without it a client learns only about tokens issued to itself.
   */
  readonly mayIntrospect: boolean;
  /** RFC 8707: the resources this client may have tokens for (default every OAUTH_RESOURCES entry). */
  readonly resources?: readonly string[];
}

export type ClientRegistry = ReadonlyMap<string, Client>;

/** Where a client is looked up: OAUTH_CLIENTS alone (a map), or with the registry (shared/registry.ts). */
export interface ClientSource {
  get(clientId: string): Client | undefined | Promise<Client | undefined>;
}

const CLIENT_ID = /^[\x20-\x7E]{1,128}$/; // RFC 6749 Appendix A.1: VSCHAR
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/; // RFC 6749 §3.3 scope-token
const MIN_SECRET_LENGTH = 16;

export function digestSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** Constant-time comparison of a presented secret with the registered digest. */
export function secretMatches(client: Client, presented: string): boolean {
  if (!client.secretDigest) return false;
  return timingSafeEqual(digestSecret(presented), client.secretDigest);
}

export function splitScope(scope: string | undefined): string[] {
  if (scope === undefined) return [];
  return scope.split(' ').filter((s) => s !== '');
}

/** RFC 9700 §2.1 / §4.1.3: https, or http on loopback for native apps; never a fragment. */
export function checkRedirectUri(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'is not an absolute URI';
  }
  if (url.hash || uri.includes('#')) return 'must not have a fragment';
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname))
    return 'may use http only on a loopback address';
  if (url.protocol === 'javascript:' || url.protocol === 'data:' || url.protocol === 'file:') {
    return `must not use ${url.protocol}`;
  }
  return undefined;
}

export function readClients(reader: EnvReader, name = 'OAUTH_CLIENTS'): ClientRegistry {
  const registry = new Map<string, Client>();
  const list = reader.jsonArray(name, 'clients');
  if (!list) return registry;
  const seen = new Set<unknown>();
  list.forEach((item, i) => {
    const where = `${name}[${i}]`;
    const id = (item as { client_id?: unknown } | null)?.client_id;
    const client = readClient(reader, item, where);
    if (seen.has(id)) reader.report(`${where}.client_id repeats an earlier client`);
    seen.add(id);
    if (client) registry.set(client.clientId, client);
  });
  return registry;
}

/** A list of redirect URIs in client metadata, each checked by checkRedirectUri. */
function readRedirectUris(
  reader: EnvReader,
  c: Record<string, unknown>,
  field: 'redirect_uris' | 'post_logout_redirect_uris',
  where: string,
): string[] {
  const list = c[field] ?? [];
  if (!Array.isArray(list) || list.some((u) => typeof u !== 'string')) {
    reader.report(`${where}.${field} must be an array of strings`);
  }
  const uris = Array.isArray(list) ? (list as string[]) : [];
  uris.forEach((uri, j) => {
    if (typeof uri !== 'string') return;
    const problem = checkRedirectUri(uri);
    if (problem) reader.report(`${where}.${field}[${j}] ${problem}`);
  });
  return uris;
}

export function readClient(reader: EnvReader, item: unknown, where: string): Client | undefined {
  if (!item || typeof item !== 'object' || Array.isArray(item)) {
    reader.report(`${where} must be an object`);
    return undefined;
  }
  const c = item as Record<string, unknown>;
  const before = reader.problems.length;
  const clientId = c.client_id;
  if (typeof clientId !== 'string' || !CLIENT_ID.test(clientId)) {
    reader.report(`${where}.client_id must be 1–128 printable ASCII characters`);
  }
  const authMethod = c.token_endpoint_auth_method ?? 'client_secret_basic';
  if (typeof authMethod !== 'string' || !(AUTH_METHODS as readonly string[]).includes(authMethod)) {
    reader.report(`${where}.token_endpoint_auth_method must be one of ${AUTH_METHODS.join(', ')}`);
  }
  const isPublic = authMethod === 'none';

  let secretDigest: Buffer | undefined;
  if (c.client_secret !== undefined && c.client_secret_hash !== undefined) {
    reader.report(`${where} must have client_secret or client_secret_hash, not both`);
  } else if (typeof c.client_secret === 'string') {
    if (c.client_secret.length < MIN_SECRET_LENGTH) {
      reader.report(`${where}.client_secret must be at least ${MIN_SECRET_LENGTH} characters`);
    }
    secretDigest = digestSecret(c.client_secret);
  } else if (typeof c.client_secret_hash === 'string') {
    const match = /^sha256:([A-Za-z0-9_-]{43})$/.exec(c.client_secret_hash);
    if (match) secretDigest = Buffer.from(match[1]!, 'base64url');
    else reader.report(`${where}.client_secret_hash must be "sha256:" and 43 base64url characters`);
  } else if (c.client_secret !== undefined || c.client_secret_hash !== undefined) {
    reader.report(`${where}.client_secret must be a string`);
  }
  if (isPublic && secretDigest)
    reader.report(`${where} is public (token_endpoint_auth_method none) but has a secret`);
  if (
    !isPublic &&
    !secretDigest &&
    typeof authMethod === 'string' &&
    authMethod.startsWith('client_secret')
  ) {
    reader.report(`${where} needs client_secret or client_secret_hash for ${authMethod}`);
  }

  let jwks: JWK[] | undefined;
  if (c.jwks_uri !== undefined)
    reader.report(`${where}.jwks_uri is not supported: give the keys inline as jwks`);
  if (authMethod === 'private_key_jwt') {
    if (secretDigest) reader.report(`${where} uses private_key_jwt and must not have a secret`);
    const read = readClientJwks(c.jwks, where);
    if ('problem' in read) reader.report(read.problem);
    else jwks = read.keys;
  } else if (c.jwks !== undefined) {
    reader.report(`${where}.jwks is used only with token_endpoint_auth_method private_key_jwt`);
  }

  const grants = c.grant_types ?? ['authorization_code'];
  if (!Array.isArray(grants) || grants.some((g) => !(GRANT_TYPES as readonly unknown[]).includes(g))) {
    reader.report(`${where}.grant_types must be an array of ${GRANT_TYPES.join(', ')}`);
  }
  const grantTypes = new Set(Array.isArray(grants) ? (grants as GrantType[]) : []);
  if (isPublic && grantTypes.has('client_credentials')) {
    reader.report(`${where} is public and cannot use client_credentials`);
  }

  const redirectUris = readRedirectUris(reader, c, 'redirect_uris', where);
  // RP-Initiated Logout 1.0 §3.1: the same rules as redirect URIs.
  const postLogoutRedirectUris = readRedirectUris(reader, c, 'post_logout_redirect_uris', where);
  if (grantTypes.has('authorization_code') && redirectUris.length === 0) {
    reader.report(`${where} uses authorization_code and needs at least one redirect_uris entry`);
  }

  const scope = c.scope ?? '';
  if (typeof scope !== 'string') reader.report(`${where}.scope must be a space-separated string`);
  const scopes = typeof scope === 'string' ? splitScope(scope) : [];
  if (scopes.some((s) => !SCOPE_TOKEN.test(s)))
    reader.report(`${where}.scope has a character RFC 6749 §3.3 forbids`);

  const introspection = c.introspection ?? false;
  if (typeof introspection !== 'boolean') reader.report(`${where}.introspection must be true or false`);
  else if (introspection && isPublic) {
    reader.report(`${where} is public and cannot be allowed introspection (its client_id proves nothing)`);
  }

  const resources = c.resources;
  if (
    resources !== undefined &&
    (!Array.isArray(resources) || resources.length === 0 || resources.some((r) => typeof r !== 'string'))
  ) {
    reader.report(`${where}.resources must be a non-empty array of resource URIs`);
  }

  if (reader.problems.length > before) return undefined;
  return Object.freeze({
    clientId: clientId as string,
    ...(secretDigest ? { secretDigest } : {}),
    redirectUris: Object.freeze([...redirectUris]),
    postLogoutRedirectUris: Object.freeze([...postLogoutRedirectUris]),
    grantTypes,
    scopes: Object.freeze(scopes),
    authMethod: authMethod as AuthMethod,
    isPublic,
    ...(jwks ? { jwks: Object.freeze(jwks) } : {}),
    mayIntrospect: introspection === true,
    ...(Array.isArray(resources) ? { resources: Object.freeze([...(resources as string[])]) } : {}),
  });
}
