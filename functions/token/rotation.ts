// Signing-key rotation behind a gateway that holds one public key (API Gateway's OauthConfig.PublicKey).
// Before the planned switch time T the current key keeps signing, but no token it signs outlives T;
// the next key is published ahead; at T the gateway and the signing key change together, and every
// token of the old key has already expired. docs/key-rotation.md walks through the procedure.
import { readKey } from '../../shared/config.ts';
import type { EnvReader } from '../../shared/env.ts';
import { OAuthError } from '../../shared/errors.ts';
import { formatInstant, parseInstant } from '../../shared/instant.ts';
import { importPublicKeys, type SigningKey, type VerificationKey } from '../../shared/jwt/keys.ts';

export interface RotationConfig {
  nextKeys: readonly VerificationKey[];
  signingKeyNotAfter?: number;
}

export async function readRotation(
  reader: EnvReader,
  signingKey: SigningKey | undefined,
): Promise<RotationConfig> {
  const next = await readKey(reader, 'OAUTH_NEXT_PUBLIC_KEYS', false, importPublicKeys);
  const nextKeys = (next ?? []).filter((k) => k.kid !== signingKey?.kid);
  const notAfter = reader.optional('OAUTH_SIGNING_KEY_NOT_AFTER');
  if (notAfter === undefined) return { nextKeys };
  const parsed = parseInstant(notAfter);
  if ('problem' in parsed) {
    reader.report(
      `OAUTH_SIGNING_KEY_NOT_AFTER ${parsed.problem}, got ${JSON.stringify(notAfter.slice(0, 40))}`,
    );
    return { nextKeys };
  }
  return { nextKeys, signingKeyNotAfter: parsed.seconds };
}

/**
 * The lifetime of an access token signed now: the configured one, cut so that the token expires no
 * later than the signing key's switch time. Past that time the key must not sign at all: the gateway
 * may already hold the next key, so a token would be refused there. The token endpoint answers 503
 * until the new key is deployed, which breaks no token that is still valid.
 */
export function accessTokenLifetime(ttlSeconds: number, notAfter: number | undefined, nowMs: number): number {
  if (notAfter === undefined) return ttlSeconds;
  const remaining = notAfter - Math.floor(nowMs / 1000);
  if (remaining <= 0) {
    throw new OAuthError('temporarily_unavailable', 'the signing key is being rotated; try again shortly', {
      headers: { 'retry-after': '5' },
      cause: `the signing key passed OAUTH_SIGNING_KEY_NOT_AFTER (${formatInstant(notAfter)}): deploy the next key`,
    });
  }
  return Math.min(ttlSeconds, remaining);
}
