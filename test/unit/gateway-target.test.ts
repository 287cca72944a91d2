// The local gateway reads a request target's path and query (infra/gateway/event.ts): it must read
// every target exactly as WHATWG URL does.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTarget } from '../../infra/gateway/event.ts';

// A target that is no URL (`//`) throws both ways; the gateway answers it 404, as no API matches it.
function outcome(read: () => { pathname: string; search: string; searchParams?: URLSearchParams }) {
  try {
    const url = read();
    return { pathname: url.pathname, search: url.search, query: [...(url.searchParams ?? [])] };
  } catch (error) {
    return { threw: (error as Error).name };
  }
}
const asUrl = (target: string) => outcome(() => new URL(target, 'http://gateway.local'));
const read = (target: string) => outcome(() => parseTarget(target));

describe('gateway request target', () => {
  it.each([
    '/',
    '/work',
    '/work/',
    '/.well-known/jwks.json',
    '/token?x=1',
    '/a/../work',
    '/a/./work',
    '/..',
    '/.',
    '//work',
    '/a//b',
    '/%2e%2e/work',
    '/wo rk',
    '/work#frag',
    '/a\\b',
    '/é',
    '/work?',
    '/authorize?client_id=a&scope=read%20write&scope=x',
  ])('%s reads as new URL reads it', (target) => {
    expect(read(target)).toEqual(asUrl(target));
  });

  it('any target of path characters reads as new URL reads it', () => {
    const char = fc.constantFrom(...'/.%2eE?#&=:@!$\'()*+,;~_-aZ09 \\"<>`{}^|\t\u0001\u007fé'.split(''));
    fc.assert(
      fc.property(fc.array(char, { maxLength: 24 }), (chars) => {
        const target = `/${chars.join('')}`;
        expect(read(target)).toEqual(asUrl(target));
      }),
      { numRuns: 3000 },
    );
  });
});
