// The authorize function's configuration, read once from its environment at cold start.
import { type ClientRegistry, readClients } from '../../shared/clients.ts';
import { readKey, readSealKeys, readStore } from '../../shared/config.ts';
import { type Env, EnvReader, readIssuer } from '../../shared/env.ts';
import { type Locale, SUPPORTED_LOCALES } from '../../shared/i18n/locales.ts';
import { readScopeDescriptions, type ScopeDescriptions } from '../../shared/i18n/scopes.ts';
import { importPublicKeys, type VerificationKey } from '../../shared/jwt/keys.ts';
import { type RegistryConfig, readRegistryConfig } from '../../shared/registry-config.ts';
import { checkClientResources, readResources } from '../../shared/resources.ts';
import { AUTHORIZE_PURPOSES, type SealKeys } from '../../shared/seal.ts';
import { readUsers, type UserDirectory } from '../../shared/users.ts';

export interface AuthorizeConfig {
  issuer: string;
  /** Seals authorization codes, session cookies and CSRF tokens (AUTHORIZE_PURPOSES); never refresh tokens. */
  sealKeys: SealKeys;
  /** RFC 8707: the resources a `resource` parameter may name (OAUTH_RESOURCES, or OAUTH_AUDIENCE). */
  resources: readonly string[];
  clients: ClientRegistry;
  users: UserDirectory;
  /** RFC 9700 §4.5 / OAuth 2.1 §4.1.2: authorization codes live briefly (default 60 s, never over 600). */
  codeTtl: number;
  /** Life of the login session cookie. */
  sessionTtl: number;
  /** Require PKCE of confidential clients too (public clients always need it). */
  requirePkce: boolean;
  /** OAUTH_DEFAULT_LOCALE: the page language when neither ui_locales nor Accept-Language decide. */
  defaultLocale: Locale;
  /** OAUTH_SCOPE_DESCRIPTIONS: what the deployment's own scopes mean, per language, for the consent page. */
  scopeDescriptions: ScopeDescriptions;
  /**
   * OAUTH_PUBLIC_KEYS (optional here): the public keys of ID tokens, to read an `id_token_hint`. Public
   * keys only: the authorize function never holds the private key.
   */
  publicKeys: readonly VerificationKey[];
  /** The registry's clients and users, and sign-in throttling, live here (shared/registry.ts). */
  store: string;
  registry: RegistryConfig;
}

/**
 * The authorize function: no private key (its session is a sealed cookie, codes are sealed); the store
 * holds the registry's clients and users and the sign-in limits.
 */
export async function loadAuthorizeConfig(env: Env): Promise<Readonly<AuthorizeConfig>> {
  const reader = new EnvReader(env);
  const issuer = readIssuer(reader);
  const sealKeys = readSealKeys(reader, AUTHORIZE_PURPOSES);
  const clients = readClients(reader);
  const users = readUsers(reader);
  const resources = readResources(reader, reader.optional('OAUTH_AUDIENCE'));
  checkClientResources(reader, clients.values(), resources);
  const codeTtl = reader.integer('OAUTH_CODE_TTL', 60, 10, 600);
  const sessionTtl = reader.integer('OAUTH_SESSION_TTL', 1800, 60, 86_400);
  const requirePkce = reader.boolean('OAUTH_REQUIRE_PKCE', true);
  const store = readStore(reader);
  const registry = readRegistryConfig(reader, issuer, store, clients);
  refuseSubjectClash(reader, clients, users);
  const defaultLocale = reader.oneOf<Locale>('OAUTH_DEFAULT_LOCALE', 'en', SUPPORTED_LOCALES);
  const scopeDescriptions = readScopeDescriptions(reader);
  const publicKeys = await readKey(reader, 'OAUTH_PUBLIC_KEYS', false, importPublicKeys);
  return reader.finish({
    issuer,
    resources,
    sealKeys,
    clients,
    users,
    codeTtl,
    sessionTtl,
    requirePkce,
    defaultLocale,
    scopeDescriptions,
    publicKeys: publicKeys ?? [],
    store,
    registry,
  });
}

/**
 * RFC 9068 §5: a client_credentials token's `sub` is the client_id, so a user whose `sub` is also a
 * client_id would get tokens a resource server cannot tell from that client's own.
 */
function refuseSubjectClash(reader: EnvReader, clients: ClientRegistry, users: UserDirectory): void {
  const clientIds = [...clients.keys()];
  [...users.values()].forEach((user, i) => {
    const clash = clientIds.indexOf(user.sub);
    if (clash >= 0) {
      reader.report(
        `OAUTH_USERS[${i}].sub (the username when sub is not set) equals the client_id of OAUTH_CLIENTS[${clash}]: give the user another sub (RFC 9068 §5)`,
      );
    }
  });
}
