// Recorded API Gateway trigger events (test/fixtures/events), with placeholders filled in.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function loadEvent(name: string, fill: Record<string, string> = {}): Record<string, unknown> {
  let text = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'events', `${name}.json`), 'utf8');
  for (const [placeholder, value] of Object.entries(fill))
    text = text.replaceAll(placeholder, value.replace(/"/g, '\\"'));
  return JSON.parse(text) as Record<string, unknown>;
}
