// Key material for a deployment: RSA key pair, its public JWK, and fresh secrets.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { gatewayPublicKey, importSigningKey, type PublicJwk } from '../../shared/jwt/keys.ts';

export interface GeneratedKeys {
  privatePem: string;
  publicPem: string;
  publicJwk: Readonly<PublicJwk>;
  /** The JSON API Gateway's OauthConfig.PublicKey takes (the seed's `pulic` file). */
  gatewayJson: string;
  kid: string;
}

export async function generateSigningKeys(bits = 2048): Promise<GeneratedKeys> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: bits,
    publicExponent: 0x10001,
  });
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const key = await importSigningKey(privatePem);
  return {
    privatePem,
    publicPem,
    publicJwk: key.publicJwk,
    gatewayJson: gatewayPublicKey(key.publicJwk),
    kid: key.kid,
  };
}

export function generateSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** The environment lines a deployment sets for these keys. */
export function keyEnvLines(keys: GeneratedKeys): Record<string, string> {
  return {
    OAUTH_PRIVATE_KEY: Buffer.from(keys.privatePem).toString('base64'),
    OAUTH_PUBLIC_KEYS: JSON.stringify({ keys: [keys.publicJwk] }),
    OAUTH_GATEWAY_PUBLIC_KEY: keys.gatewayJson,
  };
}
