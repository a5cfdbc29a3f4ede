/**
 * The time of every event, by seq. The events of one group commit share their `at`, so the line is
 * stored as spans of equal times (the first seq of each span, its time in ms and as written): a few
 * bytes per group instead of 8 per event, and `at` strings shared rather than held per row.
 */
export class Timeline {
  #starts: number[] = [];
  #ms: number[] = [];
  #iso: string[] = [];
  #length = 0;

  /** How many events the line holds. */
  get length(): number {
    return this.#length;
  }

  /** Adds the time `at` (ISO 8601) of event `seq`, which must be the next one. */
  push(seq: number, at: string): void {
    if (seq !== this.#length + 1) throw new Error(`timeline expected seq ${this.#length + 1}, got ${seq}`);
    this.#length = seq;
    const n = this.#iso.length;
    if (n > 0 && this.#iso[n - 1] === at) return;
    this.#starts.push(seq);
    this.#ms.push(Date.parse(at));
    this.#iso.push(at);
  }

  /** The `at` of event `seq` (1 ≤ seq ≤ length), as it was written. */
  isoAt(seq: number): string {
    return this.#iso[this.#spanOf(seq)]!;
  }

  /** The time of event `seq` in ms. */
  msAt(seq: number): number {
    return this.#ms[this.#spanOf(seq)]!;
  }

  /** How many events happened at or before `ms` (times never decrease): the seq of the last one, or 0. */
  countAtOrBefore(ms: number): number {
    const lo = countUpTo(this.#ms, ms);
    return lo === 0 ? 0 : lo < this.#ms.length ? this.#starts[lo]! - 1 : this.#length;
  }

  /** The spans of equal times as stored in a checkpoint: first seqs and times as written, up to `seq`. */
  spansUpTo(seq: number): { starts: number[]; iso: string[] } {
    let n = this.#starts.length;
    while (n > 0 && this.#starts[n - 1]! > seq) n--;
    return { starts: this.#starts.slice(0, n), iso: this.#iso.slice(0, n) };
  }

  /** A line of `length` events from its stored spans; throws when they do not describe one. */
  static fromSpans(starts: number[], iso: string[], length: number): Timeline {
    const t = new Timeline();
    if (starts.length !== iso.length || (length > 0 && starts[0] !== 1)) throw new Error('timeline spans are malformed');
    for (let i = 0; i < starts.length; i++) {
      const s = starts[i];
      if (!Number.isSafeInteger(s) || s! > length || (i > 0 && s! <= starts[i - 1]!) || typeof iso[i] !== 'string') throw new Error('timeline spans are malformed');
      t.#ms.push(Date.parse(iso[i]!));
    }
    t.#starts = starts;
    t.#iso = iso;
    t.#length = length;
    return t;
  }

  /** The index of the span that holds `seq`: the last one starting at or before it. */
  #spanOf(seq: number): number {
    return countUpTo(this.#starts, seq) - 1;
  }
}

/** How many entries of the non-decreasing `a` are at most `x` (a binary search). */
export function countUpTo(a: ArrayLike<number>, x: number, n = a.length): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
