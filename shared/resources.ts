// Resource identifiers (RFC 8707 §2, RFC 9728 §1.2): the URIs access tokens are issued for, `aud`.
import { checkRedirectUri } from './clients.ts';
import { type EnvReader, parseJsonSafely } from './env.ts';
import { OAuthError } from './errors.ts';

/**
 * Why `uri` cannot identify a resource, or undefined. RFC 8707 §2: an absolute URI with no fragment;
 * RFC 9728 §1.2: https (http is allowed here on loopback hosts, for local development). The URI must
 * already be in the form URL parsing gives it, as `aud` is compared as a string.
 */
export function checkResourceUri(uri: string): string | undefined {
  // The rules of redirect URIs (absolute, no fragment, http only on loopback), and https or http only.
  const problem = checkRedirectUri(uri);
  if (problem) return problem;
  if (!/^https?:/i.test(uri)) return 'must use https (http only on 127.0.0.1, [::1] or localhost)';
  if (/\s/.test(uri)) return 'must not contain whitespace';
  return undefined;
}

/** RFC 9728 §3.1: the well-known suffix goes between the host and the resource's path. */
export const RESOURCE_METADATA_PATH = '/.well-known/oauth-protected-resource';

/** The URL of the resource's RFC 9728 metadata, and the request paths it is served at. */
export function resourceMetadataLocation(resource: string): { url: string; paths: string[] } {
  const url = new URL(resource);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  const suffixed = `${RESOURCE_METADATA_PATH}${path}`;
  return {
    url: `${url.origin}${suffixed}`,
    paths: path === '' ? [RESOURCE_METADATA_PATH] : [suffixed, RESOURCE_METADATA_PATH],
  };
}

/**
 * OAUTH_RESOURCES: the resource URIs tokens may be issued for; default the one OAUTH_AUDIENCE. The
 * audience is among them: it is what a request naming no resource gets, as before RFC 8707.
 */
export function readResources(reader: EnvReader, audience: string | undefined): readonly string[] {
  const name = 'OAUTH_RESOURCES';
  const raw = reader.optional(name);
  if (raw === undefined) return Object.freeze(audience ? [audience] : []);
  let list: unknown;
  try {
    list = parseJsonSafely(raw);
  } catch {
    list = undefined;
  }
  if (!Array.isArray(list) || list.length === 0 || list.some((r) => typeof r !== 'string')) {
    reader.report(`${name} must be a non-empty JSON array of resource URIs`);
    return Object.freeze(audience ? [audience] : []);
  }
  list.forEach((uri: string, i) => {
    const problem = checkResourceUri(uri);
    if (problem) reader.report(`${name}[${i}] ${problem}`);
  });
  if (audience && !list.includes(audience)) {
    reader.report(`${name} must include OAUTH_AUDIENCE, the audience of tokens requested with no resource`);
  }
  return Object.freeze([...new Set(list as string[])]);
}

/** Each client's `resources` must be among the configured ones. */
export function checkClientResources(
  reader: EnvReader,
  clients: Iterable<{ clientId: string; resources?: readonly string[] }>,
  resources: readonly string[],
): void {
  for (const client of clients) {
    const unknown = client.resources?.find((r) => !resources.includes(r));
    if (unknown !== undefined) {
      reader.report(
        `OAUTH_CLIENTS: client ${JSON.stringify(client.clientId)} lists resource ${JSON.stringify(unknown)}, which OAUTH_RESOURCES does not`,
      );
    }
  }
}

/** The resources a client may have tokens for: its own `resources`, or every configured one. */
export function allowedResources(
  client: { resources?: readonly string[] },
  configured: readonly string[],
): readonly string[] {
  return client.resources ?? configured;
}

/**
 * What a request naming no resource gets: the default audience (OAUTH_AUDIENCE), or, for a client
 * limited to other resources, its first one.
 */
export function defaultResources(
  client: { resources?: readonly string[] },
  configured: readonly string[],
  audience: string,
): string[] {
  const allowed = allowedResources(client, configured);
  return [allowed.includes(audience) || allowed.length === 0 ? audience : allowed[0]!];
}

/**
 * RFC 8707 §2: the requested resources, each an absolute URI without a fragment and within `granted`
 * (what the client may have, or what a code or refresh token was issued for: narrowing only, §2.2);
 * none requested means `granted` itself. Anything else is `invalid_target`.
 */
export function selectResources(requested: readonly string[], granted: readonly string[]): string[] {
  if (requested.length === 0) return [...granted];
  for (const uri of requested) {
    if (checkResourceUri(uri) !== undefined) {
      throw new OAuthError('invalid_target', 'resource must be an absolute URI without a fragment');
    }
    if (!granted.includes(uri)) {
      throw new OAuthError('invalid_target', 'the resource is not one this client may have tokens for');
    }
  }
  return [...new Set(requested)];
}

/** `aud` of an access token (RFC 9068 §3): one resource as a string, several as an array. */
export function audienceOf(resources: readonly string[]): string | string[] {
  return resources.length === 1 ? resources[0]! : [...resources];
}
