// npm run hash-password -- <password>: prints a scrypt hash for OAUTH_USERS. With no argument the
// password is read from stdin (typed without echo on a terminal), so it need not be in shell history.
import { hashPassword, verifyPassword } from '../../shared/password.ts';

const USAGE = `usage: npm run hash-password -- [<password>]

Prints a password hash for the password_hash field of OAUTH_USERS, e.g.
  OAUTH_USERS='[{"username":"alice","password_hash":"<hash>","sub":"user-alice"}]'
With no argument the password is read from stdin: typed without echo on a terminal, or piped
(printf '%s' "$PASSWORD" | npm run -s hash-password). One trailing newline is ignored.`;

async function readHidden(): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write('Password: ');
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  let password = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          done();
          return resolve(password);
        }
        if (ch === '\u0003') {
          done();
          return reject(new Error('cancelled'));
        }
        if (ch === '\u007f' || ch === '\b') password = password.slice(0, -1);
        else password += ch;
      }
    };
    const done = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    stdin.on('data', onData);
  });
}

async function readPiped(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

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
    password = args[0] ?? (process.stdin.isTTY ? await readHidden() : await readPiped());
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
