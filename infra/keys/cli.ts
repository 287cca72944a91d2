// npm run keys — the seed's produce_key.py: private PEM, public PEM and the gateway's public JWK.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateSecret, generateSigningKeys, keyEnvLines } from './generate.ts';

const USAGE = `usage: npm run keys -- [--out DIR] [--force] [--bits 2048|3072|4096]

Writes DIR/private.pem (PKCS#8), DIR/public.pem and DIR/public.json (the public JWK for API Gateway's
OAuth 2.0 authorization API), then prints the environment lines to put in .env.
DIR defaults to ./keys. Existing keys are never overwritten unless --force is given.`;

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
  const files = ['private.pem', 'public.pem', 'public.json'].map((f) => join(dir, f));
  const existing = files.filter((f) => existsSync(f));
  if (existing.length > 0 && !args.values.force) {
    process.stderr.write(`refusing to overwrite ${existing.join(', ')} (pass --force to replace them)\n`);
    return 1;
  }
  const keys = await generateSigningKeys(bits);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(files[0]!, keys.privatePem, { mode: 0o600 });
  writeFileSync(files[1]!, keys.publicPem);
  writeFileSync(files[2]!, `${keys.gatewayJson}\n`);
  const lines = { ...keyEnvLines(keys), OAUTH_SECRET: generateSecret() };
  process.stdout.write(
    `Wrote ${files.join(', ')} (key id ${keys.kid}).\n\n` +
      `Put these lines in .env (OAUTH_PRIVATE_KEY and OAUTH_SECRET are secrets: keep them out of git and logs):\n\n` +
      `${Object.entries(lines)
        .map(([k, v]) => `${k}=${k === 'OAUTH_PRIVATE_KEY' || k === 'OAUTH_SECRET' ? v : `'${v}'`}`)
        .join('\n')}\n`,
  );
  return 0;
}

function parse() {
  return parseArgs({
    options: {
      out: { type: 'string', default: 'keys' },
      force: { type: 'boolean', default: false },
      bits: { type: 'string', default: '2048' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
}

process.exitCode = await main();
