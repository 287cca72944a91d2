// npm run deploy [-- --profile components|function-url] [--domain HOST --certificate-id ID] [--dry-run]
// Builds the bundles, checks the deploy configuration offline, then deploys to Tencent Cloud.
import { resolve } from 'node:path';
import { buildAll, kb } from '../build/build.ts';
import { withFunctionKeys } from '../keys/function-keys.ts';
import { checkDeployConfig } from '../serverless/check.ts';
import {
  CloudConfigError,
  type CloudEndpoint,
  createScfClient,
  readCloudSettings,
} from '../tencent/client.ts';
import { issuerOf, runComponents } from './components.ts';
import {
  type CommandIo,
  PROFILE_OPTION,
  readArgs,
  readProfile,
  reportCloudFailure,
  runIfMain,
} from './console.ts';
import { deployFunctionUrls, domainProblem, loadFunctionsToShip } from './function-url.ts';
import { deployPlan } from './plan.ts';

const USAGE = `usage: npm run deploy -- [--profile components|function-url] [--domain HOST] [--certificate-id ID] [--dry-run]

  --profile components     (default) Serverless Components: the functions, then the API Gateway service
                           with the OAuth 2.0 authorization API /token and the business API /work.
  --profile function-url   No API Gateway: each function with its own function URL (SCF http trigger);
                           with --domain, a custom domain routing every path to its function.
  --dry-run                build, run every offline check and print the plan (per function and route);
                           nothing is sent.

Reads .env and the environment: TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY, TENCENTCLOUD_REGION (the one
region of every instance), TENCENTCLOUD_APIGW_SERVICE_ID (the existing API Gateway service, profile components)
and the OAUTH_* variables each function's serverless.yml declares.`;

export interface CliIo extends CommandIo {
  /** Where the SDK sends its requests (a local endpoint in tests). */
  endpoint?: CloudEndpoint;
  /** Passed to the function-url profile (tests poll without delay). */
  pollMs?: number;
  /** Skip the build step (tests build once). */
  skipBuild?: boolean;
  /** Runs the Components CLI steps (tests stand in for npx); returns the gateway URL it printed. */
  runComponents?: typeof runComponents;
}

export async function runDeploy(argv: string[], given: CliIo): Promise<number> {
  // Each function is given its own keys derived from OAUTH_SECRET, never the secret itself.
  const io = { ...given, env: withFunctionKeys(given.env) };
  const args = readArgs(
    {
      args: argv,
      options: {
        profile: PROFILE_OPTION,
        domain: { type: 'string' },
        'certificate-id': { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
      },
    },
    USAGE,
    io,
  );
  if (typeof args === 'number') return args;
  const { values } = args;
  const profile = readProfile(values.profile, io);
  if (!profile) return 2;
  if ((values.domain || values['certificate-id']) && profile !== 'function-url') {
    io.err('--domain and --certificate-id belong to --profile function-url\n');
    return 2;
  }
  try {
    if (!io.skipBuild) {
      const { results, problems } = await buildAll(io.root, resolve(io.root, 'dist'));
      for (const r of results) io.out(`built dist/${r.name}/index.js ${kb(r.bytes)}\n`);
      if (problems.length > 0) {
        io.err(`build failed:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
        return 1;
      }
    }
    // Every offline check, on either profile, before anything is sent (or printed as the plan).
    const problems = await checkDeployConfig(io.root, { env: io.env, profile });
    const badDomain = values.domain ? domainProblem(values.domain) : undefined;
    if (badDomain) problems.push(badDomain);
    if (problems.length === 0) {
      try {
        loadFunctionsToShip(io.root, io.env);
      } catch (error) {
        if (!(error instanceof CloudConfigError)) throw error;
        problems.push(...error.message.split('\n'));
      }
    }
    if (problems.length > 0) {
      io.err(`the deploy configuration has problems:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
      return 1;
    }
    const plan = deployPlan({
      root: io.root,
      env: io.env,
      profile,
      ...(values.domain ? { domain: values.domain } : {}),
      ...(values['certificate-id'] ? { certificateId: values['certificate-id'] } : {}),
    });
    io.out(`${plan.lines.join('\n')}\n`);
    if (plan.warnings.length > 0) io.out(`Warnings:\n${plan.warnings.map((w) => `  - ${w}`).join('\n')}\n`);
    if (values['dry-run']) {
      io.out('Dry run: every check passed; nothing was deployed.\n');
      return 0;
    }

    if (profile === 'components') {
      const env = Object.fromEntries(Object.entries(io.env).filter(([, v]) => v !== undefined)) as Record<
        string,
        string
      >;
      readCloudSettings(env);
      const url = await (io.runComponents ?? runComponents)(io.root, env, io.out);
      const issuer = url ? issuerOf(url) : undefined;
      io.out(
        issuer
          ? `\nDeployed. The gateway URL is ${url}; the issuer is that URL without its trailing slash:\n  OAUTH_ISSUER=${issuer}\n  OAUTH_AUDIENCE=${issuer}/work\n`
          : '\nDeployed. The gateway URL is the url output above; OAUTH_ISSUER is that URL without its trailing slash.\n',
      );
      if (issuer && io.env.OAUTH_ISSUER !== issuer) {
        io.out(
          `OAUTH_ISSUER is ${JSON.stringify(io.env.OAUTH_ISSUER ?? '')}: set it to ${issuer} and deploy again, so tokens and metadata name the URL clients use.\n`,
        );
      }
      return 0;
    }

    const settings = readCloudSettings(io.env);
    const scf = await createScfClient(settings, io.endpoint);
    const result = await deployFunctionUrls({
      root: io.root,
      env: io.env,
      scf,
      ...(values.domain ? { domain: values.domain } : {}),
      ...(values['certificate-id'] ? { certificateId: values['certificate-id'] } : {}),
      region: settings.region,
      log: (line) => io.out(`${line}\n`),
      ...(io.pollMs !== undefined ? { pollMs: io.pollMs } : {}),
    });
    io.out('\nFunction URLs:\n');
    for (const f of result.functions) io.out(`  ${f.functionName.padEnd(20)} ${f.url}  (${f.action})\n`);
    if (result.domain) {
      io.out(`Custom domain: ${result.domain.url} (${result.domain.action})\n`);
      io.out(`DNS: ${result.domain.name} CNAME ${result.domain.cname}\n`);
    }
    io.out('\nRoutes:\n');
    for (const r of result.routes) io.out(`  ${r.method.padEnd(5)} ${r.url}\n`);
    const issuer = io.env.OAUTH_ISSUER ?? '';
    const expected = result.domain?.url ?? result.functions.find((f) => f.folder === 'token')?.url;
    if (expected && !issuer.startsWith(expected)) {
      io.out(
        `\nOAUTH_ISSUER is ${JSON.stringify(issuer)}: set it to ${expected} and deploy again, so tokens and metadata name the URL clients use.\n`,
      );
    }
    return 0;
  } catch (error) {
    return reportCloudFailure(io, 'deploy', error);
  }
}

await runIfMain(import.meta.filename, runDeploy);
