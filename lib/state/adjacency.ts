import { ensure } from './columns.js';

/**
 * An append-only relation between dense integer ids (a source's targets, in the order added, each
 * stamped with the seq that added it). The edges live in flat Int32Arrays, linked per source in
 * append order: 12 bytes per edge and 8 per source, no object per list, and a walk that reads
 * integers only. Seqs of one source never decrease, so a watermark cuts each list at a prefix.
 */
export class Adjacency {
  #to = new Int32Array(64);
  #seq = new Int32Array(64);
  /** The next edge of the same source, as its index + 1 (0: none). */
  #next = new Int32Array(64);
  #edges = 0;
  /** Per source: its first and last edge, as index + 1 (0: none). */
  #first = new Int32Array(64);
  #last = new Int32Array(64);

  /**
   * A relation holding the edges from[e] → to[e] stamped seq[e], in this order (which must keep
   * each source's seqs non-decreasing, as a log does): the arrays are adopted, the links made in
   * one pass, instead of one push per edge.
   */
  static fromEdges(from: Int32Array<ArrayBuffer>, seq: Int32Array<ArrayBuffer>, to: Int32Array<ArrayBuffer>, sources: number): Adjacency {
    const a = new Adjacency();
    const n = seq.length;
    a.#to = to;
    a.#seq = seq;
    a.#next = new Int32Array(n);
    a.#edges = n;
    a.#first = new Int32Array(Math.max(sources, 1));
    a.#last = new Int32Array(Math.max(sources, 1));
    for (let e = 0; e < n; e++) {
      const f = from[e]!;
      const last = a.#last[f]!;
      if (last === 0) a.#first[f] = e + 1;
      else a.#next[last - 1] = e + 1;
      a.#last[f] = e + 1;
    }
    return a;
  }

  /** How many edges the relation holds at the head. */
  get size(): number {
    return this.#edges;
  }

  /** How many sources may have edges (every source is below this). */
  get sources(): number {
    return this.#first.length;
  }

  /** Adds the edge from → to, stamped with `seq`. */
  push(from: number, seq: number, to: number): void {
    const e = this.#edges;
    if (e >= this.#to.length) {
      this.#to = ensure(this.#to, e + 1);
      this.#seq = ensure(this.#seq, e + 1);
      this.#next = ensure(this.#next, e + 1);
    }
    if (from >= this.#first.length) {
      this.#first = ensure(this.#first, from + 1);
      this.#last = ensure(this.#last, from + 1);
    }
    this.#to[e] = to;
    this.#seq[e] = seq;
    this.#edges = e + 1;
    const last = this.#last[from]!;
    if (last === 0) this.#first[from] = e + 1;
    else this.#next[last - 1] = e + 1;
    this.#last[from] = e + 1;
  }

  /** The first edge of `from`, as a handle for `target`, `stamp` and `after` (0: none). */
  first(from: number): number {
    return from < this.#first.length ? this.#first[from]! : 0;
  }

  /** The seq of the last edge of `from` (0: none). */
  lastStamp(from: number): number {
    const last = from < this.#last.length ? this.#last[from]! : 0;
    return last === 0 ? 0 : this.#seq[last - 1]!;
  }

  /** The edge after `edge` of the same source (0: none). */
  after(edge: number): number {
    return this.#next[edge - 1]!;
  }

  /** The target of `edge`. */
  target(edge: number): number {
    return this.#to[edge - 1]!;
  }

  /** The seq that added `edge`. */
  stamp(edge: number): number {
    return this.#seq[edge - 1]!;
  }

  /** The edges a snapshot at `watermark` sees (a prefix: seqs never decrease), in the order added. */
  edgesAt(watermark: number): { from: Int32Array; seq: Int32Array; to: Int32Array } {
    let n = this.#edges;
    while (n > 0 && this.#seq[n - 1]! > watermark) n--;
    const from = new Int32Array(n);
    for (let s = 0; s < this.#first.length; s++) {
      for (let e = this.#first[s]!; e !== 0 && e <= n; e = this.#next[e - 1]!) from[e - 1] = s;
    }
    return { from, seq: this.#seq.slice(0, n), to: this.#to.slice(0, n) };
  }

  /** Appends to `out` the targets of `from` that a snapshot at `watermark` sees, in order; returns `out`. */
  targets(from: number, watermark: number, out: number[]): number[] {
    for (let e = this.first(from); e !== 0 && this.stamp(e) <= watermark; e = this.after(e)) out.push(this.target(e));
    return out;
  }

  /** Appends to `out` the seqs of the edges of `from` that a snapshot at `watermark` sees; returns `out`. */
  seqs(from: number, watermark: number, out: number[]): number[] {
    for (let e = this.first(from); e !== 0 && this.stamp(e) <= watermark; e = this.after(e)) out.push(this.stamp(e));
    return out;
  }

  /** True when the edge from → to was added at or before `watermark`. */
  has(from: number, to: number, watermark: number): boolean {
    for (let e = this.first(from); e !== 0 && this.stamp(e) <= watermark; e = this.after(e)) if (this.target(e) === to) return true;
    return false;
  }
}

