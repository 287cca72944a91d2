// Resource identifiers (RFC 8707 §2, RFC 9728 §1.2): the URIs access tokens are issued for, `aud`.
import { isLoopbackHost } from './env.ts';

/**
 * Why `uri` cannot identify a resource, or undefined. RFC 8707 §2: an absolute URI with no fragment;
 * RFC 9728 §1.2: https (http is allowed here on loopback hosts, for local development). The URI must
 * already be in the form URL parsing gives it, as `aud` is compared as a string.
 */
export function checkResourceUri(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'is not an absolute URI';
  }
  if (url.hash || uri.includes('#')) return 'must not have a fragment';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    return 'must use https (http only on 127.0.0.1, [::1] or localhost)';
  }
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
