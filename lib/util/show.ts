/** Any value as a short text for an error message; never throws (symbols, null-prototype objects, huge strings). */
export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v);
  if (typeof v === 'symbol') return 'a symbol';
  if (typeof v === 'function') return 'a function';
  if (v !== null && typeof v === 'object') {
    if (Array.isArray(v)) return 'an array';
    const name = (Object.getPrototypeOf(v) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
    return typeof name === 'string' && name ? `a ${name}` : 'an object';
  }
  return String(v);
}
