// Planning a signing-key rotation: the new key, the retired set, and the environment of each step.
// The steps and why they are safe behind a single-key gateway are in docs/key-rotation.md.
import { formatInstant } from '../../shared/instant.ts';
import { gatewayPublicKey, type PublicJwk, type SigningKey } from '../../shared/jwt/keys.ts';
import type { GeneratedKeys } from './generate.ts';

export interface RotationPlan {
  currentKid: string;
  nextKid: string;
  switchAt: number;
  /** Step 1, now: publish the next key, cap the current key's tokens at the switch time. */
  publish: Record<string, string>;
  /** Step 2, at the switch time: the gateway first, then the token function. */
  switch: Record<string, string>;
  /** Step 3, once the old key's last tokens are past their exp and the clock tolerance. */
  retire: Record<string, string>;
  /** The retired public keys after the switch (what OAUTH_RETIRED_PUBLIC_KEYS holds in step 2). */
  retired: { keys: PublicJwk[] };
}

const jwks = (...keys: Readonly<PublicJwk>[]) => JSON.stringify({ keys: keys.map((k) => ({ ...k })) });

/**
 * Only the current key is retired: a key retired by an earlier rotation signed nothing after that
 * rotation's switch time, so all its tokens expired before this rotation can reach its own switch.
 */
export function planRotation(current: SigningKey, next: GeneratedKeys, switchAt: number): RotationPlan {
  const old = current.publicJwk;
  return {
    currentKid: current.kid,
    nextKid: next.kid,
    switchAt,
    publish: {
      OAUTH_NEXT_PUBLIC_KEYS: jwks(next.publicJwk),
      OAUTH_SIGNING_KEY_NOT_AFTER: formatInstant(switchAt),
      OAUTH_PUBLIC_KEYS: jwks(old, next.publicJwk),
    },
    switch: {
      OAUTH_GATEWAY_PUBLIC_KEY: gatewayPublicKey(next.publicJwk),
      OAUTH_PRIVATE_KEY: Buffer.from(next.privatePem).toString('base64'),
      OAUTH_RETIRED_PUBLIC_KEYS: jwks(old),
      OAUTH_PUBLIC_KEYS: jwks(next.publicJwk, old),
      OAUTH_NEXT_PUBLIC_KEYS: '',
      OAUTH_SIGNING_KEY_NOT_AFTER: '',
    },
    retire: {
      OAUTH_RETIRED_PUBLIC_KEYS: '',
      OAUTH_PUBLIC_KEYS: jwks(next.publicJwk),
    },
    retired: { keys: [{ ...old }] },
  };
}

/** `.env` lines; values that are JSON are single-quoted, secrets and times are bare. */
export function envLines(vars: Record<string, string>): string {
  return Object.entries(vars)
    .map(([k, v]) => `${k}=${v.startsWith('{') ? `'${v}'` : v}`)
    .join('\n');
}
