// The issuer's public keys fetched from its `jwks_uri` (RFC 8414 §2, found through its metadata), held
// per instance: one fetch at the first token, none on the hot path, at most one re-fetch a minute for a
// `kid` none of the held keys has, so a flood of made-up key ids causes no flood of fetches.
import type { KeyObject } from 'node:crypto';
import { importJwks } from './keys.ts';
import { type KeySource, KeysUnavailable } from './verify.ts';

export interface RemoteKeySourceOptions {
  /** The issuer (RFC 8414 §2 `issuer`): its metadata must name exactly this issuer. */
  issuer: string;
  /** Skips discovery: the JWKS is fetched from here. */
  jwksUri?: string;
  /** Milliseconds each fetch may take, from request to the last byte (default 3000). */
  timeoutMs?: number;
  /** Least milliseconds between two fetches once keys are held (default 60 s). */
  refetchIntervalMs?: number;
  /** Least milliseconds between two fetches while no key is held (default 5 s). */
  retryIntervalMs?: number;
  /** Age in milliseconds after which held keys are refreshed in the background (default 10 min). */
  maxAgeMs?: number;
  now?: () => number;
  fetch?: typeof fetch;
}

const METADATA_PATH = '/.well-known/oauth-authorization-server';
const MAX_DOCUMENT_BYTES = 256 * 1024;

export interface RemoteKeySource extends KeySource {
  /** How many fetches of the JWKS were started (tests and logs). */
  readonly fetches: number;
}

/**
 * RFC 8414 §3.1: the well-known suffix goes between the host and the issuer's path. An issuer with a
 * path is also tried with the suffix appended, where servers that mount under a path publish it.
 */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  if (path === '') return [`${url.origin}${METADATA_PATH}`];
  return [`${url.origin}${METADATA_PATH}${path}`, `${url.origin}${path}${METADATA_PATH}`];
}

/** https, or http on a loopback host (local development), as for the issuer itself. */
export function isFetchableUrl(value: string): boolean {
  try {
    const url = new URL(value);
    if (url.protocol === 'https:') return true;
    return url.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
  } catch {
    return false;
  }
}

class FetchFailed extends Error {}

export function createRemoteKeySource(options: RemoteKeySourceOptions): RemoteKeySource {
  const now = options.now ?? Date.now;
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 3000;
  const refetchInterval = options.refetchIntervalMs ?? 60_000;
  const retryInterval = options.retryIntervalMs ?? 5000;
  const maxAge = options.maxAgeMs ?? 600_000;
  let jwksUri = options.jwksUri;
  let keys: Map<string, KeyObject> | undefined;
  let fetchedAt = 0;
  let lastAttempt = Number.NEGATIVE_INFINITY;
  let running: Promise<void> | undefined;
  let fetches = 0;
  let lastFailure = '';

  async function getJson(url: string): Promise<unknown> {
    let res: Response;
    let text: string;
    try {
      // The timeout covers the body too: a server that trickles bytes is cut off like one that is silent.
      res = await doFetch(url, {
        headers: { accept: 'application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (res.status !== 200) throw new FetchFailed(`${url} answered ${res.status}`);
      text = await res.text();
    } catch (error) {
      if (error instanceof FetchFailed) throw error;
      const reason = error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : 'failed';
      throw new FetchFailed(`fetching ${url} ${reason}`);
    }
    if (text.length > MAX_DOCUMENT_BYTES) throw new FetchFailed(`${url} sent an oversized document`);
    try {
      return JSON.parse(text);
    } catch {
      throw new FetchFailed(`${url} sent no JSON`);
    }
  }

  async function discoverJwksUri(): Promise<string> {
    let problem = '';
    for (const url of metadataUrls(options.issuer)) {
      try {
        const metadata = (await getJson(url)) as { issuer?: unknown; jwks_uri?: unknown } | null;
        // RFC 8414 §3.3: the metadata's issuer MUST be identical to the issuer it was fetched for.
        if (metadata?.issuer !== options.issuer) {
          problem = `${url} names another issuer`;
          continue;
        }
        const uri = metadata.jwks_uri;
        if (typeof uri !== 'string' || !isFetchableUrl(uri)) {
          throw new FetchFailed(`${url} has no https jwks_uri`);
        }
        return uri;
      } catch (error) {
        if (!(error instanceof FetchFailed)) throw error;
        problem = error.message;
      }
    }
    throw new FetchFailed(problem);
  }

  async function load(): Promise<void> {
    fetches++;
    lastAttempt = now();
    try {
      jwksUri ??= await discoverJwksUri();
      const imported = await importJwks(await getJson(jwksUri)).catch(() => []);
      if (imported.length === 0) throw new FetchFailed(`${jwksUri} holds no RS256 signature key`);
      keys = new Map(imported.map((k) => [k.kid, k.publicKey]));
      fetchedAt = now();
    } catch (error) {
      if (!(error instanceof FetchFailed)) throw error;
      lastFailure = error.message;
    }
  }

  /** One fetch at a time: concurrent requests wait for the one under way. */
  function start(): Promise<void> {
    running ??= load().finally(() => {
      running = undefined;
    });
    return running;
  }

  function nextAllowed(): number {
    return lastAttempt + (keys ? refetchInterval : retryInterval);
  }

  return {
    get fetches() {
      return fetches;
    },
    cached(kid) {
      if (!keys) return undefined;
      // Keys past their age are refreshed behind the request: it is verified with the keys held.
      if (now() - fetchedAt > maxAge && now() >= nextAllowed() && !running) void start();
      return keys.get(kid);
    },
    async refresh() {
      if (running) await running;
      else if (now() >= nextAllowed()) await start();
      if (keys) return;
      const wait = Math.max(1, Math.ceil((nextAllowed() - now()) / 1000));
      throw new KeysUnavailable(wait, `no keys to verify with: ${lastFailure}`);
    },
  };
}
