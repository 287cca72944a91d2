// The floor: CPU per raw RS256 signature and verification with node:crypto (2048-bit key), and the
// same operations through jose's paths, measured in this process one after the other.
import { generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';
import { importJWK, jwtVerify, SignJWT } from 'jose';
import { cpuPerCall, median } from './stats.ts';

export interface CryptoFigures {
  sign_cpu_us: number;
  verify_cpu_us: number;
  /** The same RS256 operations through jose (WebCrypto underneath), for comparison. */
  jose_sign_cpu_us: number;
  jose_verify_cpu_us: number;
}

/**
 * Raw RS256 with node:crypto alone, on one key made once, for measuring the floor again right before
 * and right after each load phase: the speed of a core on a shared machine drifts within seconds.
 */
export function createFloorMeter(): {
  measure(signs: number, verifies: number): Promise<{ sign: number; verify: number }>;
} {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  // A signing input of an access token's size.
  const input = Buffer.alloc(480, 'eyJhbGciOiJSUzI1NiJ9');
  const signature = sign('sha256', input, privateKey);
  return {
    async measure(signs, verifies) {
      return {
        sign: signs > 0 ? await cpuPerCall(signs, () => sign('sha256', input, privateKey)) : Number.NaN,
        verify:
          verifies > 0
            ? await cpuPerCall(verifies, () => verify('sha256', input, publicKey, signature))
            : Number.NaN,
      };
    },
  };
}

export async function measureCrypto(signs: number, verifies: number, rounds = 3): Promise<CryptoFigures> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const claims = {
    iss: 'http://127.0.0.1:8080',
    sub: 'bench-client',
    aud: 'http://127.0.0.1:8080/work',
    iat: 1_800_000_000,
    nbf: 1_800_000_000,
    exp: 1_800_000_300,
    jti: 'AAAAAAAAAAAAAAAAAAAAAA',
    client_id: 'bench-client',
    scope: 'read write',
  };
  const header = { alg: 'RS256', typ: 'at+jwt', kid: 'k' };
  const input = Buffer.from(
    `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`,
  );
  const signature = sign('sha256', input, privateKey);
  const token = `${input.toString()}.${signature.toString('base64url')}`;
  const joseSigningKey = await importJWK({ ...privateKey.export({ format: 'jwk' }), alg: 'RS256' });
  const joseVerifyKey = await importJWK({ ...publicKey.export({ format: 'jwk' }), alg: 'RS256' });
  const rawSign = (key: KeyObject) => () => sign('sha256', input, key);

  // Interleaved, three times each, median: drift on a shared machine hits every path alike.
  const figures = {
    sign: [] as number[],
    verify: [] as number[],
    joseSign: [] as number[],
    joseVerify: [] as number[],
  };
  for (let round = 0; round < rounds; round++) {
    figures.sign.push(await cpuPerCall(signs, rawSign(privateKey)));
    figures.joseSign.push(
      await cpuPerCall(signs, () => new SignJWT(claims).setProtectedHeader(header).sign(joseSigningKey)),
    );
    figures.verify.push(await cpuPerCall(verifies, () => verify('sha256', input, publicKey, signature)));
    figures.joseVerify.push(
      await cpuPerCall(verifies, () =>
        jwtVerify(token, joseVerifyKey, { algorithms: ['RS256'], currentDate: new Date(1_800_000_100_000) }),
      ),
    );
  }
  return {
    sign_cpu_us: median(figures.sign),
    verify_cpu_us: median(figures.verify),
    jose_sign_cpu_us: median(figures.joseSign),
    jose_verify_cpu_us: median(figures.joseVerify),
  };
}
