// Reads the README's console walk-throughs: `$ command` lines and the output shown under each.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './run.ts';

export interface ConsoleStep {
  command: string;
  /** Expected output lines; `…` stands for any text. */
  expected: string[];
}

/** The ```console blocks that follow a `<!-- marker -->` line in README.md (or another Markdown file). */
export function readmeSteps(marker: string, file = 'README.md'): ConsoleStep[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const steps: ConsoleStep[] = [];
  const re = new RegExp(`<!-- ${marker} -->\\n\`\`\`console\\n([\\s\\S]*?)\`\`\``, 'g');
  for (const block of text.matchAll(re)) {
    for (const line of block[1]!.split('\n')) {
      if (line.startsWith('$ ')) steps.push({ command: line.slice(2), expected: [] });
      else if (line !== '' && steps.length > 0) steps.at(-1)!.expected.push(line);
    }
  }
  return steps;
}

export function matchesShown(actual: string, shown: string): boolean {
  const pattern = shown
    .split('…')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.+');
  return new RegExp(`^${pattern}$`).test(actual);
}
