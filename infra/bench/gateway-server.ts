// The local gateway in a process of its own, serving production (minified, prebuilt) bundles, so
// that its CPU time and memory are measured apart from the load generator.
// argv: <project root with dist/> <port>; the environment is the functions' configuration.
import { startGateway } from '../gateway/server.ts';
import { serveUsage } from './usage.ts';

const [root, port] = process.argv.slice(2);
if (!root || !port) throw new TypeError('usage: gateway-server.ts <root> <port>');
const gateway = await startGateway({
  root,
  env: process.env,
  port: Number(port),
  prebuilt: true,
  // Function log lines are produced as in production; the bench discards them here rather than
  // paying for a terminal.
  onOutput: () => {},
});
serveUsage(gateway.url, () => gateway.close());
