// The floors for HTTP, under the same load settings as the gateway:
// - `hello`: a bare node:http server answering "hello world";
// - `sign`: the same server making one raw RS256 signature (node:crypto, 2048-bit key, an access
//   token's signing input) per request and answering with the compact JWS: what /token would cost if
//   it did nothing but the one operation it cannot avoid;
// - `verify`: the same server verifying the request's bearer token twice with node:crypto, as the
//   gateway and the business function each do, and answering "hello world": the same for /work.
// argv: [mode]; `verify` reads the public key (SPKI PEM) from BENCH_PUBLIC_KEY.
import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveUsage } from './usage.ts';

export type PlainMode = 'hello' | 'sign' | 'verify';

const TEXT = { 'content-type': 'text/plain;charset=UTF-8' };

function helloListener(): RequestListener {
  return (_req, res) => {
    res.writeHead(200, { ...TEXT, 'content-length': '11' });
    res.end('hello world');
  };
}

function signListener(): RequestListener {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const input = Buffer.alloc(480, 'eyJhbGciOiJSUzI1NiJ9');
  const text = input.toString('latin1');
  return (_req, res) => {
    const body = `${text}.${sign('sha256', input, privateKey).toString('base64url')}`;
    res.writeHead(200, { ...TEXT, 'content-length': String(body.length) });
    res.end(body);
  };
}

function verifyListener(): RequestListener {
  const pem = process.env.BENCH_PUBLIC_KEY;
  if (!pem) throw new TypeError('BENCH_PUBLIC_KEY must hold the SPKI PEM of the tokens’ key');
  const publicKey = createPublicKey(pem);
  return (req, res) => {
    const token = (req.headers.authorization ?? '').slice('Bearer '.length);
    const dot = token.lastIndexOf('.');
    const input = Buffer.from(token.slice(0, dot), 'latin1');
    const signature = Buffer.from(token.slice(dot + 1), 'base64url');
    const ok = verify('sha256', input, publicKey, signature) && verify('sha256', input, publicKey, signature);
    res.writeHead(ok ? 200 : 401, { ...TEXT, 'content-length': ok ? '11' : '0' });
    res.end(ok ? 'hello world' : '');
  };
}

const mode = (process.argv[2] ?? 'hello') as PlainMode;
const listeners: Record<PlainMode, () => RequestListener> = {
  hello: helloListener,
  sign: signListener,
  verify: verifyListener,
};
if (!Object.hasOwn(listeners, mode)) throw new TypeError(`plain-server: unknown mode ${mode}`);
const server = createServer(listeners[mode]());
server.keepAliveTimeout = 10_000;
server.listen(0, '127.0.0.1', () => {
  serveUsage(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
