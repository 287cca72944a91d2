// A throwaway project root for deploy tests: the real serverless.yml files and function folders, with
// bundles built from the real sources into its dist/.
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { buildAll } from '../../infra/build/build.ts';
import { listFunctions } from '../../infra/build/bundle.ts';
import { functionInstanceFiles } from '../../infra/serverless/project.ts';

export const PROJECT_ROOT = resolve(import.meta.dirname, '../..');

export async function makeDeployRoot(): Promise<{ root: string; remove: () => void }> {
  const root = mkdtempSync(join(tmpdir(), 'scf-oauth2-deploy-'));
  cpSync(join(PROJECT_ROOT, 'serverless.yml'), join(root, 'serverless.yml'));
  for (const name of listFunctions(PROJECT_ROOT)) {
    mkdirSync(join(root, 'functions', name), { recursive: true });
    cpSync(join(PROJECT_ROOT, 'functions', name, 'index.ts'), join(root, 'functions', name, 'index.ts'));
  }
  for (const file of functionInstanceFiles(PROJECT_ROOT)) {
    const target = join(root, file.slice(PROJECT_ROOT.length + 1));
    mkdirSync(dirname(target), { recursive: true });
    cpSync(file, target);
  }
  const { problems } = await buildAll(PROJECT_ROOT, join(root, 'dist'));
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}
