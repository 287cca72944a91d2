// Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document; MCP authorization
// 2025-11-25): a client_id that is an https URL names a JSON document of the client's metadata, fetched
// here (the fenced fetch itself: shared/document-fetch.ts, loaded with the first document), checked,
// and cached in the store.
import type { Client } from './clients.ts';
import type { FetchedDocument } from './document-fetch.ts';
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

  async function fetchDocument(clientId: string): Promise<FetchedDocument> {
    // The network modules (DNS, http, https, net: ~15 ms to load) are loaded with the first document
    // fetched, not at every cold start of a function that may never fetch one.
    const { fetchPublicDocument } = await import('./document-fetch.ts');
    return fetchPublicDocument(clientId, {
      allowLoopback: options.allowLoopback,
      ...(options.resolve ? { resolve: options.resolve } : {}),
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
