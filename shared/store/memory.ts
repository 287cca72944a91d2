// The in-memory store: one process (local runs, tests). JavaScript runs one callback at a time, so
// each method is atomic without locks.
import { type RecordCheck, revokedKey, type Store } from './store.ts';

interface Entry {
  value: string;
  expiresAt: number;
}

export interface MemoryStoreOptions {
  /** Clock in milliseconds; tests pass a fixed one. */
  now?: () => number;
}

export class MemoryStore implements Store {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private writes = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt * 1000 <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private set(key: string, value: string, expiresAt: number): void {
    this.entries.set(key, { value, expiresAt });
    // Sweep expired records now and then so a long-running process does not grow without bound.
    if (++this.writes % 1000 === 0) for (const k of this.entries.keys()) this.live(k);
  }

  async consumeOnce(key: string, expiresAt: number): Promise<boolean> {
    if (this.live(key)) return false;
    this.set(key, '1', expiresAt);
    return true;
  }

  async put(key: string, value: string, expiresAt: number): Promise<void> {
    this.set(key, value, expiresAt);
  }

  async get(key: string): Promise<string | undefined> {
    return this.live(key)?.value;
  }

  async revoke(id: string, expiresAt: number): Promise<void> {
    const key = revokedKey(id);
    const existing = this.live(key);
    // Keep the longest expiry: a revocation is never shortened.
    this.set(key, '1', Math.max(expiresAt, existing?.expiresAt ?? 0));
  }

  async isRevoked(id: string): Promise<boolean> {
    return this.live(revokedKey(id)) !== undefined;
  }

  async anyRecorded({ revoked = [], keys = [] }: RecordCheck): Promise<boolean> {
    return revoked.some((id) => this.live(revokedKey(id))) || keys.some((key) => this.live(key));
  }

  async increment(key: string, expiresAt: number): Promise<number> {
    const entry = this.live(key);
    const count = Number(entry?.value ?? 0) + 1;
    this.set(key, String(count), entry?.expiresAt ?? expiresAt);
    return count;
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async keys(prefix: string): Promise<string[]> {
    return [...this.entries.keys()].filter((k) => k.startsWith(prefix) && this.live(k));
  }

  // One process: its records live exactly as long as every artefact it could have seen was issued
  // by this process or before it started (the local gateway, tests), so nothing is refused.
  async epoch(): Promise<number> {
    return 0;
  }

  async close(): Promise<void> {
    this.entries.clear();
  }
}
