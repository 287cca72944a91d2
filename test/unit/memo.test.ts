import { describe, expect, it } from 'vitest';
import { memoize } from '../../shared/memo.ts';

describe('memoize', () => {
  it('computes a key once, starts again past its limit, and never remembers a throw', () => {
    const computed: string[] = [];
    const upper = memoize(3, (key) => {
      computed.push(key);
      if (key === 'bad') throw new TypeError('no');
      return key.toUpperCase();
    });
    expect([upper('a'), upper('b'), upper('a'), upper('c')]).toEqual(['A', 'B', 'A', 'C']);
    expect(computed).toEqual(['a', 'b', 'c']);
    // A fourth key: the three kept are forgotten, so `a` is computed again.
    expect(upper('d')).toBe('D');
    expect(upper('a')).toBe('A');
    expect(computed).toEqual(['a', 'b', 'c', 'd', 'a']);
    expect(() => upper('bad')).toThrow('no');
    expect(() => upper('bad')).toThrow('no');
    expect(computed.filter((k) => k === 'bad')).toHaveLength(2);
  });
});
