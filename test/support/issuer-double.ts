// A stand-in authorization server on loopback for the resource-server kit: RFC 8414 metadata and a
// JWKS it can withhold (an outage) or never finish answering (a hang), counting every request.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { importSigningKey, type SigningKey } from '../../shared/jwt/keys.ts';
import { signAccessToken } from '../../shared/jwt/sign.ts';

export interface IssuerDouble {
  issuer: string;
  /** Requests for the metadata and for the JWKS. */
  hits: { metadata: number; jwks: number };
  /** `up` answers, `down` answers 503, `hang` never answers. */
  mode: 'up' | 'down' | 'hang';
  /** The keys the JWKS publishes (the first signs). */
  keys: SigningKey[];
  /** A new signing key, published from now on (a rotation). */
  rotate(): Promise<SigningKey>;
  token(input: { audience: string; scope?: string; key?: SigningKey }): Promise<string>;
  close(): Promise<void>;
}

async function newKey(): Promise<SigningKey> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return importSigningKey((privateKey as KeyObject).export({ type: 'pkcs8', format: 'pem' }).toString());
}

export async function startIssuerDouble(): Promise<IssuerDouble> {
  const hanging = new Set<import('node:http').ServerResponse>();
  const double: IssuerDouble = {
    issuer: '',
    hits: { metadata: 0, jwks: 0 },
    mode: 'up',
    keys: [await newKey()],
    async rotate() {
      const key = await newKey();
      double.keys.unshift(key);
      return key;
    },
    async token({ audience, scope = 'read', key }) {
      const { token } = await signAccessToken(key ?? double.keys[0]!, {
        issuer: double.issuer,
        audience,
        subject: 'alice',
        clientId: 'reporting',
        scope,
        ttlSeconds: 300,
        now: Date.now(),
        typ: 'at+jwt',
      });
      return token;
    },
    close: () =>
      new Promise((done) => {
        for (const res of hanging) res.destroy();
        server.close(() => done());
      }),
  };
  const server: Server = createServer((req, res) => {
    const which = req.url === '/.well-known/oauth-authorization-server' ? 'metadata' : 'jwks';
    double.hits[which]++;
    if (double.mode === 'hang') {
      hanging.add(res);
      return;
    }
    if (double.mode === 'down') {
      res.writeHead(503).end();
      return;
    }
    const body =
      which === 'metadata'
        ? { issuer: double.issuer, jwks_uri: `${double.issuer}/.well-known/jwks.json` }
        : { keys: double.keys.map((k) => k.publicJwk) };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  double.issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return double;
}
