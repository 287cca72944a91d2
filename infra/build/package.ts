// The resource-server kit as an installable package: dist/resource-server/ holds scf-oauth2-resource-server's
// package.json, one CommonJS index.js (esbuild, Node built-ins only) and one index.d.ts.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import ts from 'typescript';

export const KIT_PACKAGE_NAME = 'scf-oauth2-resource-server';
export const KIT_DIR = 'resource-server';
export const KIT_SOURCE_DIR = 'shared/resource-server';
/** index.js, index.d.ts and package.json together. */
export const KIT_BUDGET_BYTES = 30 * 1024;

export interface PackageResult {
  dir: string;
  /** Bytes of every file of the package. */
  bytes: number;
  /** Every source file in index.js, relative to the root. */
  inputs: string[];
  problems: string[];
}

// The public types live in types.ts, which imports nothing; the entry's declarations name only them.
const TYPES_IMPORT = /^(?:import|export) type \{[^}]*\} from '\.\/types\.ts';\n/gm;

/** index.d.ts: the declarations of types.ts, then the entry's, each made from its file alone. */
export function declarationsOf(root: string): { text: string; problems: string[] } {
  const problems: string[] = [];
  const declare = (name: string): string => {
    const fileName = join(root, KIT_SOURCE_DIR, name);
    const out = ts.transpileDeclaration(readFileSync(fileName, 'utf8'), {
      fileName,
      reportDiagnostics: true,
      compilerOptions: { allowImportingTsExtensions: true, module: ts.ModuleKind.NodeNext },
    });
    for (const d of out.diagnostics ?? []) {
      problems.push(`${name}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
    }
    return out.outputText;
  };
  const entry = declare('index.ts').replace(TYPES_IMPORT, '');
  if (/\bfrom '|import\(/.test(entry)) {
    problems.push('index.ts: the public declarations may name only the types of types.ts');
  }
  const text = `// ${KIT_PACKAGE_NAME}: protect a serverless function with OAuth 2.0 access tokens.\n${declare('types.ts')}${entry}`;
  return { text, problems };
}

export async function buildResourceServerPackage(
  root: string,
  outdir: string,
  version: string,
): Promise<PackageResult> {
  const dir = join(outdir, KIT_DIR);
  const result = await build({
    entryPoints: [join(root, KIT_SOURCE_DIR, 'index.ts')],
    outfile: join(dir, 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node18',
    format: 'cjs',
    // Nothing may come from node_modules: the package has no dependencies to install.
    packages: 'external',
    minify: true,
    legalComments: 'none',
    metafile: true,
    logLevel: 'silent',
  });
  const { text, problems } = declarationsOf(root);
  writeFileSync(join(dir, 'index.d.ts'), text);
  const manifest = {
    name: KIT_PACKAGE_NAME,
    version,
    description: 'Protect a serverless function (Tencent Cloud SCF, any FaaS) with OAuth 2.0 access tokens',
    license: 'MIT',
    main: 'index.js',
    types: 'index.d.ts',
    files: ['index.js', 'index.d.ts'],
    engines: { node: '>=18' },
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const external = Object.values(result.metafile.outputs)
    .flatMap((o) => o.imports)
    .filter((i) => i.external && !i.path.startsWith('node:'));
  for (const i of external) problems.push(`index.js requires ${i.path}, which is not a Node built-in`);
  const bytes = ['index.js', 'index.d.ts', 'package.json'].reduce(
    (n, f) => n + statSync(join(dir, f)).size,
    0,
  );
  if (bytes > KIT_BUDGET_BYTES) {
    problems.push(`the package is ${(bytes / 1024).toFixed(1)} KB, over ${KIT_BUDGET_BYTES / 1024} KB`);
  }
  return { dir, bytes, inputs: Object.keys(result.metafile.inputs), problems };
}
