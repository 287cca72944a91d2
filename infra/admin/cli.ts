// npm run admin -- clients add|list|show|remove|rotate-secret, users add|passwd|disable|list
// (infra/admin/admin.ts), with the environment under .env, stdin and the console.
import { loadEnv } from '../env-file.ts';
import { readPassword, readPiped } from '../keys/read-password.ts';
import { admin } from './admin.ts';

process.exitCode = await admin(process.argv.slice(2), {
  env: loadEnv('.env'),
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  readStdin: readPiped,
  readPassword,
});
