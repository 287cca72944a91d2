// A client's redirect URI for browser tests: a tiny page on a free loopback port.
import { createServer } from 'node:http';
import { freePort } from '../../infra/net.ts';

export interface CallbackPage {
  redirectUri: string;
  close(): Promise<void>;
}

export async function startCallbackPage(): Promise<CallbackPage> {
  const port = await freePort();
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html;charset=utf-8' });
    res.end('<!doctype html><title>Callback</title><p>Back at the client.</p>');
  });
  await new Promise<void>((ok) => server.listen(port, '127.0.0.1', ok));
  return {
    redirectUri: `http://127.0.0.1:${port}/callback`,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
