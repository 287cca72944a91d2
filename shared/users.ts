// Resource owners from OAUTH_USERS: username, scrypt password hash, optional subject identifier and
// optional OpenID Connect profile and email claims (shared/oidc/claims.ts).
import type { EnvReader } from './env.ts';
import { readUserClaims, type UserClaims } from './oidc/claims.ts';
import { isPasswordHash } from './password.ts';

export interface User {
  readonly username: string;
  readonly passwordHash: string;
  /** `sub` of the tokens issued for this user; the username when not set. */
  readonly sub: string;
  /** OIDC Core §5.1 standard claims released by the `profile` and `email` scopes. */
  readonly claims: UserClaims;
}

export type UserDirectory = ReadonlyMap<string, User>;

const USERNAME = /^[^\s\x00-\x1f\x7f]{1,128}$/u;
const SUBJECT = /^[\x21-\x7E]{1,255}$/;

export function readUsers(reader: EnvReader, name = 'OAUTH_USERS'): UserDirectory {
  const users = new Map<string, User>();
  const list = reader.jsonArray(name, 'users');
  if (!list) return users;
  const subjects = new Set<string>();
  list.forEach((item, i) => {
    const where = `${name}[${i}]`;
    if (!item || typeof item !== 'object' || Array.isArray(item)) {
      reader.report(`${where} must be an object`);
      return;
    }
    const u = item as Record<string, unknown>;
    const before = reader.problems.length;
    if (typeof u.username !== 'string' || !USERNAME.test(u.username)) {
      reader.report(`${where}.username must be 1–128 characters without spaces or control characters`);
    }
    // The value is a hash, but it is still not echoed back: a mistake might have put a password here.
    if (typeof u.password_hash !== 'string' || !isPasswordHash(u.password_hash)) {
      reader.report(
        `${where}.password_hash must be a hash from "npm run hash-password" (scrypt$N$r$p$salt$hash)`,
      );
    }
    if (u.password !== undefined) reader.report(`${where} has a plain "password": store only password_hash`);
    if (u.sub !== undefined && (typeof u.sub !== 'string' || !SUBJECT.test(u.sub))) {
      reader.report(`${where}.sub must be 1–255 printable ASCII characters`);
    }
    const claims = readUserClaims(u, where, reader.problems);
    if (reader.problems.length > before) return;
    const username = (u.username as string).normalize('NFC');
    const sub = (u.sub as string | undefined) ?? username;
    if (users.has(username)) reader.report(`${where}.username repeats an earlier user`);
    if (subjects.has(sub)) reader.report(`${where}.sub repeats an earlier user's subject`);
    subjects.add(sub);
    users.set(username, Object.freeze({ username, passwordHash: u.password_hash as string, sub, claims }));
  });
  return users;
}
