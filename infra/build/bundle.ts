// Bundles each function into one CommonJS file exporting main_handler, as SCF loads it.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

export const FUNCTIONS_DIR = 'functions';

/** The functions: every functions/<name>/index.ts. */
export function listFunctions(root: string): string[] {
  const dir = join(root, FUNCTIONS_DIR);
  return readdirSync(dir)
    .filter((name) => {
      try {
        return statSync(join(dir, name, 'index.ts')).isFile();
      } catch {
        return false;
      }
    })
    .sort();
}

export interface BundleOptions {
  root: string;
  outdir: string;
  minify: boolean;
  functions?: string[];
}

export interface BundleResult {
  name: string;
  file: string;
  bytes: number;
}

export async function bundleFunctions(options: BundleOptions): Promise<BundleResult[]> {
  const names = options.functions ?? listFunctions(options.root);
  return Promise.all(
    names.map(async (name) => {
      const file = join(options.outdir, name, 'index.js');
      const result = await build({
        entryPoints: [join(options.root, FUNCTIONS_DIR, name, 'index.ts')],
        outfile: file,
        bundle: true,
        platform: 'node',
        target: 'node18',
        format: 'cjs',
        minify: options.minify,
        sourcemap: options.minify ? false : 'inline',
        legalComments: 'none',
        metafile: true,
        logLevel: 'silent',
      });
      const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
      return { name, file, bytes };
    }),
  );
}
