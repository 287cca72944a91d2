// The admin command, npm run admin -- clients add|list|show|remove|rotate-secret, users add|passwd|disable|list: the
// registry in the store OAUTH_STORE names (the environment, or .env). Client metadata and passwords
// come on stdin, never in argv; a client secret is printed once, when it is made.
import { parseArgs } from 'node:util';
import { readClients } from '../../shared/clients.ts';
import { readStore } from '../../shared/config.ts';
import { EnvReader, parseJsonSafely } from '../../shared/env.ts';
import { ConfigError } from '../../shared/errors.ts';
import { hashPassword } from '../../shared/password.ts';
import {
  type ClientRecord,
  checkClientMetadata,
  checkUser,
  generateClientSecret,
  Registry,
  RegistryError,
  secretHash,
} from '../../shared/registry.ts';
import { openStore } from '../../shared/store/open.ts';
import { StoreUnavailableError } from '../../shared/store/store.ts';
import { readUsers } from '../../shared/users.ts';

const USAGE = `usage: npm run admin -- <command>

  clients add                 reads one client's RFC 7591 metadata (JSON) on stdin; prints the
                              stored client, with client_secret for a confidential one (shown once)
  clients list                the registered clients (no secrets)
  clients show <client_id>
  clients remove <client_id>
  clients rotate-secret <client_id>   prints the new client_secret (shown once)
  users add <username> [--sub <sub>]  reads the password on stdin
  users passwd <username>             reads the new password on stdin
  users disable <username>            no more sign-ins; the user's refresh tokens are refused
  users list

OAUTH_STORE (from the environment or .env) must be the redis:// URL the functions use. Entries of
OAUTH_CLIENTS and OAUTH_USERS there are read first by the functions and cannot be replaced here.`;

export interface AdminIo {
  env: Readonly<Record<string, string | undefined>>;
  out: (text: string) => void;
  err: (text: string) => void;
  readStdin: () => Promise<string>;
  readPassword: () => Promise<string>;
}

/** Exit codes: 0 done, 1 refused (not found, already there, store down), 2 bad usage or input. */
export async function admin(argv: readonly string[], io: AdminIo): Promise<number> {
  const parsed = readArgs(argv);
  if (typeof parsed === 'string') {
    io.err(`${parsed}\n\n${USAGE}\n`);
    return 2;
  }
  if (parsed.values.help) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  const [noun, verb, name, ...extra] = parsed.positionals;
  const command = `${noun ?? ''} ${verb ?? ''}`;
  const needsName = !['clients add', 'clients list', 'users list'].includes(command);
  if (!COMMANDS.includes(command) || extra.length > 0 || (needsName ? !name : name !== undefined)) {
    io.err(`${noun ? `not a command: ${parsed.positionals.join(' ')}` : 'no command given'}\n\n${USAGE}\n`);
    return 2;
  }
  if (parsed.values.sub !== undefined && command !== 'users add') {
    io.err(`--sub is only for "users add"\n\n${USAGE}\n`);
    return 2;
  }

  const reader = new EnvReader(io.env);
  const location = readStore(reader);
  if (reader.problems.length > 0 || location === 'memory') {
    io.err(
      `${reader.problems[0] ?? 'OAUTH_STORE must be the redis:// URL of the deployment\'s store (it is "memory" or unset)'}\n`,
    );
    return 2;
  }
  const registry = new Registry(openStore(location));
  const ctx = { io, registry, name: name ?? '', sub: parsed.values.sub };
  try {
    return await HANDLERS[command]!(ctx);
  } catch (error) {
    if (error instanceof StoreUnavailableError) {
      io.err(`the store at OAUTH_STORE is unavailable: ${error.message}\n`);
      return 1;
    }
    if (error instanceof RegistryError || error instanceof ConfigError) {
      io.err(`${[...(error instanceof RegistryError ? error.problems : error.problems)].join('\n')}\n`);
      return 2;
    }
    throw error;
  } finally {
    await registry.store.close();
  }
}

function readArgs(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      options: { sub: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    return (error as Error).message;
  }
}

interface Context {
  io: AdminIo;
  registry: Registry;
  name: string;
  sub: string | undefined;
}

/** What the functions read first: OAUTH_CLIENTS / OAUTH_USERS, when set here too. */
function configured<T>(io: AdminIo, name: string, read: (r: EnvReader) => ReadonlyMap<string, T>) {
  if (!io.env[name]?.trim()) return new Map<string, T>();
  const reader = new EnvReader(io.env);
  const found = read(reader);
  if (reader.problems.length > 0) throw new ConfigError(reader.problems);
  return found;
}

function printJson(io: AdminIo, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}

/** A stored client as shown: the metadata, never the secret's digest. */
function shown(record: ClientRecord): Record<string, unknown> {
  const { client_secret_hash: _, ...rest } = record;
  return rest;
}

