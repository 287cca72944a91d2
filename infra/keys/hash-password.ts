// npm run hash-password -- <password>: prints a scrypt hash for OAUTH_USERS. With no argument the
// password is read from stdin (typed without echo on a terminal), so it need not be in shell history.
import { hashPassword, verifyPassword } from '../../shared/password.ts';
import { readPassword } from './read-password.ts';

const USAGE = `usage: npm run hash-password -- [<password>]

Prints a password hash for the password_hash field of OAUTH_USERS, e.g.
  OAUTH_USERS='[{"username":"alice","password_hash":"<hash>","sub":"user-alice"}]'
With no argument the password is read from stdin: typed without echo on a terminal, or piped
(printf '%s' "$PASSWORD" | npm run -s hash-password). One trailing newline is ignored.`;

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args[0] === '--help' || args[0] === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.length > 1) {
    process.stderr.write(`expected at most one argument (quote a password with spaces)\n\n${USAGE}\n`);
    return 2;
  }
  let password: string;
  try {
    password = args[0] ?? (await readPassword());
  } catch {
    return 130;
  }
  if (password.length === 0) {
    process.stderr.write(`the password is empty\n\n${USAGE}\n`);
    return 2;
  }
  const hash = await hashPassword(password);
  // Checks the round trip before anyone pastes the hash into a deployment.
  if (!(await verifyPassword(password, hash))) throw new Error('the new hash does not verify');
  process.stdout.write(`${hash}\n`);
  return 0;
}

process.exitCode = await main();
