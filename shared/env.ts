// Reading the environment: trimmed, empty means missing, every problem collected and reported at once.
import { ConfigError } from './errors.ts';

export type Env = Readonly<Record<string, string | undefined>>;

export class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  /** The trimmed value, or undefined when unset or empty. */
  optional(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value ? value : undefined;
  }

  required(name: string): string | undefined {
    const value = this.optional(name);
    if (value === undefined) this.problems.push(`${name} is missing`);
    return value;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      this.problems.push(`${name} must be an integer ${min}–${max}, got ${JSON.stringify(raw.slice(0, 40))}`);
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      this.problems.push(
        `${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(raw.slice(0, 40))}`,
      );
      return fallback;
    }
    return raw as T;
  }

  boolean(name: string, fallback: boolean): boolean {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    this.problems.push(`${name} must be true or false, got ${JSON.stringify(raw.slice(0, 40))}`);
    return fallback;
  }

  /** A required, non-empty JSON array (`noun` names its items in the messages), parsed safely. */
  jsonArray(name: string, noun: string): unknown[] | undefined {
    const raw = this.required(name);
    if (raw === undefined) return undefined;
    let list: unknown;
    try {
      list = parseJsonSafely(raw);
    } catch {
      this.problems.push(`${name} must be a JSON array of ${noun} (it does not parse as JSON)`);
      return undefined;
    }
    if (!Array.isArray(list) || list.length === 0) {
      this.problems.push(`${name} must be a non-empty JSON array of ${noun}`);
      return undefined;
    }
    return list;
  }

  /** Adds a problem; `message` names the variable and never quotes a secret. */
  report(message: string): void {
    this.problems.push(message);
  }

  /** Throws one ConfigError listing every problem, or returns the value frozen. */
  finish<T extends object>(value: T): Readonly<T> {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
    return Object.freeze(value);
  }
}

/** An issuer URL (RFC 8414 §2): https (http only on loopback), no query, no fragment, no trailing slash. */
export function readIssuer(reader: EnvReader, name = 'OAUTH_ISSUER'): string {
  const raw = reader.required(name);
  if (raw === undefined) return '';
  for (const problem of issuerProblems(raw)) reader.report(`${name} ${problem}`);
  return raw;
}

/** What is wrong with `raw` as an issuer URL, each as the end of a sentence naming it. */
export function issuerProblems(raw: string): string[] {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return [`must be an absolute URL, got ${JSON.stringify(raw.slice(0, 80))}`];
  }
  const problems: string[] = [];
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    problems.push('must use https (http is allowed only for 127.0.0.1, [::1] or localhost)');
  }
  if (url.search || url.hash || raw.includes('?') || raw.includes('#')) {
    problems.push('must not have a query or fragment');
  }
  if (raw.endsWith('/')) problems.push('must not end with "/"');
  return problems;
}

export function isLoopbackHost(hostname: string): boolean {
  return hostname === '127.0.0.1' || hostname === '[::1]' || hostname === 'localhost';
}

/** Parses JSON without letting `__proto__` keys reach any prototype. */
export function parseJsonSafely(text: string): unknown {
  return JSON.parse(text, (key, value) => (key === '__proto__' || key === 'constructor' ? undefined : value));
}
