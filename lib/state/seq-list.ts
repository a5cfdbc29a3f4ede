/** An append-only list of ids, each stamped with the seq that added it; seqs never decrease. */
export class SeqList {
  readonly seqs: number[];
  readonly ids: string[];

  /** A list, empty or with its first entry; most lists hold one entry, and literals are allocated at their size. */
  constructor(seq?: number, id?: string) {
    if (seq === undefined || id === undefined) {
      this.seqs = [];
      this.ids = [];
    } else {
      this.seqs = [seq];
      this.ids = [id];
    }
  }

  /** A list over existing arrays (from a checkpoint), taken as they are. */
  static from(seqs: number[], ids: string[]): SeqList {
    const list = new SeqList();
    (list as { seqs: number[] }).seqs = seqs;
    (list as { ids: string[] }).ids = ids;
    return list;
  }

  push(seq: number, id: string): void {
    this.seqs.push(seq);
    this.ids.push(id);
  }

  /** How many entries a snapshot at `watermark` sees: a prefix, found by binary search. */
  countAt(watermark: number): number {
    const seqs = this.seqs;
    const n = seqs.length;
    if (n === 0 || seqs[n - 1]! <= watermark) return n;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (seqs[mid]! <= watermark) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The ids a snapshot at `watermark` sees, in the order they were added. */
  idsAt(watermark: number): string[] {
    const n = this.countAt(watermark);
    return n === this.ids.length ? this.ids.slice() : this.ids.slice(0, n);
  }

  /** True when `id` was added at or before `watermark`. */
  hasAt(id: string, watermark: number): boolean {
    const n = this.countAt(watermark);
    for (let i = 0; i < n; i++) if (this.ids[i] === id) return true;
    return false;
  }
}

/** Appends (seq, id) to the list under `key`, creating it. */
export function pushTo(map: Map<string, SeqList>, key: string, seq: number, id: string): void {
  const list = map.get(key);
  if (list) list.push(seq, id);
  else map.set(key, new SeqList(seq, id));
}
