// The local gateway's OAuth 2.0 business-API check: what API Gateway refuses before the backend runs.
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGatewayVerifier, GATEWAY_MESSAGES, type GatewayVerifier } from '../../infra/gateway/oauth.ts';

const NOW_MS = 1_800_000_000_000;
const NOW_S = NOW_MS / 1000;

let ours: KeyObject;
let theirs: KeyObject;
let gateway: GatewayVerifier;

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

function forge(header: object | string, claims: object | string, signer = ours): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), signer).toString('base64url')}`;
}

const claims = { iss: 'https://auth.example', sub: 's', iat: NOW_S, exp: NOW_S + 300 };
const header = { alg: 'RS256', typ: 'at+jwt', kid: 'k' };

function check(token: string) {
  return gateway.check({ authorization: `Bearer id_token="${token}"` }, NOW_MS);
}

beforeAll(() => {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  ours = pair.privateKey;
  theirs = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const { n, e } = pair.publicKey.export({ format: 'jwk' });
  gateway = createGatewayVerifier({ publicKey: JSON.stringify({ kty: 'RSA', n, e }) });
});

describe('gateway token check', () => {
  it('passes a token signed with the authorization API key, in both header forms', async () => {
    const token = forge(header, claims);
    expect(await check(token)).toBeUndefined();
    expect(await gateway.check({ authorization: `Bearer ${token}` }, NOW_MS)).toBeUndefined();
  });

  it('refuses other keys, other algorithms, extensions, tampering and bad claims', async () => {
    const refused = { status: 401, message: GATEWAY_MESSAGES.verify };
    const good = forge(header, claims);
    const [h, , s] = good.split('.');
    const bad = [
      forge(header, claims, theirs),
      forge({ ...header, alg: 'RS512' }, claims),
      `${b64({ alg: 'none' })}.${b64(claims)}.AAAA`,
      forge({ ...header, crit: ['exp'] }, claims),
      `${h}.${b64({ ...claims, sub: 'admin' })}.${s}`,
      forge(header, { ...claims, exp: NOW_S }),
      forge(header, { ...claims, exp: undefined }),
      forge(header, { ...claims, iat: '1' }),
      forge(header, { ...claims, nbf: NOW_S + 120 }),
      forge(header, '[]'),
      forge('"x"', claims),
    ];
    for (const token of bad) expect(await check(token)).toEqual(refused);
  });
});
