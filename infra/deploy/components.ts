// The Serverless Components profile: the `components` CLI of @serverless/components deploys each instance
// folder — the functions first, then the API Gateway service that refers to their outputs.
import { spawn } from 'node:child_process';
import { dirname, relative } from 'node:path';
import { functionInstanceFiles } from '../serverless/project.ts';

/**
 * Fetched by npx when deploying, pinned: the CLI pulls in ~200 packages (the China platform client, a file
 * watcher, an HTTP stack) that `npm ci` and the tests never need.
 */
export const COMPONENTS_PACKAGE = '@serverless/components@3.18.2';

export interface ComponentsStep {
  /** The instance folder `components deploy` runs in. */
  cwd: string;
  command: string;
  args: string[];
}

/**
 * Skips the Components engine's schema validation, for the scf instances only. The published scf schema
 * lists Node runtimes up to Nodejs16.13, and the bundles need Node 18 (Web globals): the CLI would stop on
 * `runtime: Nodejs18.15`, which the SCF API accepts (@serverless/components 3.18.2 passes the flag on to the
 * platform, src/cli/commands-cn/run.js). `npm run deploy` checks those inputs itself first
 * (infra/serverless/schema.ts, the scf schema with the runtime narrowed to Nodejs18.15).
 */
export const NO_VALIDATION = '--noValidation';

/**
 * The deploy order: every function instance, then the gateway at the root (whose function names must exist).
 * The gateway instance keeps the engine's validation.
 */
export function componentsPlan(root: string): ComponentsStep[] {
  const args = ['--yes', '--package', COMPONENTS_PACKAGE, 'components', 'deploy'];
  return [
    ...functionInstanceFiles(root).map((f) => ({
      cwd: dirname(f),
      command: 'npx',
      args: [...args, NO_VALIDATION],
    })),
    { cwd: root, command: 'npx', args },
  ];
}

/** The CLI's own variables: vendor, and the credentials under the names it reads. */
export function componentsEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  return {
    ...env,
    SERVERLESS_PLATFORM_VENDOR: 'tencent',
    TENCENT_SECRET_ID: env.TENCENTCLOUD_SECRET_ID ?? '',
    TENCENT_SECRET_KEY: env.TENCENTCLOUD_SECRET_KEY ?? '',
  };
}

/** The colour sequences (ESC [ … m) the Components CLI writes around its output. */
const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** The gateway's `url` output in the Components CLI's output (colours stripped), if it printed one. */
export function gatewayUrlIn(text: string): string | undefined {
  const plain = text.replace(ANSI_COLOUR, '');
  return /^\s*url:\s*['"]?(https?:\/\/[^\s'"]+)/m.exec(plain)?.[1];
}

/**
 * The issuer for a gateway URL: the component's `url` output ends in "/", and OAUTH_ISSUER is an https URL
 * without a trailing slash (RFC 8414 section 2: the metadata URL is built by appending to it).
 */
export function issuerOf(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Runs every step in order; the gateway URL the last one printed, if any. */
export async function runComponents(
  root: string,
  env: Readonly<Record<string, string>>,
  out: (text: string) => void,
  steps: readonly ComponentsStep[] = componentsPlan(root),
): Promise<string | undefined> {
  let output = '';
  for (const step of steps) {
    out(`components deploy in ${relative(root, step.cwd) || '.'}\n`);
    output = '';
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(step.command, step.args, {
        cwd: step.cwd,
        env: componentsEnv(env),
        stdio: ['inherit', 'pipe', 'inherit'],
      });
      // Passed through as it comes, and kept to find the gateway's url output.
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (text: string) => {
        out(text);
        output += text;
      });
      child.on('error', reject);
      child.on('close', (c) => resolve(c ?? 1));
    });
    if (code !== 0) {
      throw new Error(
        `components deploy in ${relative(root, step.cwd) || '.'} exited with ${code}; later instances were not deployed`,
      );
    }
  }
  return gatewayUrlIn(output);
}
