import { ensure } from './columns.js';

/**
 * An append-only relation between dense integer ids (a source's targets, in the order added, each
 * stamped with the seq that added it). The edges live in one flat Int32Array, linked per source in
 * append order: 12 bytes per edge and 8 per source, no object per list, and a walk that reads
 * integers only. Seqs of one source never decrease, so a watermark cuts each list at a prefix.
 *
 * An edge's target, seq and link to the next edge sit side by side (and a source's first and last
 * edge too): over a large ledger the edges a query follows are far apart, and one cache line then
 * serves all of an edge's reads instead of one line per column.
 */
export class Adjacency {
  /** Per edge, three slots: target, seq, and the next edge of the same source as a handle (0: none). */
  #e = new Int32Array(3 * 64);
  #edges = 0;
  /** Per source, two slots: its first and last edge, as handles (0: none). */
  #ends = new Int32Array(2 * 64);

  /**
   * A relation holding the edges from[e] → to[e] stamped seq[e], in this order (which must keep
   * each source's seqs non-decreasing, as a log does): the edges are laid out and linked in one
   * pass, instead of one push per edge.
   */
  static fromEdges(from: Int32Array<ArrayBuffer>, seq: Int32Array<ArrayBuffer>, to: Int32Array<ArrayBuffer>, sources: number): Adjacency {
    const a = new Adjacency();
    const n = seq.length;
    const e3 = new Int32Array(Math.max(3 * n, 3));
    const ends = new Int32Array(2 * Math.max(sources, 1));
    for (let e = 0; e < n; e++) {
      const h = 3 * e + 3;
      e3[h - 3] = to[e]!;
      e3[h - 2] = seq[e]!;
      const f = 2 * from[e]!;
      const last = ends[f + 1]!;
      if (last === 0) ends[f] = h;
      else e3[last - 1] = h;
      ends[f + 1] = h;
    }
    a.#e = e3;
    a.#edges = n;
    a.#ends = ends;
    return a;
  }

  /** How many edges the relation holds at the head. */
  get size(): number {
    return this.#edges;
  }

  /** How many sources may have edges (every source is below this). */
  get sources(): number {
    return this.#ends.length >> 1;
  }

  /** Adds the edge from → to, stamped with `seq`. */
  push(from: number, seq: number, to: number): void {
    const h = 3 * this.#edges + 3;
    if (h > this.#e.length) this.#e = ensure(this.#e, h);
    const f = 2 * from;
    if (f + 2 > this.#ends.length) this.#ends = ensure(this.#ends, f + 2);
    const e = this.#e;
    const ends = this.#ends;
    e[h - 3] = to;
    e[h - 2] = seq;
    this.#edges++;
    const last = ends[f + 1]!;
    if (last === 0) ends[f] = h;
    else e[last - 1] = h;
    ends[f + 1] = h;
  }

  /** The first edge of `from`, as a handle for `target`, `stamp` and `after` (0: none). */
  first(from: number): number {
    const f = 2 * from;
    return f < this.#ends.length ? this.#ends[f]! : 0;
  }

  /** The seq of the last edge of `from` (0: none). */
  lastStamp(from: number): number {
    const f = 2 * from;
    const last = f < this.#ends.length ? this.#ends[f + 1]! : 0;
    return last === 0 ? 0 : this.#e[last - 2]!;
  }

  /** The edge after `edge` of the same source (0: none). */
  after(edge: number): number {
    return this.#e[edge - 1]!;
  }

  /** The target of `edge`. */
  target(edge: number): number {
    return this.#e[edge - 3]!;
  }

  /** The seq that added `edge`. */
  stamp(edge: number): number {
    return this.#e[edge - 2]!;
  }

  /** The edges a snapshot at `watermark` sees (a prefix: seqs never decrease), in the order added. */
  edgesAt(watermark: number): { from: Int32Array; seq: Int32Array; to: Int32Array } {
    const a = this.#e;
    let n = this.#edges;
    while (n > 0 && a[3 * n - 2]! > watermark) n--;
    const from = new Int32Array(n);
    const seq = new Int32Array(n);
    const to = new Int32Array(n);
    const ends = this.#ends;
    for (let s = 0; 2 * s < ends.length; s++) {
      for (let h = ends[2 * s]!; h !== 0 && h <= 3 * n; h = a[h - 1]!) from[h / 3 - 1] = s;
    }
    for (let e = 0; e < n; e++) {
      to[e] = a[3 * e]!;
      seq[e] = a[3 * e + 1]!;
    }
    return { from, seq, to };
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