const HANDLERS: Record<string, (ctx: Context) => Promise<number>> = {
  async 'clients add'({ io, registry }) {
    let metadata: unknown;
    try {
      metadata = parseJsonSafely(await io.readStdin());
    } catch {
      io.err("stdin must be one client's metadata as a JSON object (it does not parse as JSON)\n");
      return 2;
    }
    if (!metadata || typeof metadata !== 'object' || Array.isArray(metadata)) {
      io.err("stdin must be one client's metadata as a JSON object\n");
      return 2;
    }
    const given = metadata as Record<string, unknown>;
    // The secret is made here, so that it is strong and shown exactly once.
    if (given.client_secret !== undefined || given.client_secret_hash !== undefined) {
      io.err('client_secret is generated by "clients add": leave it out of the metadata\n');
      return 2;
    }
    const method = given.token_endpoint_auth_method ?? 'client_secret_basic';
    const secret =
      typeof method === 'string' && method.startsWith('client_secret') ? generateClientSecret() : undefined;
    const record: ClientRecord = {
      ...given,
      client_id: given.client_id as string,
      ...(secret ? { client_secret_hash: secretHash(secret) } : {}),
      client_id_issued_at: Math.floor(Date.now() / 1000),
    };
    checkClientMetadata(record);
    if (configured(io, 'OAUTH_CLIENTS', (r) => readClients(r)).has(record.client_id)) {
      io.err(`client ${record.client_id} is in OAUTH_CLIENTS already\n`);
      return 1;
    }
    if (await registry.getClient(record.client_id)) {
      io.err(`client ${record.client_id} is registered already (remove it first)\n`);
      return 1;
    }
    // RFC 9068 §5: a client_credentials token's sub is the client_id; no user may have it as a subject.
    const users = configured(io, 'OAUTH_USERS', (r) => readUsers(r));
    if (
      [...users.values()].some((u) => u.sub === record.client_id) ||
      (await registry.userBySubject(record.client_id))
    ) {
      io.err(`client_id ${record.client_id} is a user's subject: choose another client_id (RFC 9068 §5)\n`);
      return 1;
    }
    await registry.putClient(record);
    printJson(io, {
      ...shown(record),
      ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
    });
    return 0;
  },
  async 'clients list'({ io, registry }) {
    printJson(io, (await registry.listClients()).map(shown));
    return 0;
  },
  async 'clients show'({ io, registry, name }) {
    const record = await registry.getClient(name);
    if (!record) return notFound(io, 'client', name);
    printJson(io, shown(record));
    return 0;
  },
  async 'clients remove'({ io, registry, name }) {
    if (!(await registry.removeClient(name))) return notFound(io, 'client', name);
    io.out(`removed client ${name}\n`);
    return 0;
  },
  async 'clients rotate-secret'({ io, registry, name }) {
    const record = await registry.getClient(name);
    if (!record) return notFound(io, 'client', name);
    if (!record.client_secret_hash) {
      io.err(`client ${name} is not confidential: it has no secret to rotate\n`);
      return 1;
    }
    const secret = generateClientSecret();
    await registry.putClient({ ...record, client_secret_hash: secretHash(secret) });
    printJson(io, { client_id: name, client_secret: secret, client_secret_expires_at: 0 });
    return 0;
  },
  async 'users add'({ io, registry, name, sub }) {
    const username = name.normalize('NFC');
    const password = await readNewPassword(io);
    if (password === undefined) return 2;
    const user = { username, password_hash: await hashPassword(password), sub: sub ?? username };
    checkUser(user);
    const env = configured(io, 'OAUTH_USERS', (r) => readUsers(r));
    if (env.has(username) || [...env.values()].some((u) => u.sub === user.sub)) {
      io.err(`user ${username} (or the subject ${user.sub}) is in OAUTH_USERS already\n`);
      return 1;
    }
    if (await registry.getUser(username)) {
      io.err(`user ${username} exists already (use "users passwd" to change the password)\n`);
      return 1;
    }
    if (await registry.userBySubject(user.sub)) {
      io.err(`another user has the subject ${user.sub}: choose another --sub\n`);
      return 1;
    }
    // RFC 9068 §5: a subject equal to a client_id would pass for that client's own tokens.
    const clients = configured(io, 'OAUTH_CLIENTS', (r) => readClients(r));
    if (clients.has(user.sub) || (await registry.getClient(user.sub))) {
      io.err(`the subject ${user.sub} is a client_id: choose another --sub (RFC 9068 §5)\n`);
      return 1;
    }
    await registry.putUser(user);
    io.out(`added user ${username} (sub ${user.sub})\n`);
    return 0;
  },
  async 'users passwd'({ io, registry, name }) {
    const user = await registry.getUser(name);
    if (!user) return notFound(io, 'user', name);
    const password = await readNewPassword(io);
    if (password === undefined) return 2;
    await registry.putUser({ ...user, password_hash: await hashPassword(password) });
    io.out(`changed the password of ${user.username}\n`);
    return 0;
  },
  async 'users disable'({ io, registry, name }) {
    const user = await registry.getUser(name);
    if (!user) return notFound(io, 'user', name);
    await registry.disableUser(user);
    io.out(`disabled user ${user.username}; their refresh tokens are refused from now on\n`);
    return 0;
  },
  async 'users list'({ io, registry }) {
    const users = await registry.listUsers();
    printJson(
      io,
      users.map((u) => ({ username: u.username, sub: u.sub, ...(u.disabled ? { disabled: true } : {}) })),
    );
    return 0;
  },
};

const COMMANDS = Object.keys(HANDLERS);

function notFound(io: AdminIo, what: string, name: string): number {
  io.err(`no ${what} ${name} in the store\n`);
  return 1;
}

async function readNewPassword(io: AdminIo): Promise<string | undefined> {
  const password = await io.readPassword();
  if (password.length === 0) {
    io.err('the password (on stdin) is empty\n');
    return undefined;
  }
  return password;
}
