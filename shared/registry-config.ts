// Configuration of the registry's optional parts, read by the authorize and token functions: dynamic
// client registration (RFC 7591), Client ID Metadata Documents, and the sign-in and registration limits.
import type { ClientRegistry } from './clients.ts';
import { type EnvReader, isLoopbackHost } from './env.ts';

export type RegistrationMode = 'off' | 'open' | 'token';

export interface Limit {
  /** How many events a key may have in one window. */
  max: number;
  /** Seconds. */
  window: number;
}

export interface RegistryConfig {
  /** OAUTH_REGISTRATION: POST /register is served (`open`, or `token` with a bearer token) or not. */
  registration: RegistrationMode;
  registrationToken?: string;
  /** Registrations per caller address. */
  registrationLimit: Limit;
  /** A self-registered client unused this long (seconds) is forgotten. */
  registrationUnusedTtl: number;
  /** OAUTH_CLIENT_ID_METADATA_DOCUMENTS: a client_id that is an https URL names its metadata. */
  metadataDocuments: boolean;
  /** OAUTH_CIMD_ALLOW_LOOPBACK: documents on http://127.0.0.1 too (local development and tests). */
  metadataDocumentsOnLoopback: boolean;
  /** Failed sign-ins per username, and per caller address. */
  loginLimit: Limit;
  loginAddressLimit: Limit;
  /** The scopes a self-registered or metadata-document client may have: those of OAUTH_CLIENTS. */
  scopes: readonly string[];
}

const MIN_TOKEN_LENGTH = 32;

export function readRegistryConfig(
  reader: EnvReader,
  issuer: string,
  store: string,
  clients: ClientRegistry,
): RegistryConfig {
  const registration = reader.oneOf<RegistrationMode>('OAUTH_REGISTRATION', 'off', ['off', 'open', 'token']);
  const token = reader.optional('OAUTH_REGISTRATION_TOKEN');
  if (registration === 'token' && token === undefined) {
    reader.report('OAUTH_REGISTRATION=token needs OAUTH_REGISTRATION_TOKEN');
  }
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH) {
    reader.report(`OAUTH_REGISTRATION_TOKEN must be at least ${MIN_TOKEN_LENGTH} characters`);
  }
  // A client registered at the token function must be found by the authorize function: they share
  // only a Redis store (a memory store is private to each instance).
  if (registration !== 'off' && store === 'memory') {
    reader.report('OAUTH_REGISTRATION needs OAUTH_STORE to be a redis:// URL (memory is per instance)');
  }
  const metadataDocuments = reader.boolean('OAUTH_CLIENT_ID_METADATA_DOCUMENTS', false);
  const onLoopback = reader.boolean('OAUTH_CIMD_ALLOW_LOOPBACK', false);
  if (onLoopback && !issuerIsLoopback(issuer)) {
    reader.report(
      'OAUTH_CIMD_ALLOW_LOOPBACK is for local development only: it needs OAUTH_ISSUER on a loopback host',
    );
  }
  const scopes = new Set<string>();
  for (const client of clients.values()) for (const s of client.scopes) scopes.add(s);
  return {
    registration,
    ...(token !== undefined ? { registrationToken: token } : {}),
    registrationLimit: {
      max: reader.integer('OAUTH_REGISTRATION_RATE_LIMIT', 10, 1, 10_000),
      window: 3600,
    },
    registrationUnusedTtl: reader.integer('OAUTH_REGISTRATION_UNUSED_DAYS', 30, 1, 3650) * 86_400,
    metadataDocuments,
    metadataDocumentsOnLoopback: onLoopback,
    loginLimit: {
      max: reader.integer('OAUTH_LOGIN_MAX_FAILURES', 5, 1, 1000),
      window: reader.integer('OAUTH_LOGIN_WINDOW', 900, 60, 86_400),
    },
    loginAddressLimit: {
      max: reader.integer('OAUTH_LOGIN_MAX_FAILURES_PER_IP', 100, 1, 100_000),
      window: reader.integer('OAUTH_LOGIN_WINDOW', 900, 60, 86_400),
    },
    scopes: [...scopes].sort(),
  };
}

function issuerIsLoopback(issuer: string): boolean {
  try {
    return isLoopbackHost(new URL(issuer).hostname);
  } catch {
    return false;
  }
}
