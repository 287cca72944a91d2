// Bundles each function into one CommonJS file exporting main_handler, as SCF loads it.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';

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
  /**
   * Packages kept out of index.js and bundled into their own file, vendor/<package>.js, beside it. The
   * function loads that file only when it imports the package (a dynamic import() stays lazy), so a large
   * optional dependency costs neither bundle size nor cold start where it is not used.
   */
  vendor?: readonly string[];
}

export interface BundleResult {
  name: string;
  file: string;
  /** Size of index.js. */
  bytes: number;
  /** Vendor files written for this function, with their sizes. */
  vendor: { name: string; file: string; bytes: number }[];
  /** Every source file in index.js, relative to the root (what a bundle may not contain is checked on it). */
  inputs: string[];
}

export const VENDOR_DIR = 'vendor';

function vendorPlugin(packages: readonly string[]): Plugin {
  const filter = new RegExp(
    `^(${packages.map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$`,
  );
  return {
    name: 'vendor-split',
    setup(b) {
      b.onResolve({ filter }, (args) => ({ path: `./${VENDOR_DIR}/${args.path}.js`, external: true }));
    },
  };
}

export async function bundleFunctions(options: BundleOptions): Promise<BundleResult[]> {
  const names = options.functions ?? listFunctions(options.root);
  const vendor = options.vendor ?? [];
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
        plugins: vendor.length > 0 ? [vendorPlugin(vendor)] : [],
      });
      const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
      const used = new Set(
        Object.values(result.metafile.outputs)
          .flatMap((o) => o.imports)
          .filter((i) => i.external && i.path.startsWith(`./${VENDOR_DIR}/`))
          .map((i) => i.path.slice(`./${VENDOR_DIR}/`.length, -'.js'.length)),
      );
      const vendorFiles = await Promise.all(
        [...used].sort().map(async (pkg) => {
          const vendorFile = join(options.outdir, name, VENDOR_DIR, `${pkg}.js`);
          const out = await build({
            stdin: {
              contents: `module.exports = require(${JSON.stringify(pkg)});`,
              resolveDir: options.root,
            },
            outfile: vendorFile,
            bundle: true,
            platform: 'node',
            target: 'node18',
            format: 'cjs',
            minify: options.minify,
            legalComments: 'none',
            metafile: true,
            logLevel: 'silent',
          });
          const size = Object.values(out.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
          return { name: pkg, file: vendorFile, bytes: size };
        }),
      );
      return { name, file, bytes, vendor: vendorFiles, inputs: Object.keys(result.metafile.inputs) };
    }),
  );
}
