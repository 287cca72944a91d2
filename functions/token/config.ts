// The token function's configuration, read once from its environment at cold start.
import { type ClientRegistry, readClients } from '../../shared/clients.ts';
import {
  readAccessTokenTyp,
  readAudience,
  readKey,
  readSealKeys,
  readStore,
  readTolerance,
} from '../../shared/config.ts';
import { type Env, EnvReader, readIssuer } from '../../shared/env.ts';
import {
  importPublicKeys,
  importSigningKey,
  type SigningKey,
  type VerificationKey,
} from '../../shared/jwt/keys.ts';
import { type AccessTokenTyp, MAX_ACCESS_TOKEN_TTL } from '../../shared/jwt/sign.ts';
import { type RegistryConfig, readRegistryConfig } from '../../shared/registry-config.ts';
import { checkClientResources, readResources } from '../../shared/resources.ts';
import { type SealKeys, TOKEN_PURPOSES } from '../../shared/seal.ts';
import { readRotation } from './rotation.ts';

export interface TokenConfig {
  issuer: string;
  audience: string;
  /** RFC 8707: the resources tokens may be issued for (OAUTH_RESOURCES; default the audience). */
  resources: readonly string[];
  signingKey: SigningKey;
  /** Public keys of retired signing keys, still published until their tokens expire. */
  retiredKeys: readonly VerificationKey[];
  /** Public keys of the next signing key(s): published ahead of the switch, never trusted here. */
  nextKeys: readonly VerificationKey[];
  /** Unix seconds: no token signed by the current key may expire later (the planned key switch). */
  signingKeyNotAfter?: number;
  /** Opens authorization codes, seals and opens refresh tokens (TOKEN_PURPOSES). */
  sealKeys: SealKeys;
  clients: ClientRegistry;
  store: string;
  accessTokenTtl: number;
  accessTokenTyp: AccessTokenTyp;
  clockTolerance: number;
  /** Absolute life of a refresh-token family (rotation keeps the first expiry). */
  refreshTokenTtl: number;
  registry: RegistryConfig;
}

export async function loadTokenConfig(env: Env): Promise<Readonly<TokenConfig>> {
  const reader = new EnvReader(env);
  const issuer = readIssuer(reader);
  const audience = readAudience(reader);
  const signingKey = await readKey(reader, 'OAUTH_PRIVATE_KEY', true, importSigningKey);
  const retired = await readKey(reader, 'OAUTH_RETIRED_PUBLIC_KEYS', false, importPublicKeys);
  const sealKeys = readSealKeys(reader, TOKEN_PURPOSES);
  const clients = readClients(reader);
  const resources = readResources(reader, audience);
  checkClientResources(reader, clients.values(), resources);
  const store = readStore(reader);
  const accessTokenTtl = reader.integer('OAUTH_ACCESS_TOKEN_TTL', 300, 60, MAX_ACCESS_TOKEN_TTL);
  const accessTokenTyp = readAccessTokenTyp(reader);
  const clockTolerance = readTolerance(reader);
  const refreshTokenTtl = readRefreshTokenTtl(reader);
  const rotation = await readRotation(reader, signingKey);
  const registry = readRegistryConfig(reader, issuer, store, clients);
  return reader.finish({
    issuer,
    audience,
    resources,
    signingKey: signingKey as SigningKey,
    retiredKeys: (retired ?? []).filter((k) => k.kid !== signingKey?.kid),
    ...rotation,
    sealKeys,
    clients,
    store,
    accessTokenTtl,
    accessTokenTyp,
    clockTolerance,
    refreshTokenTtl,
    registry,
  });
}

export function readRefreshTokenTtl(reader: EnvReader): number {
  return reader.integer('OAUTH_REFRESH_TOKEN_TTL', 14 * 86_400, 300, 365 * 86_400);
}
