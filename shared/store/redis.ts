// The Redis store (TencentDB for Redis in production): shared by every function instance. Each
// single-use step is one atomic Redis command or Lua script, never a read followed by a write.
import { Redis } from 'ioredis';
import { type RecordCheck, revokedKey, type Store, StoreUnavailableError } from './store.ts';

export interface RedisStoreOptions {
  /** How long a request waits for a (re)connection before the store counts as unavailable. */
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  /** Prefix of every key, so one Redis database can serve several deployments. */
  keyPrefix?: string;
  /** Clock in milliseconds, to turn absolute expiry into Redis's relative one; tests pass a fixed one. */
  now?: () => number;
}

// Keeps the longer of the existing and the new expiry: a revocation is never shortened.
const REVOKE_SCRIPT = `
local ttl = redis.call('PTTL', KEYS[1])
if ttl == -1 then return 0 end
if ttl < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 1`;

// A fixed window: the expiry is set by the increment that creates the counter, never moved after.
const INCREMENT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

export class RedisStore implements Store {
  private readonly client: Redis;
  private readonly connectTimeoutMs: number;
  private readonly now: () => number;
  private readonly keyPrefix: string;
  private lastError: unknown;
  /** Server start in our clock (Unix seconds), read at every (re)connection; see `epoch`. */
  private serverStart: Promise<number> | undefined;

  constructor(url: string, options: RedisStoreOptions = {}) {
    this.connectTimeoutMs = options.connectTimeoutMs ?? 1000;
    this.now = options.now ?? Date.now;
    this.keyPrefix = options.keyPrefix ?? 'oauth:';
    this.client = new Redis(url, {
      keyPrefix: this.keyPrefix,
      // Fail fast while Redis is away (the grant answers 503) instead of queueing commands, and keep
      // reconnecting in the background so the instance recovers on its own when Redis is back.
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: this.connectTimeoutMs,
      commandTimeout: options.commandTimeoutMs ?? 1000,
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), 1000),
      reconnectOnError: () => false,
    });
    // Without a listener an unreachable Redis would be an unhandled 'error' event.
    this.client.on('error', (error: unknown) => {
      this.lastError = error;
    });
    // A restarted Redis drops every connection, so each new connection may face an emptied server.
    this.client.on('ready', () => {
      this.serverStart = undefined;
    });
  }

  /** Waits (briefly) for a connection: at a cold start, or while reconnecting after an outage. */
  private ready(): Promise<void> {
    const client = this.client;
    if (client.status === 'ready') return Promise.resolve();
    if (client.status === 'end') {
      return Promise.reject(new StoreUnavailableError('the store connection is closed'));
    }
    if (client.status === 'wait') client.connect().catch(() => undefined);
    return new Promise((resolve, reject) => {
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        client.off('ready', onReady);
        reject(new StoreUnavailableError('the store is unreachable', { cause: this.lastError }));
      }, this.connectTimeoutMs);
      client.once('ready', onReady);
    });
  }

  private async run<T>(command: (client: Redis) => Promise<T>): Promise<T> {
    await this.ready();
    try {
      return await command(this.client);
    } catch (error) {
      throw new StoreUnavailableError('the store did not answer', { cause: error });
    }
  }

  async consumeOnce(key: string, expiresAt: number): Promise<boolean> {
    // SET NX is the atomic check-and-set: exactly one caller gets OK.
    const reply = await this.run((c) => c.set(key, '1', 'PX', this.ttlMs(expiresAt), 'NX'));
    return reply === 'OK';
  }

  async put(key: string, value: string, expiresAt: number): Promise<void> {
    await this.run((c) => c.set(key, value, 'PX', this.ttlMs(expiresAt)));
  }

  async get(key: string): Promise<string | undefined> {
    const value = await this.run((c) => c.get(key));
    return value ?? undefined;
  }

  async revoke(id: string, expiresAt: number): Promise<void> {
    await this.run((c) => c.eval(REVOKE_SCRIPT, 1, revokedKey(id), String(this.ttlMs(expiresAt))));
  }

  async isRevoked(id: string): Promise<boolean> {
    return (await this.run((c) => c.exists(revokedKey(id)))) === 1;
  }

  async anyRecorded({ revoked = [], keys = [] }: RecordCheck): Promise<boolean> {
    const all = [...revoked.map(revokedKey), ...keys];
    if (all.length === 0) return false;
    // One EXISTS of every key: the count of those present.
    return (await this.run((c) => c.exists(...all))) > 0;
  }

  async increment(key: string, expiresAt: number): Promise<number> {
    return Number(await this.run((c) => c.eval(INCREMENT_SCRIPT, 1, key, String(this.ttlMs(expiresAt)))));
  }

  async delete(key: string): Promise<void> {
    await this.run((c) => c.del(key));
  }

  async keys(prefix: string): Promise<string[]> {
    // SCAN, not KEYS: it never blocks the server. ioredis does not prefix SCAN's pattern or strip
    // the prefix from its answers, so both are done here; glob characters in the prefix are escaped.
    const glob = `${this.keyPrefix}${prefix}`.replace(/[*?[\]\\]/g, '\\$&');
    const pattern = `${glob}*`;
    const found = new Set<string>();
    await this.run(async (c) => {
      let cursor = '0';
      do {
        const [next, batch] = await c.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
        for (const key of batch) found.add(key.slice(this.keyPrefix.length));
        cursor = next;
      } while (cursor !== '0');
    });
    return [...found];
  }

  /**
   * The Redis server's start time: records written before it may be gone (no persistence, or the
   * last seconds of it), so artefacts issued before it are refused. Read from INFO at each
   * (re)connection in our own clock (now − uptime), so clock skew with Redis does not matter.
   */
  async epoch(): Promise<number> {
    await this.ready();
    this.serverStart ??= this.run((c) => c.info('server')).then((info) => {
      const uptime = /^uptime_in_seconds:(\d+)/m.exec(info);
      if (!uptime) throw new StoreUnavailableError('the store does not report its uptime (INFO server)');
      return Math.floor(this.now() / 1000) - Number(uptime[1]);
    });
    return this.serverStart.catch((error: unknown) => {
      this.serverStart = undefined;
      throw error;
    });
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }

  /** Relative expiry: PX works on every Redis version (EXAT needs 6.2). At least one second. */
  private ttlMs(expiresAt: number): number {
    return Math.max(1000, Math.ceil(expiresAt * 1000 - this.now()));
  }
}
