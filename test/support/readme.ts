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

/**
 * The run blocks of a Markdown file (`file` from the repository root): `block(name, lang)` is the
 * ```<lang> block after `<!-- run: name -->`, `shown(name)` the plain ``` block that follows it (the
 * output the doc shows).
 */
export function runBlocks(file: string): {
  block(name: string, lang?: string): string;
  shown(name: string): string;
} {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return {
    block(name, lang = 'sh') {
      const match = new RegExp(`<!-- run: ${name} -->\\n\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``).exec(text);
      if (!match) throw new Error(`${file} has no "${name}" block`);
      return match[1]!;
    },
    shown(name) {
      const match = new RegExp(
        `<!-- run: ${name} -->\\n\`\`\`sh\\n[\\s\\S]*?\`\`\`\\n\\n\`\`\`\\n([\\s\\S]*?)\`\`\``,
      ).exec(text);
      if (!match) throw new Error(`${file} shows no output for "${name}"`);
      return match[1]!.trim();
    },
  };
}

/** Whether `actual` is the line `shown`, where `…` stands for any text. */
export function matchesShown(actual: string, shown: string): boolean {
  const pattern = shown
    .split('…')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.+');
  return new RegExp(`^${pattern}$`).test(actual);
}
