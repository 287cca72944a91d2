// docs/endpoints.md: every console example, run against `npm start`, prints what the page shows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStepsPrintWhatIsShown, type NpmStart, startNpmStart } from '../support/npm-start.ts';
import { readmeSteps } from '../support/readme.ts';

let server: NpmStart;
beforeAll(async () => {
  server = await startNpmStart();
});
afterAll(() => server?.stop());

describe('docs/endpoints.md against npm start', () => {
  it('every console example prints what the page shows', () => {
    const steps = readmeSteps('endpoints', 'docs/endpoints.md');
    expect(steps.length).toBeGreaterThanOrEqual(10);
    expectStepsPrintWhatIsShown(steps, server);
  });
});
