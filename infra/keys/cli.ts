// npm run keys — the seed's produce_key.py: private PEM, public PEM and the gateway's public JWK;
// with --rotate, the next key and the environment of each step of a rotation.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatInstant, parseInstant } from '../../shared/instant.ts';
import { importSigningKey, KeyFormatError, type SigningKey } from '../../shared/jwt/keys.ts';
import {
  AUTHORIZE_PURPOSES,
  SEAL_KEY_VARIABLES,
  type SealPurpose,
  TOKEN_PURPOSES,
} from '../../shared/seal.ts';
import { readEnvFile } from '../env-file.ts';
import { deriveFunctionKeys } from './function-keys.ts';
import { type GeneratedKeys, generateSecret, generateSigningKeys, keyEnvLines } from './generate.ts';
import { envLines, planRotation } from './rotate.ts';

const USAGE = `usage: npm run keys -- [--out DIR] [--force] [--bits 2048|3072|4096]
       npm run keys -- --rotate [--out DIR] [--switch-at TIME] [--bits 2048|3072|4096]

Writes DIR/private.pem (PKCS#8), DIR/public.pem and DIR/public.json (the public JWK for API Gateway's
OAuth 2.0 authorization API), then prints the environment lines to put in .env.
DIR defaults to ./keys. Existing keys are never overwritten unless --force is given.

--rotate replaces the current key (OAUTH_PRIVATE_KEY from the environment or .env, else
DIR/private.pem) with a new one in DIR, writes DIR/retired.json (the retired public keys) and prints
the variables of each rotation step (docs/key-rotation.md). TIME is the switch time, Unix seconds or
ISO 8601 with a zone (default: one hour from now); it must leave every token issued before step 1
time to expire.`;

const WRITE_FILES = ['private.pem', 'public.pem', 'public.json'];

async function main(): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (args.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const bits = Number(args.values.bits);
  if (![2048, 3072, 4096].includes(bits)) {
    process.stderr.write(`--bits must be 2048, 3072 or 4096, got ${args.values.bits}\n`);
    return 2;
  }
  const dir = resolve(args.values.out);
  const files = WRITE_FILES.map((f) => join(dir, f));
  if (args.values.rotate) return rotate(dir, files, bits, args.values['switch-at']);
  if (args.values['switch-at'] !== undefined) {
    process.stderr.write('--switch-at goes with --rotate\n');
    return 2;
  }
  const existing = files.filter((f) => existsSync(f));
  if (existing.length > 0 && !args.values.force) {
    process.stderr.write(`refusing to overwrite ${existing.join(', ')} (pass --force to replace them)\n`);
    return 1;
  }
  const keys = await generateSigningKeys(bits);
  writeKeys(dir, files, keys);
  const lines = { ...keyEnvLines(keys), OAUTH_SECRET: generateSecret() };
  const derived = deriveFunctionKeys(lines);
  const own = (purposes: readonly SealPurpose[]) =>
    purposes.map((p) => `${SEAL_KEY_VARIABLES[p]}=${derived[SEAL_KEY_VARIABLES[p]]}`).join('\n');
  process.stdout.write(
    `Wrote ${files.join(', ')} (key id ${keys.kid}).\n\n` +
      `Put these lines in .env (OAUTH_PRIVATE_KEY and OAUTH_SECRET are secrets: keep them out of git and logs):\n\n` +
      `${Object.entries(lines)
        .map(([k, v]) => `${k}=${k === 'OAUTH_PRIVATE_KEY' || k === 'OAUTH_SECRET' ? v : `'${v}'`}`)
        .join('\n')}\n\n` +
      `npm start and npm run deploy give each function only the keys it needs, derived from OAUTH_SECRET.\n` +
      `Where you set a function's variables yourself, give it these instead of OAUTH_SECRET (secrets too):\n\n` +
      `# authorize function\n${own(AUTHORIZE_PURPOSES)}\n# token function\n${own(TOKEN_PURPOSES)}\n`,
  );
  return 0;
}

