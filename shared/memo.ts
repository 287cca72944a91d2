// Per-instance memory of values derived from a few distinct strings (the hosts requests come for,
// the protected headers of our tokens): each is computed once and kept. Bounded: past `limit`
// entries the memory starts again, so made-up keys cost a computation each and never grow memory.

/** `compute`, remembered for up to `limit` keys; a key whose computation throws is not remembered. */
export function memoize<V>(limit: number, compute: (key: string) => V): (key: string) => V {
  const kept = new Map<string, V>();
  return (key) => {
    let value = kept.get(key);
    if (value === undefined) {
      value = compute(key);
      if (kept.size >= limit) kept.clear();
      kept.set(key, value);
    }
    return value;
  };
}
