// `npm ci && npm start` then the README's curl lines give what the README shows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectStepsPrintWhatIsShown, type NpmStart, startNpmStart } from '../support/npm-start.ts';
import { readmeSteps } from '../support/readme.ts';

let server: NpmStart;
beforeAll(async () => {
  server = await startNpmStart();
});
afterAll(() => server?.stop());

describe('README walk-through against npm start', () => {
  it('prints the development warning, the demo client and where it listens', () => {
    const out = server.output();
    expect(out).toContain('DEVELOPMENT ONLY');
    expect(out).toMatch(/client_id {6}demo-client/);
    expect(out).toContain(`Local API Gateway listening on http://127.0.0.1:${server.port}`);
  });

  it('every command prints what the README shows', () => {
    const steps = readmeSteps('walkthrough');
    expect(steps.length).toBeGreaterThanOrEqual(5);
    expectStepsPrintWhatIsShown(steps, server);
  });
});
