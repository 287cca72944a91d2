// npm run rotate-keys [-- --profile components|function-url] [--jwks-wait SECONDS] [--env-file FILE]
// Rotates the signing key of the deployed functions (and the API Gateway key), then updates .env.
import { resolve } from 'node:path';
import {
  type CloudEndpoint,
  createApiGatewayClient,
  createScfClient,
  readCloudSettings,
} from '../tencent/client.ts';
import {
  type CommandIo,
  PROFILE_OPTION,
  readArgs,
  readProfile,
  reportCloudFailure,
  runIfMain,
} from './console.ts';
import { rotateKeys, updateEnvFile } from './rotate-keys.ts';

const USAGE = `usage: npm run rotate-keys -- [--profile components|function-url] [--jwks-wait SECONDS] [--env-file FILE]

Generates a new signing key and rolls it out without refusing a valid token: publish the public key,
open the gateway's business APIs to the functions (which verify tokens themselves), switch the signing
key, wait for old tokens to expire, then give the gateway the new key. Writes the new key to FILE (.env).`;

export interface RotateIo extends CommandIo {
  endpoint?: CloudEndpoint;
  sleep?: (ms: number) => Promise<void>;
  pollMs?: number;
}

export async function runRotate(argv: string[], io: RotateIo): Promise<number> {
  const args = readArgs(
    {
      args: argv,
      options: {
        profile: PROFILE_OPTION,
        'jwks-wait': { type: 'string', default: '300' },
        'env-file': { type: 'string', default: '.env' },
      },
    },
    USAGE,
    io,
  );
  if (typeof args === 'number') return args;
  const { values } = args;
  const profile = readProfile(values.profile, io);
  if (!profile) return 2;
  const jwksWait = Number(values['jwks-wait']);
  if (!Number.isInteger(jwksWait) || jwksWait < 0 || jwksWait > 3600) {
    io.err('--jwks-wait must be an integer number of seconds, 0–3600\n');
    return 2;
  }
  const file = resolve(io.root, values['env-file']!);
  try {
    const settings = readCloudSettings(io.env);
    const scf = await createScfClient(settings, io.endpoint);
    const apigateway =
      profile === 'components' ? await createApiGatewayClient(settings, io.endpoint) : undefined;
    const result = await rotateKeys({
      root: io.root,
      env: io.env,
      scf,
      ...(apigateway ? { apigateway } : {}),
      jwksWaitSeconds: jwksWait,
      onSwitched: (updates) => {
        updateEnvFile(file, updates);
        io.out(`updated ${Object.keys(updates).join(', ')} in ${file}\n`);
      },
      log: (line) => io.out(`${line}\n`),
      ...(io.sleep ? { sleep: io.sleep } : {}),
      ...(io.pollMs !== undefined ? { pollMs: io.pollMs } : {}),
    });
    io.out(
      `Rotated ${result.oldKid} → ${result.newKid}.\n` +
        'The old public key stays in OAUTH_PUBLIC_KEYS and the JWKS: remove it from OAUTH_PUBLIC_KEYS once no token signed with it can be valid.\n',
    );
    return 0;
  } catch (error) {
    return reportCloudFailure(io, 'rotate-keys', error);
  }
}

await runIfMain(import.meta.filename, runRotate);
