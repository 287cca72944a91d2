// A throwaway project root for deploy tests: the real serverless.yml files and function folders, with
// bundles built from the real sources into its dist/.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { expect } from 'vitest';
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

/**
 * A throwaway copy of `files` (absolute paths under the project root, kept at the same relative paths)
 * with `edit` applied to `file` (relative), which it must change; `copies` collects the folder for removal.
 */
export function editedCopy(
  files: readonly string[],
  file: string,
  edit: (text: string) => string,
  copies: string[],
): string {
  const dir = mkdtempSync(join(tmpdir(), 'scf-oauth2-edited-'));
  copies.push(dir);
  for (const f of files) {
    const target = join(dir, f.slice(PROJECT_ROOT.length + 1));
    mkdirSync(dirname(target), { recursive: true });
    cpSync(f, target);
  }
  const target = join(dir, file);
  const before = readFileSync(target, 'utf8');
  const after = edit(before);
  expect(after).not.toBe(before);
  writeFileSync(target, after);
  return dir;
}
