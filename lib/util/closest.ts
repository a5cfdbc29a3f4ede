/** The candidates closest to `name` by edit distance (case-insensitive), best first. */
export function closest(name: string, candidates: Iterable<string>, n = 3): string[] {
  const target = name.toLowerCase();
  return [...new Set(candidates)]
    .map((c) => ({ c, d: distance(target, c.toLowerCase()) - (c.toLowerCase().includes(target) ? target.length / 2 : 0) }))
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c))
    .slice(0, n)
    .map((x) => x.c);
}

function distance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}
