// The import rules of docs/architecture.md, read from every import of functions/, shared/ and infra/:
// a function imports its own folder and shared/ only; shared/ imports only shared/; infra/ never
// imports test/, and of a function only its config.ts, except in npm run serve; shipped code uses
// Node's built-ins and runtime dependencies only; the resource-server kit (shared/resource-server/, published on its own
// as scf-oauth2-resource-server by infra/build/package.ts) Node's built-ins only.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/run.ts';

const RUNTIME_PACKAGES = Object.keys(
  (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> })
    .dependencies,
);

function sources(folder: string): string[] {
  const dir = join(ROOT, folder);
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(join(folder, name));
    return /\.(ts|mts|js|mjs)$/.test(name) ? [join(folder, name)] : [];
  });
}

/**
 * Every module specifier of a file: static imports and re-exports, side-effect and dynamic imports.
 * Lines that are comments are not read: a usage example (`require('scf-oauth2-resource-server')`) is no import.
 */
function importsOf(source: string): string[] {
  const text = source.replace(/^\s*(?:\/\/|\*|\/\*).*$/gm, '');
  const out: string[] = [];
  const patterns = [
    /^\s*(?:import|export)\s[^'"]*?\sfrom\s*['"]([^'"]+)['"]/gm,
    /^\s*import\s*['"]([^'"]+)['"]/gm,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const m of text.matchAll(pattern)) out.push(m[1]!);
  return out;
}

interface Import {
  from: string;
  specifier: string;
  /** Repository-relative path for a relative import; the package (or node: module) otherwise. */
  target: string;
}

function importsIn(folder: string): Import[] {
  return sources(folder).flatMap((file) =>
    importsOf(readFileSync(join(ROOT, file), 'utf8')).map((specifier) => ({
      from: file,
      specifier,
      target: specifier.startsWith('.')
        ? relative(ROOT, resolve(ROOT, dirname(file), specifier))
        : specifier.startsWith('node:')
          ? specifier
          : specifier.startsWith('@')
            ? specifier.split('/').slice(0, 2).join('/')
            : specifier.split('/')[0]!,
    })),
  );
}

const describeImport = (i: Import) => `${i.from} imports ${i.specifier}`;
// A Node built-in may name a subpath (node:dns/promises); it is still a built-in.
const isPackage = (target: string) =>
  target.startsWith('node:') || !target.includes('/') || target.startsWith('@');
const shippedMayUse = (target: string) => target.startsWith('node:') || RUNTIME_PACKAGES.includes(target);

describe('the import rules of docs/architecture.md', () => {
  it('reads the imports it checks (the reader itself is checked on every form)', () => {
    expect(
      importsOf(
        "import a from './a.ts';\nimport { b,\n c } from \"../b.ts\";\nexport { d } from './d.ts';\nimport type { E } from 'jose';\nimport './side.ts';\nconst f = await import('./f.ts');\nconst g = require('ioredis');\n// const { protect } = require('scf-oauth2-resource-server');\n * import('./doc.ts')",
      ),
    ).toEqual(['./a.ts', '../b.ts', './d.ts', 'jose', './side.ts', './f.ts', 'ioredis']);
    expect(importsIn('functions').length).toBeGreaterThan(20);
    expect(importsIn('shared').length).toBeGreaterThan(20);
    expect(importsIn('infra').length).toBeGreaterThan(50);
  });

  it('a function imports its own folder and shared/ only: never another function, never infra/', () => {
    const bad = importsIn('functions').filter((i) => {
      const own = i.from.split('/').slice(0, 2).join('/');
      if (isPackage(i.target)) return !shippedMayUse(i.target);
      return !i.target.startsWith(`${own}/`) && !i.target.startsWith('shared/');
    });
    expect(bad.map(describeImport)).toEqual([]);
  });

  it('shared/ imports only shared/, Node built-ins and runtime dependencies', () => {
    const bad = importsIn('shared').filter((i) =>
      isPackage(i.target) ? !shippedMayUse(i.target) : !i.target.startsWith('shared/'),
    );
    expect(bad.map(describeImport)).toEqual([]);
  });

  it('the resource-server kit imports shared/ and Node built-ins only: its package installs no dependency', () => {
    const bad = importsIn('shared/resource-server').filter((i) =>
      isPackage(i.target) ? !i.target.startsWith('node:') : !i.target.startsWith('shared/'),
    );
    expect(importsIn('shared/resource-server').length).toBeGreaterThan(5);
    expect(bad.map(describeImport)).toEqual([]);
  });

  it('infra/ imports shared/ and infra/, never test/; of a function only its config.ts, except npm run serve (infra/serve/)', () => {
    // Every other tool runs the functions as bundles, as the platforms do, and may only read a
    // function's configuration as the function reads it (the gateway's preflight); the production
    // server runs each function's app in one process, so it alone imports them.
    const bad = importsIn('infra').filter((i) => {
      if (isPackage(i.target) || i.target.startsWith('shared/') || i.target.startsWith('infra/'))
        return false;
      if (/^functions\/[a-z-]+\/config\.ts$/.test(i.target)) return false;
      return !(i.target.startsWith('functions/') && i.from.startsWith('infra/serve/'));
    });
    expect(bad.map(describeImport)).toEqual([]);
  });
});
