// npm run serve: the production server. It refuses to start without real configuration (naming
// every missing variable), refuses several workers without a shared store, serves the README's
// walk-through as written, answers /healthz, and on SIGTERM finishes what is in flight and exits 0.
import { request } from 'node:http';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDevEnvironment } from '../../infra/gateway/dev-env.ts';
import { freePort } from '../../infra/net.ts';
import { startServer } from '../../infra/serve/server.ts';
import { expectStepsPrintWhatIsShown } from '../support/npm-start.ts';
import { readmeSteps } from '../support/readme.ts';
import { redisForFile } from '../support/redis.ts';
import { ROOT } from '../support/run.ts';
import { type ServeProcess, spawnServe } from '../support/serve.ts';

const redis = redisForFile();

describe('npm run serve refuses to start without real configuration', () => {
  it('names every missing variable of every function, and exits 1', async () => {
    const server = await spawnServe({}, [], null);
    expect(await server.exited).toBe(1);
    const out = server.output();
    for (const line of [
      'oauth-authorize: OAUTH_ISSUER is missing',
      'oauth-authorize: OAUTH_USERS is missing',
      'oauth-token: OAUTH_PRIVATE_KEY is missing',
      'oauth-token: OAUTH_CLIENTS is missing',
      'oauth-business: OAUTH_PUBLIC_KEYS is missing',
    ]) {
      expect(out).toContain(line);
    }
    expect(out).not.toContain('serving on');
  });

  it('refuses --workers 2 with a memory store, naming OAUTH_STORE', async () => {
    const dev = await makeDevEnvironment(await freePort());
    const server = await spawnServe(dev.env, ['--workers', '2'], null);
    expect(await server.exited).toBe(1);
    expect(server.output()).toContain(
      'OAUTH_STORE must be a redis:// or rediss:// URL when --workers is more than 1',
    );
  });

  it.each([['0'], ['two'], ['65']])('refuses --workers %s', async (n) => {
    const dev = await makeDevEnvironment(await freePort());
    const server = await spawnServe(dev.env, ['--workers', n], null);
    expect(await server.exited).toBe(1);
    expect(server.output()).toContain('--workers must be an integer 1–64');
  });
});

describe('npm run serve with a real configuration', () => {
  let server: ServeProcess;
  let secret: string;
  beforeAll(async () => {
    const port = await freePort();
    // A complete configuration, made for this test and passed in the environment, as an operator would.
    const dev = await makeDevEnvironment(port);
    secret = dev.clientSecret;
    server = await spawnServe(dev.env, [], 'serving on', port);
  });
  afterAll(() => server?.stop());

  it('runs the README walk-through as written', () => {
    const steps = readmeSteps('serve-walkthrough');
    expect(steps.length).toBeGreaterThanOrEqual(5);
    expectStepsPrintWhatIsShown(steps, { port: server.port, output: server.output, stop: () => {} }, secret);
  });

  it('answers TRACE with 405, as every platform entry does', async () => {
    const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path: '/token', method: 'TRACE' }, (r) => {
        let text = '';
        r.setEncoding('utf8').on('data', (c: string) => {
          text += c;
        });
        r.on('end', () => resolve({ status: r.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(res.status).toBe(405);
    expect(JSON.parse(res.text)).toMatchObject({ error: 'method_not_allowed' });
  });

  it('answers 404 with a JSON error for a path no function serves', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/nowhere`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'not_found', error_description: 'no endpoint here' });
  });

  it('on SIGTERM finishes the request in flight, then exits 0', async () => {
    const body = `grant_type=client_credentials`;
    // A token request whose body is still arriving when SIGTERM comes.
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: server.port,
          path: '/token',
          method: 'POST',
          auth: `demo-client:${secret}`,
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': body.length },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (c: string) => {
            text += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 10));
      setTimeout(() => {
        server.child.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(10)), 300);
      }, 300);
    });
    const done = await answer;
    expect(done.status).toBe(200);
    expect(done.text).toContain('"access_token"');
    expect(await server.exited).toBe(0);
    expect(server.output()).toContain('stopped');
    // Nothing listens any more.
    await expect(fetch(`http://127.0.0.1:${server.port}/healthz`)).rejects.toThrow();
  });
});

describe.skipIf(!redis.available)('npm run serve with a Redis store', () => {
  it('closes its store connections on shutdown', async () => {
    const probe = new Redis(redis.url(), { connectionName: 'serve-probe' });
    const others = async () =>
      ((await probe.call('CLIENT', 'LIST')) as string)
        .split('\n')
        .filter((l) => l.includes('addr=') && !l.includes('name=serve-probe')).length;
    try {
      const before = await others();
      const port = await freePort();
      const dev = await makeDevEnvironment(port);
      // In this process, so that what it leaves open is visible here.
      const running = await startServer({
        root: ROOT,
        env: { ...dev.env, OAUTH_STORE: redis.url() },
        host: '127.0.0.1',
        port,
      });
      const auth = `Basic ${Buffer.from(`demo-client:${dev.clientSecret}`).toString('base64')}`;
      const issued = await fetch(`${running.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: auth },
        body: 'grant_type=client_credentials',
      });
      expect(issued.status).toBe(200);
      const { access_token } = (await issued.json()) as { access_token: string };
      // The business function asks the store whether the token was revoked: a store connection.
      const work = await fetch(`${running.url}/work`, {
        headers: { authorization: `Bearer ${access_token}` },
      });
      expect(work.status).toBe(200);
      expect(await others()).toBeGreaterThan(before);
      await running.close();
      const started = Date.now();
      while ((await others()) > before && Date.now() - started < 5000)
        await new Promise((r) => setTimeout(r, 50));
      expect(await others()).toBe(before);
    } finally {
      probe.disconnect();
    }
  });

  it('serves from two processes sharing the store, and stops them all on SIGTERM', async () => {
    const port = await freePort();
    const dev = await makeDevEnvironment(port);
    const server = await spawnServe({ ...dev.env, OAUTH_STORE: redis.url() }, ['--workers', '2'], null, port);
    try {
      const base = `http://127.0.0.1:${port}`;
      const started = Date.now();
      while (server.output().split('serving on').length < 3) {
        if (Date.now() - started > 30_000) throw new Error(`workers did not start:\n${server.output()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
      const auth = `Basic ${Buffer.from(`demo-client:${dev.clientSecret}`).toString('base64')}`;
      const form = { 'content-type': 'application/x-www-form-urlencoded', authorization: auth };
      const issued = await fetch(`${base}/token`, {
        method: 'POST',
        headers: form,
        body: 'grant_type=client_credentials',
      });
      const { access_token } = (await issued.json()) as { access_token: string };
      // A revocation made through one worker is seen by every worker: the store is shared.
      expect(
        (await fetch(`${base}/revoke`, { method: 'POST', headers: form, body: `token=${access_token}` }))
          .status,
      ).toBe(200);
      for (let i = 0; i < 4; i++) {
        const seen = await fetch(`${base}/introspect`, {
          method: 'POST',
          headers: form,
          body: `token=${access_token}`,
        });
        expect(await seen.json()).toEqual({ active: false });
      }
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(server.output()).toContain('all workers stopped');
  });
});
