// SECURITY.md lists exactly the cases of this folder, and there are enough of them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { END, readCases, renderCatalogue, START } from '../../infra/security/catalogue.ts';
import { ROOT } from '../support/run.ts';

describe('SECURITY.md', () => {
  const markdown = readFileSync(join(ROOT, 'SECURITY.md'), 'utf8');
  const cases = readCases(ROOT);

  it('lists exactly the negative test cases (npm run catalogue rewrites the list)', () => {
    const listed = markdown.slice(markdown.indexOf(START) + START.length, markdown.indexOf(END)).trim();
    expect(listed).toBe(renderCatalogue(cases));
  });

  it('has at least 80 hostile cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(80);
  });
});
