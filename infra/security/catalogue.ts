// The negative test catalogue of SECURITY.md, read from the test files themselves so the two can
// never drift apart: every `it` under test/security/ is one hostile case.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

export interface CatalogueCase {
  file: string;
  group: string;
  title: string;
  /** Rows of an `it.each` table: each is one case. */
  variants: number;
}

function titleOf(node: ts.Node | undefined): string | undefined {
  if (!node) return undefined;
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) return node.getText().slice(1, -1);
  return undefined;
}

function calleeName(expr: ts.Expression): { name: string; each?: ts.CallExpression } | undefined {
  if (ts.isIdentifier(expr)) return { name: expr.text };
  if (ts.isPropertyAccessExpression(expr) && ts.isIdentifier(expr.expression)) {
    return { name: `${expr.expression.text}.${expr.name.text}` };
  }
  if (ts.isCallExpression(expr)) {
    const inner = calleeName(expr.expression);
    if (inner?.name.endsWith('.each')) return { name: inner.name, each: expr };
    // describe.skipIf(cond)(title, …): the condition only says where a needed binary is missing.
    if (inner && /\.(skipIf|runIf)$/.test(inner.name))
      return { name: inner.name.replace(/\.(skipIf|runIf)$/, '') };
  }
  return undefined;
}

/**
 * The title of each row of an `it.each` table whose title takes its first value with `%s`, when every
 * row names itself with a string (`['a JSON body', …]`, or the string alone): each row is then a case
 * of its own in the catalogue, as vitest names it.
 */
function rowTitles(title: string, rows: readonly ts.Expression[]): string[] | undefined {
  if (!title.includes('%s') || title.replace('%s', '').includes('%')) return undefined;
  const names = rows.map((row) => {
    const first = ts.isArrayLiteralExpression(row) ? row.elements[0] : row;
    return first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first))
      ? first.text
      : undefined;
  });
  if (names.some((n) => n === undefined)) return undefined;
  return names.map((n) => title.replace('%s', n!));
}

export function readCases(root: string): CatalogueCase[] {
  const dir = join(root, 'test', 'security');
  const cases: CatalogueCase[] = [];
  for (const name of readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts'))
    .sort()) {
    const file = join(dir, name);
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node, group: string) => {
      if (ts.isCallExpression(node)) {
        const callee = calleeName(node.expression);
        const title = titleOf(node.arguments[0]);
        if (callee && title !== undefined) {
          if (callee.name === 'describe') {
            for (const a of node.arguments.slice(1)) visit(a, title);
            return;
          }
          if (callee.name === 'it' || callee.name === 'it.each' || callee.name === 'test') {
            const table = callee.each?.arguments[0];
            const rows = table && ts.isArrayLiteralExpression(table) ? [...table.elements] : undefined;
            const named = rows && rowTitles(title, rows);
            if (title.startsWith('control:')) return;
            if (named)
              for (const t of named) cases.push({ file: relative(root, file), group, title: t, variants: 1 });
            else cases.push({ file: relative(root, file), group, title, variants: rows?.length ?? 1 });
            return;
          }
        }
      }
      ts.forEachChild(node, (child) => visit(child, group));
    };
    visit(source, '');
  }
  return cases;
}

export function renderCatalogue(cases: readonly CatalogueCase[]): string {
  const lines: string[] = [];
  let file = '';
  let group = '';
  for (const c of cases) {
    if (c.file !== file || c.group !== group) {
      if (lines.length > 0) lines.push('');
      lines.push(`**${c.group}** — \`${c.file}\``, '', '| case | variants |', '|---|---|');
      file = c.file;
      group = c.group;
    }
    lines.push(`| ${c.title.replace(/[|_*]/g, '\\$&')} | ${c.variants} |`);
  }
  const total = cases.reduce((n, c) => n + c.variants, 0);
  lines.push('', `${cases.length} tests, ${total} cases in all.`);
  return lines.join('\n');
}

export const START = '<!-- catalogue:start -->';
export const END = '<!-- catalogue:end -->';

export function replaceCatalogue(markdown: string, catalogue: string): string {
  const start = markdown.indexOf(START);
  const end = markdown.indexOf(END);
  if (start < 0 || end < start) throw new Error(`SECURITY.md lacks the ${START} … ${END} markers`);
  return `${markdown.slice(0, start + START.length)}\n${catalogue}\n${markdown.slice(end)}`;
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const root = join(import.meta.dirname, '..', '..');
  const path = join(root, 'SECURITY.md');
  const updated = replaceCatalogue(readFileSync(path, 'utf8'), renderCatalogue(readCases(root)));
  if (process.argv.includes('--check')) {
    if (updated !== readFileSync(path, 'utf8')) {
      process.stderr.write('SECURITY.md is out of date: run npm run catalogue\n');
      process.exitCode = 1;
    }
  } else {
    writeFileSync(path, updated);
    process.stdout.write('SECURITY.md catalogue updated\n');
  }
}
