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

/** The deploy order: every function instance, then the gateway at the root (its ${output:…} need them). */
export function componentsPlan(root: string): ComponentsStep[] {
  const args = ['--yes', '--package', COMPONENTS_PACKAGE, 'components', 'deploy'];
  return [...functionInstanceFiles(root).map((f) => dirname(f)), root].map((cwd) => ({
    cwd,
    command: 'npx',
    args,
  }));
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

export async function runComponents(
  root: string,
  env: Readonly<Record<string, string>>,
  log: (line: string) => void,
): Promise<void> {
  for (const step of componentsPlan(root)) {
    log(`components deploy in ${relative(root, step.cwd) || '.'}`);
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(step.command, step.args, {
        cwd: step.cwd,
        env: componentsEnv(env),
        stdio: 'inherit',
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
}
