/** A seeded stream of puts (80 %) and deletes (20 %) over 20,000 keys. */
export function* operations(seed: number, count: number): Generator<{ key: string; value: string | null }> {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = 0; i < count; i++) {
    const key = `key-${Math.floor(next() * 20_000)}`;
    yield { key, value: next() < 0.2 ? null : `value-${i}-${'x'.repeat(Math.floor(next() * 40))}` };
  }
}

/** The store contents after the first `count` operations. */
export function modelAfter(seed: number, count: number): Map<string, string> {
  const model = new Map<string, string>();
  for (const { key, value } of operations(seed, count)) {
    if (value === null) model.delete(key);
    else model.set(key, value);
  }
  return model;
}
