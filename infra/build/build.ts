// npm run build: one minified CommonJS bundle per function under dist/<function>/index.js, each checked
// against a size budget and against code that belongs to deploy time only. Exits non-zero on either.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { type BundleResult, bundleFunctions } from './bundle.ts';
import {
  buildResourceServerPackage,
  KIT_BUDGET_BYTES,
  KIT_SOURCE_DIR,
  type PackageResult,
} from './package.ts';

/** index.js of each function, HTML pages included: small enough to load fast on a cold start. */
export const BUNDLE_BUDGET_BYTES = 100 * 1024;
/** A vendor file (a large optional dependency loaded only when configured, e.g. ioredis). */
export const VENDOR_BUDGET_BYTES = 256 * 1024;
/**
 * Packages bundled apart from index.js, into vendor/<package>.js beside it (shipped in the same zip).
 * ioredis alone is ~190 KB minified, twice the budget; only a deployment with OAUTH_STORE=redis:// uses
 * it, and where it is reached through a dynamic import() the vendor file is not even read otherwise.
 * jose (~60 KB) verifies client assertions only: the token function loads it with the first one, and
 * a cold start without one does not parse it.
 */
export const VENDOR_PACKAGES = ['ioredis', 'jose'] as const;
/** Deploy-time code that must never reach a function bundle. */
export const FORBIDDEN_IN_BUNDLE = [
  'tencentcloud-sdk-nodejs',
  '@serverless/',
  'esbuild',
  'yaml',
  'vitest',
  'infra/',
] as const;

export interface BuildReport {
  results: BundleResult[];
  /** dist/resource-server: the scf-oauth2-resource-server package, in a project that has its source. */
  kit?: PackageResult;
  problems: string[];
}

function forbiddenInputs(result: BundleResult): string[] {
  return result.inputs.filter((input) =>
    FORBIDDEN_IN_BUNDLE.some((f) => input.startsWith(f) || input.includes(`node_modules/${f}`)),
  );
}

/** Builds every function into `outdir` and lists each budget or content problem. */
export async function buildAll(root: string, outdir: string): Promise<BuildReport> {
  rmSync(outdir, { recursive: true, force: true });
  const results = await bundleFunctions({ root, outdir, minify: true, vendor: VENDOR_PACKAGES });
  const kit = existsSync(join(root, KIT_SOURCE_DIR, 'index.ts'))
    ? await buildResourceServerPackage(root, outdir, projectVersion(root))
    : undefined;
  // The project is an ES module package; the bundles are CommonJS, as SCF loads them from the zip root.
  mkdirSync(outdir, { recursive: true });
  writeFileSync(join(outdir, 'package.json'), '{"type":"commonjs"}\n');
  const problems: string[] = (kit?.problems ?? []).map((p) => `resource-server: ${p}`);
  for (const input of (kit?.inputs ?? []).filter((i) => FORBIDDEN_IN_BUNDLE.some((f) => i.includes(f)))) {
    problems.push(`resource-server: the package contains deploy-time code (${input})`);
  }
  for (const r of results) {
    if (r.bytes > BUNDLE_BUDGET_BYTES) {
      problems.push(`${r.name}: index.js is ${kb(r.bytes)}, over the budget of ${kb(BUNDLE_BUDGET_BYTES)}`);
    }
    for (const v of r.vendor) {
      if (v.bytes > VENDOR_BUDGET_BYTES) {
        problems.push(`${r.name}: vendor/${v.name}.js is ${kb(v.bytes)}, over ${kb(VENDOR_BUDGET_BYTES)}`);
      }
    }
    for (const input of forbiddenInputs(r)) {
      problems.push(`${r.name}: the bundle contains deploy-time code (${input})`);
    }
  }
  return { results, kit, problems };
}

/** The package's version is the project's. */
function projectVersion(root: string): string {
  const file = join(root, 'package.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version : '0.0.0';
}

export function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

async function main(): Promise<number> {
  const root = resolve('.');
  const outdir = resolve(root, 'dist');
  const { results, kit, problems } = await buildAll(root, outdir);
  for (const r of results) {
    const vendor = r.vendor.map(
      (v) => ` + ${VENDOR_DIR_LABEL}${v.name}.js ${kb(v.bytes)} (loaded on demand)`,
    );
    process.stdout.write(
      `${relative(root, r.file)}  ${kb(r.bytes)} / ${kb(BUNDLE_BUDGET_BYTES)}${vendor.join('')}\n`,
    );
  }
  if (kit) {
    process.stdout.write(
      `${relative(root, kit.dir)}/  ${kb(kit.bytes)} / ${kb(KIT_BUDGET_BYTES)} (scf-oauth2-resource-server)\n`,
    );
  }
  if (problems.length > 0) {
    process.stderr.write(`build failed:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return 1;
  }
  return 0;
}

const VENDOR_DIR_LABEL = 'vendor/';

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.dirname, 'build.ts')) {
  process.exitCode = await main();
}
