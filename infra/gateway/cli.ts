// npm start — the local API Gateway on 127.0.0.1:$PORT, serving serverless.yml's routes.
// `npm start -- --isolate` runs each function in a worker thread whose heap its memorySize bounds.
// `npm start -- --profile function-url` serves the functions as function URLs do: no gateway check in front.
import { loadEnv } from '../env-file.ts';
import { loadProject, ProjectConfigError } from '../serverless/project.ts';
import { DEV_PUBLIC_CLIENT_ID, makeDevEnvironment } from './dev-env.ts';
import { checkFunctionEnvironments } from './preflight.ts';
import { startGateway } from './server.ts';

const CONFIG_VARIABLES = ['OAUTH_ISSUER', 'OAUTH_PRIVATE_KEY', 'OAUTH_CLIENTS', 'OAUTH_SECRET'];

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const env: Record<string, string | undefined> = loadEnv('.env');
  const portText = env.PORT ?? '8080';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65_535)
    fail(`PORT must be an integer 1–65535, got "${portText}"`);

  const configured = CONFIG_VARIABLES.filter((name) => env[name]);
  let banner = '';
  if (configured.length === 0) {
    const dev = await makeDevEnvironment(port);
    // A store given (a local Redis, for registration) is kept; the rest of the generated set applies.
    const { OAUTH_STORE: devStore, ...generated } = dev.env;
    Object.assign(env, generated);
    env.OAUTH_STORE ||= devStore;
    banner = [
      '',
      '  ************************************************************************',
      '  *  DEVELOPMENT ONLY: no OAUTH_* variables are set, so a signing key,     *',
      '  *  a secret, a demo client and a demo user were generated for this run. *',
      '  *  They change at every start. Never use them for anything real.       *',
      '  ************************************************************************',
      '',
      `  client_id      ${dev.clientId}`,
      `  client_secret  ${dev.clientSecret}`,
      `  redirect_uri   ${dev.redirectUri}`,
      `  public client  ${DEV_PUBLIC_CLIENT_ID} (no secret: PKCE, same redirect_uri)`,
      `  user           ${dev.username} / ${dev.password}`,
      '',
      '  Try it:',
      `    export CLIENT_SECRET=${dev.clientSecret}`,
      '',
    ].join('\n');
  }
  env.OAUTH_STORE ??= 'memory';

  try {
    const project = loadProject('.', { env });
    const problems = await checkFunctionEnvironments(project.functions);
    if (problems.length > 0) fail(`Configuration problems:\n  ${problems.join('\n  ')}`);
  } catch (error) {
    if (error instanceof ProjectConfigError) fail(error.message);
    throw error;
  }

  const isolation = process.argv.includes('--isolate') ? 'worker' : 'inline';
  const profileAt = process.argv.indexOf('--profile');
  const profile = profileAt < 0 ? 'api-gateway' : process.argv[profileAt + 1];
  if (profile !== 'api-gateway' && profile !== 'function-url') {
    fail(`--profile must be api-gateway (the default) or function-url, got "${profile ?? ''}"`);
  }
  const gateway = await startGateway({ env, port, host: '127.0.0.1', isolation, profile });
  if (isolation === 'inline') {
    // An error thrown outside any request (from a function's timer or event) would end this process
    // and every function with it, where SCF would end one instance. Report it, end the instances (the
    // next request starts new ones), and keep serving.
    const stray = (error: unknown) => {
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.stderr.write(`An error escaped every request; all function instances restart: ${text}\n`);
      void gateway.recycle();
    };
    process.on('uncaughtException', stray);
    process.on('unhandledRejection', stray);
  }
  const profileNote =
    profile === 'function-url'
      ? '  Profile function-url: each function serves its paths as its function URL does, any method,\n  with no gateway check in front: the functions answer every request themselves.\n\n'
      : '';
  process.stdout.write(`${banner}\n  Local API Gateway listening on ${gateway.url}\n\n${profileNote}`);
  for (const e of gateway.project.endpoints) {
    const auth =
      e.authType === 'OAUTH' && profile !== 'function-url'
        ? e.businessType === 'OAUTH'
          ? 'OAuth authorization API'
          : 'OAuth business API'
        : '';
    process.stdout.write(`    ${e.method.padEnd(5)} ${e.path.padEnd(42)} → ${e.functionName}  ${auth}\n`);
  }
  process.stdout.write('\n');
  const stop = () => void gateway.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

await main();
