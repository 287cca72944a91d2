// Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document; MCP authorization
// 2025-11-25): a client_id that is an https URL names a JSON document of the client's metadata, fetched
// here. The fetch is a server-side request to an address the client chose, so it is fenced in: https
// only, never to a private, loopback or link-local address (checked after DNS resolution, and the
// connection made to the address checked), no redirects, 5 s, 5 KB. Documents are cached in the store.
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';
import type { Client } from './clients.ts';
import { parseJsonSafely } from './env.ts';
import { checkClientMetadata, RegistryError } from './registry.ts';
import { type Store, storeKey } from './store/store.ts';

export const MAX_DOCUMENT_BYTES = 5 * 1024;
export const FETCH_TIMEOUT_MS = 5000;
/** Cache-Control is honoured within these bounds (seconds). */
export const MIN_CACHE_SECONDS = 300;
export const MAX_CACHE_SECONDS = 86_400;

/** Why a metadata document cannot be used; the message is safe to show. */
export class MetadataDocumentError extends Error {
  override readonly name = 'MetadataDocumentError';
}

export interface MetadataDocumentOptions {
  store: Store;
  /** The scopes such a client may have (those offered to registered clients). */
  scopes: readonly string[];
  /** OAUTH_CIMD_ALLOW_LOOPBACK: documents on 127.0.0.1 (http or https), for local development. */
  allowLoopback: boolean;
  now?: () => number;
  /** DNS resolution; tests give names their own addresses. */
  resolve?: (hostname: string) => Promise<{ address: string; family: number }[]>;
}

