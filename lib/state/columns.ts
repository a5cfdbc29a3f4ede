/** A typed array of the kinds the columnar tables use. */
type Column = Int32Array<ArrayBuffer> | Float64Array<ArrayBuffer> | Uint8Array<ArrayBuffer>;

/** A copy of `a` with room for at least `n` entries (doubling, so that appends are amortized O(1)). */
export function ensure<C extends Column>(a: C, n: number): C {
  if (n <= a.length) return a;
  const b = new (a.constructor as new (n: number) => C)(Math.max(n, a.length * 2, 16));
  b.set(a);
  return b;
}

/** `a` cut to its first `n` entries, sharing nothing with it (for a compact copy after a load). */
export function trimmed<C extends Column>(a: C, n: number): C {
  return a.slice(0, n) as C;
}
