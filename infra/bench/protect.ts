// The resource-server kit's cost per event, in this process: `protect` with its keys fetched once from
// a JWKS URL and held, against the raw RS256 verification of the same tokens with node:crypto, round by
// round. What `protect` adds (event reading, token extraction, header and claims checks) is the difference.
import { generateKeyPairSync, verify } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { importSigningKey } from '../../shared/jwt/keys.ts';
import { signAccessToken } from '../../shared/jwt/sign.ts';
import { setLogSink } from '../../shared/log.ts';
import { protect } from '../../shared/resource-server/index.ts';
import { cpuPerCall, median } from './stats.ts';

export interface ProtectFigures {
  /** CPU µs per event through `protect` (the handler does nothing). */
  protect_cpu_us: number;
  /** CPU µs per raw RS256 verification of the same tokens. */
  protect_raw_verify_cpu_us: number;
  /** Median over the rounds of (protect − raw verification) within each round. */
  protect_overhead_us: number;
  /** Fetches of the JWKS over the whole measurement: 1, none on the hot path. */
  protect_jwks_fetches: number;
}

export async function measureProtect(rounds: number, calls: number): Promise<ProtectFigures> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = await importSigningKey(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  let fetches = 0;
  const server = createServer((_req, res) => {
    fetches++;
    res.end(JSON.stringify({ keys: [key.publicJwk] }));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const issuer = 'https://auth.example';
  const audience = 'https://api.example/orders';
  const main = protect(
    {
      issuer,
      audience,
      scopes: ['read'],
      jwksUri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`,
    },
    () => ({ isBase64Encoded: false, statusCode: 200, headers: {}, body: 'ok' }),
  );
  // A different token for every event, as clients send them.
  const tokens: string[] = [];
  for (let i = 0; i < 500; i++) {
    const { token } = await signAccessToken(key, {
      issuer,
      audience,
      subject: 'bench-user',
      clientId: 'bench-client',
      scope: 'read write',
      ttlSeconds: 3600,
      now: Date.now(),
      typ: 'at+jwt',
    });
    tokens.push(token);
  }
  const events = tokens.map((token) => ({
    httpMethod: 'GET',
    path: '/orders',
    headers: { host: 'api.example', authorization: `Bearer ${token}` },
    queryString: {},
    body: '',
    isBase64Encoded: false,
    requestContext: { requestId: 'bench', path: '/orders', httpMethod: 'GET', stage: 'release' },
  }));
  let i = 0;
  const viaProtect = async () => {
    const out = (await main(events[i++ % events.length], {})) as { statusCode: number };
    if (out.statusCode !== 200) throw new Error(`protect answered ${out.statusCode}`);
  };
  let j = 0;
  // Raw verification of the token string: its signing input and signature taken apart and decoded,
  // then RS256 with node:crypto — what any verifier of the token does before checking anything else.
  const raw = () => {
    const t = tokens[j++ % tokens.length]!;
    const dot = t.lastIndexOf('.');
    const input = Buffer.from(t.slice(0, dot), 'latin1');
    return verify('sha256', input, key.publicKey, Buffer.from(t.slice(dot + 1), 'base64url'));
  };
  const restore = setLogSink(() => {});
  try {
    await cpuPerCall(calls, viaProtect);
    await cpuPerCall(calls, raw);
    const protectUs: number[] = [];
    const rawUs: number[] = [];
    for (let round = 0; round < rounds; round++) {
      protectUs.push(await cpuPerCall(calls, viaProtect, 0));
      rawUs.push(await cpuPerCall(calls, raw, 0));
    }
    return {
      protect_cpu_us: median(protectUs),
      protect_raw_verify_cpu_us: median(rawUs),
      protect_overhead_us: median(protectUs.map((p, k) => p - rawUs[k]!)),
      protect_jwks_fetches: fetches,
    };
  } finally {
    setLogSink(restore);
    server.close();
  }
}
