// Negative catalogue: header values shaped to make the adapter's parsing slow. SCF hands a function
// events of up to 6 MB, with no gateway limit on a function URL.
import { describe, expect, it } from 'vitest';
import { eventToRequest } from '../../shared/http/scf.ts';

describe('header values at the SCF adapter', () => {
  it('a header value of 60,000 inner spaces between edge spaces is trimmed in linear time', () => {
    // A regular expression for the trailing whitespace run retries at each inner space: quadratic,
    // seconds for this value; the trimming loop takes well under a millisecond.
    const value = ` x${' '.repeat(60_000)}x `;
    const started = performance.now();
    const req = eventToRequest({ httpMethod: 'GET', path: '/work', headers: { 'x-padding': value } });
    const elapsed = performance.now() - started;
    expect(req.headers.get('x-padding')).toBe(value.trim());
    expect(elapsed).toBeLessThan(250);
  });
});
