// The registry in the store: clients and users added with `npm run admin` or by dynamic registration
// (RFC 7591), beside the ones in OAUTH_CLIENTS / OAUTH_USERS. The environment is read first, so a
// store entry can never shadow a configured client or user. This module owns the `client`, `user`,
// `subject` and `disabled` records of the store.
import { randomBytes } from 'node:crypto';
import { type Client, type ClientRegistry, digestSecret, readClient } from './clients.ts';
import { EnvReader, parseJsonSafely } from './env.ts';
import { NEVER_EXPIRES, type Store, storeKey } from './store/store.ts';
import { readUsers, type User, type UserDirectory } from './users.ts';

// The registry's store keys, built here only. A username is keyed as OAUTH_USERS reads it (NFC).
const clientKey = (clientId: string) => storeKey('client', clientId);
const userKey = (username: string) => storeKey('user', username.normalize('NFC'));
const subjectKey = (sub: string) => storeKey('subject', sub);
/** The record of a disabled user (a value: when it was disabled); the refresh grant asks for it beside its family's revocation. */
export const disabledKey = (sub: string) => storeKey('disabled', sub);

/** A client as stored: its RFC 7591 metadata, the secret only as a digest, and its bookkeeping. */
export interface ClientRecord {
  [field: string]: unknown;
  client_id: string;
  client_id_issued_at: number;
  /** `sha256:` and the base64url digest; the secret itself is never stored. */
  client_secret_hash?: string;
  /** Set for clients that registered themselves: forgotten after this long unused (seconds). */
  unused_ttl?: number;
  /** Unix seconds at which an unused self-registered client is forgotten. */
  expires_at?: number;
}

interface UserRecord {
  username: string;
  password_hash: string;
  sub: string;
  disabled?: boolean;
}

/** A client problem: every message names the field, never a secret. */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
  }
}

/** A new client secret: 32 random bytes, base64url. */
export function generateClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function secretHash(secret: string): string {
  return `sha256:${digestSecret(secret).toString('base64url')}`;
}

/**
 * Validates one client's metadata exactly as an OAUTH_CLIENTS entry (shared/clients.ts) and returns
 * it as a Client, or throws a RegistryError listing every problem.
 */
export function checkClientMetadata(metadata: unknown, where = 'client'): Client {
  const reader = new EnvReader({});
  const client = readClient(reader, metadata, where);
  if (!client) throw new RegistryError(reader.problems);
  return client;
}

/** Validates one user exactly as an OAUTH_USERS entry. */
export function checkUser(user: UserRecord): User {
  const reader = new EnvReader({ user: JSON.stringify([user]) });
  const found = readUsers(reader, 'user').values().next().value;
  if (reader.problems.length > 0 || !found) throw new RegistryError(reader.problems);
  return found;
}

function parseRecord<T>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    return parseJsonSafely(text) as T;
  } catch {
    return undefined;
  }
}

/** The registry's records in one store. */
export class Registry {
  constructor(
    readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  private seconds(): number {
    return Math.floor(this.now() / 1000);
  }

  async getClient(clientId: string): Promise<ClientRecord | undefined> {
    return parseRecord<ClientRecord>(await this.store.get(clientKey(clientId)));
  }

  /** Stores `record` (already validated); a self-registered one expires when unused. */
  async putClient(record: ClientRecord): Promise<void> {
    const expiresAt = record.unused_ttl ? this.seconds() + record.unused_ttl : NEVER_EXPIRES;
    const stored = record.unused_ttl ? { ...record, expires_at: expiresAt } : record;
    await this.store.put(clientKey(record.client_id), JSON.stringify(stored), expiresAt);
  }

  /** Whether a client was there to remove. */
  async removeClient(clientId: string): Promise<boolean> {
    const found = (await this.getClient(clientId)) !== undefined;
    await this.store.delete(clientKey(clientId));
    return found;
  }

  async listClients(): Promise<ClientRecord[]> {
    return this.list<ClientRecord>(clientKey(''));
  }

  async getUser(username: string): Promise<UserRecord | undefined> {
    return parseRecord<UserRecord>(await this.store.get(userKey(username)));
  }

  async userBySubject(sub: string): Promise<UserRecord | undefined> {
    const username = await this.store.get(subjectKey(sub));
    return username === undefined ? undefined : this.getUser(username);
  }

  async putUser(user: UserRecord): Promise<void> {
    await this.store.put(subjectKey(user.sub), user.username, NEVER_EXPIRES);
    await this.store.put(userKey(user.username), JSON.stringify(user), NEVER_EXPIRES);
  }

  /** Disables the user: no more sign-ins, and their refresh tokens are refused from now on. */
  async disableUser(user: UserRecord): Promise<void> {
    await this.store.put(disabledKey(user.sub), String(this.seconds()), NEVER_EXPIRES);
    await this.putUser({ ...user, disabled: true });
  }

  async listUsers(): Promise<UserRecord[]> {
    return this.list<UserRecord>(userKey(''));
  }

  /** Every record whose key starts with `prefix`: the key of an empty id. */
  private async list<T>(prefix: string): Promise<T[]> {
    const keys = (await this.store.keys(prefix)).sort();
    const records = await Promise.all(keys.map(async (k) => parseRecord<T>(await this.store.get(k))));
    return records.filter((r): r is NonNullable<typeof r> => r !== undefined) as T[];
  }
}

/** Looks a client up by id: the environment, then the registry, then (optionally) a metadata document. */
export interface ClientDirectory {
  get(clientId: string): Promise<Client | undefined>;
}

export interface ClientDirectoryOptions {
  clients: ClientRegistry;
  registry?: Registry;
  /** Client ID Metadata Documents: resolves a `client_id` that is a URL, or undefined when it is not one. */
  documents?: { resolve(clientId: string): Promise<Client | undefined> };
  now?: () => number;
}

export function createClientDirectory(options: ClientDirectoryOptions): ClientDirectory {
  const { clients, registry, documents } = options;
  const now = options.now ?? Date.now;
  return {
    async get(clientId) {
      const configured = clients.get(clientId);
      if (configured) return configured;
      if (documents && /^https?:\/\//.test(clientId)) return documents.resolve(clientId);
      const record = await registry?.getClient(clientId);
      if (!record || !registry) return undefined;
      let client: Client;
      try {
        client = checkClientMetadata(record);
      } catch {
        return undefined;
      }
      // An unused self-registered client is forgotten: each use pushes its expiry back (at most once a day).
      if (record.unused_ttl && record.expires_at !== undefined) {
        const renewAfter = record.expires_at - record.unused_ttl + 86_400;
        if (Math.floor(now() / 1000) >= renewAfter) await registry.putClient(record);
      }
      return client;
    },
  };
}

/** Looks a user up by username or subject: the environment first, then the registry; disabled users are absent. */
export interface UserLookup {
  byUsername(username: string): Promise<User | undefined>;
  bySubject(sub: string): Promise<User | undefined>;
}

export function createUserLookup(users: UserDirectory, registry?: Registry): UserLookup {
  const bySub = new Map<string, User>([...users.values()].map((u) => [u.sub, u]));
  const fromRecord = (record: UserRecord | undefined): User | undefined =>
    record && !record.disabled
      ? // A store user has no OpenID Connect profile or email claims: only `sub` is released.
        { username: record.username, passwordHash: record.password_hash, sub: record.sub, claims: {} }
      : undefined;
  return {
    async byUsername(username) {
      return users.get(username) ?? fromRecord(await registry?.getUser(username));
    },
    async bySubject(sub) {
      return bySub.get(sub) ?? fromRecord(await registry?.userBySubject(sub));
    },
  };
}