function writeKeys(dir: string, files: string[], keys: GeneratedKeys): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(files[0]!, keys.privatePem, { mode: 0o600 });
  writeFileSync(files[1]!, keys.publicPem);
  writeFileSync(files[2]!, `${keys.gatewayJson}\n`);
}

/** The key being retired: the deployed one (environment or .env) first, else the one in DIR. */
async function readCurrentKey(dir: string): Promise<{ key: SigningKey; from: string } | string> {
  const fileEnv = readEnvFile('.env');
  const fromEnv = process.env.OAUTH_PRIVATE_KEY?.trim() || fileEnv.OAUTH_PRIVATE_KEY?.trim();
  const pem = join(dir, 'private.pem');
  const [value, from] = fromEnv
    ? [fromEnv, 'OAUTH_PRIVATE_KEY']
    : existsSync(pem)
      ? [readFileSync(pem, 'utf8'), pem]
      : [undefined, ''];
  if (value === undefined) return `no current key: set OAUTH_PRIVATE_KEY or keep it in ${pem}`;
  try {
    return { key: await importSigningKey(value), from };
  } catch (error) {
    if (error instanceof KeyFormatError) return `${from} ${error.message}`;
    throw error;
  }
}

async function rotate(dir: string, files: string[], bits: number, switchAtText?: string): Promise<number> {
  const nowSeconds = Math.floor(Date.now() / 1000);
  let switchAt = nowSeconds + 3600;
  if (switchAtText !== undefined) {
    const parsed = parseInstant(switchAtText);
    if ('problem' in parsed) {
      process.stderr.write(`--switch-at ${parsed.problem}\n`);
      return 2;
    }
    switchAt = parsed.seconds;
  }
  // Tokens issued before step 1 keep their full lifetime: the switch must come after they expire.
  const ttl = Number(process.env.OAUTH_ACCESS_TOKEN_TTL ?? '300') || 300;
  if (switchAt < nowSeconds + ttl) {
    process.stderr.write(
      `--switch-at must be at least ${ttl} s (OAUTH_ACCESS_TOKEN_TTL) from now, got ${formatInstant(switchAt)}\n`,
    );
    return 2;
  }
  const current = await readCurrentKey(dir);
  if (typeof current === 'string') {
    process.stderr.write(`${current}\n`);
    return 1;
  }
  const next = await generateSigningKeys(bits);
  const plan = planRotation(current.key, next, switchAt);
  writeKeys(dir, files, next);
  writeFileSync(join(dir, 'retired.json'), `${JSON.stringify(plan.retired)}\n`);
  const at = formatInstant(switchAt);
  process.stdout.write(
    `Rotating from key ${plan.currentKid} (read from ${current.from}) to key ${plan.nextKid}.\n` +
      `Wrote the new key to ${files.join(', ')} and the retired public key to ${join(dir, 'retired.json')}.\n` +
      `Switch time T = ${at}. Keep the current OAUTH_PRIVATE_KEY deployed until T.\n\n` +
      `# Step 1, now: token and business functions (the token function publishes the next key and\n` +
      `# signs nothing that outlives T; the business function trusts both keys)\n` +
      `${envLines(plan.publish)}\n\n` +
      `# Step 2, at T: release API Gateway with the new public key first, then deploy the token and\n` +
      `# business functions (OAUTH_PRIVATE_KEY is a secret: keep it out of git and logs)\n` +
      `${envLines(plan.switch)}\n\n` +
      `# Step 3, after T + OAUTH_CLOCK_TOLERANCE + 5 minutes (JWKS caches): drop the old key\n` +
      `${envLines(plan.retire)}\n`,
  );
  return 0;
}

function parse() {
  return parseArgs({
    options: {
      out: { type: 'string', default: 'keys' },
      force: { type: 'boolean', default: false },
      bits: { type: 'string', default: '2048' },
      rotate: { type: 'boolean', default: false },
      'switch-at': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
}

process.exitCode = await main();
