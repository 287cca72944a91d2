// The floor for HTTP: a bare node:http server answering "hello world", under the same load settings.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveUsage } from './usage.ts';

const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain;charset=UTF-8', 'content-length': '11' });
  res.end('hello world');
});
server.keepAliveTimeout = 10_000;
server.listen(0, '127.0.0.1', () => {
  serveUsage(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
