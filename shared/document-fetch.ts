// The fetch of a Client ID Metadata Document (shared/client-metadata.ts): a server-side request to an
// address the client chose, so it is fenced in: https only (http to 127.0.0.1 when allowed), never to a
// private, loopback or link-local address (checked after DNS resolution, and the connection made to
// the address checked), no redirects, 5 s, 5 KB. Loaded on the first fetch: the network modules it
// needs take ~15 ms to load, which a cold start without a document should not pay.
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';
import { FETCH_TIMEOUT_MS, MAX_DOCUMENT_BYTES, MetadataDocumentError } from './client-metadata.ts';

export interface FetchOptions {
  /** OAUTH_CIMD_ALLOW_LOOPBACK: documents on 127.0.0.1, for local development. */
  allowLoopback: boolean;
  /** DNS resolution; tests give names their own addresses. */
  resolve?: (hostname: string) => Promise<{ address: string; family: number }[]>;
}

export interface FetchedDocument {
  body: string;
  cacheControl?: string;
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

export async function fetchPublicDocument(clientId: string, options: FetchOptions): Promise<FetchedDocument> {
  const resolveName = options.resolve ?? ((host: string) => dnsLookup(host, { all: true, verbatim: true }));
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