// Special-purpose ranges (RFC 6890 and the IANA registries): nothing a public document is served from.
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv6');
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** The IPv4 address inside an IPv4-mapped IPv6 one (::ffff:a.b.c.d), else the address itself. */
function unmapped(address: string): { address: string; type: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return { address: mapped[1]!, type: 'ipv4' };
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex) {
    const n = (Number.parseInt(hex[1]!, 16) << 16) | Number.parseInt(hex[2]!, 16);
    return { address: [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.'), type: 'ipv4' };
  }
  return { address, type: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

/** Whether the document may be fetched from `address`: public, or loopback when allowed. */
export function addressAllowed(address: string, allowLoopback: boolean): boolean {
  const { address: a, type } = unmapped(address);
  if (allowLoopback && LOOPBACK.check(a, type)) return true;
  return !PRIVATE.check(a, type);
}

/** What is wrong with `clientId` as a metadata document URL, or undefined. */
export function documentUrlProblem(clientId: string, allowLoopback: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    return 'the client_id is not a URL';
  }
  const loopbackHttp = allowLoopback && url.protocol === 'http:' && url.hostname === '127.0.0.1';
  if (url.protocol !== 'https:' && !loopbackHttp) return 'the client_id URL must use https';
  // draft-ietf-oauth-client-id-metadata-document §3: a path, no fragment, no credentials, no dot segments.
  if (url.hash || clientId.includes('#')) return 'the client_id URL must not have a fragment';
  if (url.username || url.password) return 'the client_id URL must not have credentials';
  if (url.pathname === '/' || url.pathname === '') return 'the client_id URL must have a path';
  if (/\/\.\.?(\/|$)/.test(clientId.split('?')[0]!.replace(/^[a-z]+:\/\/[^/]*/i, ''))) {
    return 'the client_id URL must not have dot segments';
  }
  if (url.href !== clientId) return 'the client_id URL must be in normal form';
  return undefined;
}

/** Seconds to cache for, from Cache-Control, within the bounds. */
export function cacheSeconds(header: string | undefined): number {
  const maxAge = header && !/no-store|no-cache/i.test(header) ? /max-age=(\d+)/i.exec(header) : null;
  const seconds = maxAge ? Number(maxAge[1]) : MIN_CACHE_SECONDS;
  return Math.min(MAX_CACHE_SECONDS, Math.max(MIN_CACHE_SECONDS, seconds));
}

// A fetched document, cached under the URL that is its client_id for as long as Cache-Control allows.
const documentKey = (clientId: string) => storeKey('cimd', clientId);

export interface MetadataDocuments {
  /** The client the document at `clientId` describes; MetadataDocumentError when it cannot be used. */
  resolve(clientId: string): Promise<Client>;
}

export function createMetadataDocuments(options: MetadataDocumentOptions): MetadataDocuments {
  const now = options.now ?? Date.now;
  const resolveName = options.resolve ?? ((host: string) => dnsLookup(host, { all: true, verbatim: true }));

  /** The document's metadata as a client record, refusing what such a client may not have. */
  function accept(document: unknown, clientId: string): Record<string, unknown> {
    if (!document || typeof document !== 'object' || Array.isArray(document)) {
      throw new MetadataDocumentError('the metadata document is not a JSON object');
    }
    const m = document as Record<string, unknown>;
    // draft §4.1 / MCP 2025-11-25: the document's client_id MUST equal its URL exactly.
    if (m.client_id !== clientId) {
      throw new MetadataDocumentError('the client_id in the metadata document is not its URL');
    }
    if (m.client_secret !== undefined || m.client_secret_hash !== undefined) {
      throw new MetadataDocumentError('a metadata document must not carry a client secret');
    }
    // A public client, unless it publishes keys for private_key_jwt (draft §4.3).
    const method = m.token_endpoint_auth_method ?? 'none';
    if (method !== 'none' && method !== 'private_key_jwt') {
      throw new MetadataDocumentError('token_endpoint_auth_method must be none or private_key_jwt');
    }
    const grants = m.grant_types ?? ['authorization_code'];
    if (!Array.isArray(grants) || grants.some((g) => g !== 'authorization_code' && g !== 'refresh_token')) {
      throw new MetadataDocumentError('grant_types may hold only authorization_code and refresh_token');
    }
    const scope = m.scope ?? options.scopes.join(' ');
    if (typeof scope !== 'string' || scope.split(' ').some((s) => s !== '' && !options.scopes.includes(s))) {
      throw new MetadataDocumentError('the scope of the metadata document is not offered here');
    }
    const record = {
      client_id: clientId,
      redirect_uris: m.redirect_uris,
      grant_types: grants,
      token_endpoint_auth_method: method,
      scope,
      ...(m.jwks !== undefined ? { jwks: m.jwks } : {}),
      ...(m.jwks_uri !== undefined ? { jwks_uri: m.jwks_uri } : {}),
      ...(typeof m.client_name === 'string' ? { client_name: m.client_name.slice(0, 200) } : {}),
    };
    try {
      checkClientMetadata(record, 'the metadata document');
    } catch (error) {
      if (error instanceof RegistryError) throw new MetadataDocumentError(error.problems[0]!);
      throw error;
    }
    return record;
  }

  async function fetchDocument(clientId: string): Promise<{ body: string; cacheControl?: string }> {
    const url = new URL(clientId);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const addresses = isIP(host)
      ? [{ address: host, family: isIP(host) }]
      : await resolveName(host).catch(() => []);
    if (addresses.length === 0) throw new MetadataDocumentError('the client_id host does not resolve');
    // Every address the name has must be public: a name with one private address is refused whole.
    if (addresses.some((a) => !addressAllowed(a.address, options.allowLoopback))) {
      throw new MetadataDocumentError('the client_id host is a private, loopback or link-local address');
    }
    const target = addresses[0]!;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const fail = (message: string) => {
        clearTimeout(deadline);
        req.destroy();
        reject(new MetadataDocumentError(message));
      };
      const req = send(
        url,
        {
          method: 'GET',
          headers: { accept: 'application/json' },
          // The connection goes to the address checked above: no second resolution to rebind.
          lookup: (_name, opts, callback) => {
            if ((opts as { all?: boolean }).all) callback(null, [target] as never);
            else callback(null, target.address, target.family);
          },
          timeout: FETCH_TIMEOUT_MS,
        },
        (res: IncomingMessage) => {
          // No redirects (draft §4: the document is at its URL); any other status is no document.
          if (res.statusCode !== 200) {
            const redirect = res.statusCode !== undefined && res.statusCode >= 300 && res.statusCode < 400;
            return fail(
              redirect
                ? 'the metadata document URL redirects'
                : `the metadata document answered ${res.statusCode}`,
            );
          }
          if (Number(res.headers['content-length'] ?? 0) > MAX_DOCUMENT_BYTES) {
            return fail('the metadata document is over 5 KB');
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.byteLength;
            if (size > MAX_DOCUMENT_BYTES) fail('the metadata document is over 5 KB');
            else chunks.push(chunk);
          });
          res.on('end', () => {
            clearTimeout(deadline);
            const cacheControl = res.headers['cache-control'];
            resolve({
              body: Buffer.concat(chunks).toString('utf8'),
              ...(cacheControl ? { cacheControl } : {}),
            });
          });
          res.on('error', () => fail('the metadata document could not be read'));
        },
      );
      // The whole exchange, not only idle time, is bounded.
      const deadline = setTimeout(() => fail('the metadata document took over 5 s'), FETCH_TIMEOUT_MS);
      req.on('timeout', () => fail('the metadata document took over 5 s'));
      req.on('error', () => {
        clearTimeout(deadline);
        reject(new MetadataDocumentError('the metadata document could not be fetched'));
      });
      req.end();
    });
  }

  return {
    async resolve(clientId) {
      const problem = documentUrlProblem(clientId, options.allowLoopback);
      if (problem) throw new MetadataDocumentError(problem);
      const key = documentKey(clientId);
      const cached = await options.store.get(key);
      if (cached !== undefined) return checkClientMetadata(parseJsonSafely(cached));
      const { body, cacheControl } = await fetchDocument(clientId);
      let document: unknown;
      try {
        document = parseJsonSafely(body);
      } catch {
        throw new MetadataDocumentError('the metadata document is not JSON');
      }
      const record = accept(document, clientId);
      const expiresAt = Math.floor(now() / 1000) + cacheSeconds(cacheControl);
      await options.store.put(key, JSON.stringify(record), expiresAt);
      return checkClientMetadata(record);
    },
  };
}
