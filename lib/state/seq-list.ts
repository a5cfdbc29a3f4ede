/**
 * An append-only list of ids, each stamped with the seq that added it; seqs never decrease.
 * Most lists of the index hold one entry (a file's name, hash and producer), so the first entry is
 * kept inline and arrays are made only from the second one: about half the memory per list.
 */
export class SeqList {
  #n = 0;
  #seq0 = 0;
  #id0 = '';
  #seqs: number[] | undefined;
  #ids: string[] | undefined;

  /** A list, empty or with its first entry. */
  constructor(seq?: number, id?: string) {
    if (seq !== undefined && id !== undefined) {
      this.#n = 1;
      this.#seq0 = seq;
      this.#id0 = id;
    }
  }

  /** A list over existing arrays (from a checkpoint), taken as they are. */
  static from(seqs: number[], ids: string[]): SeqList {
    const list = new SeqList();
    if (seqs.length === 1) return new SeqList(seqs[0]!, ids[0]!);
    list.#n = seqs.length;
    list.#seqs = seqs;
    list.#ids = ids;
    return list;
  }

  /** How many entries the list holds at the head. */
  get length(): number {
    return this.#n;
  }

  /** The seqs, in order (a fresh array for a list of one). */
  get seqs(): readonly number[] {
    return this.#seqs ?? (this.#n ? [this.#seq0] : []);
  }

  /** The ids, in order (a fresh array for a list of one). */
  get ids(): readonly string[] {
    return this.#ids ?? (this.#n ? [this.#id0] : []);
  }

  /** The seq of entry `i`. */
  seqAt(i: number): number {
    return this.#seqs ? this.#seqs[i]! : this.#seq0;
  }

  /** The id of entry `i`. */
  idAt(i: number): string {
    return this.#ids ? this.#ids[i]! : this.#id0;
  }

  push(seq: number, id: string): void {
    const n = this.#n++;
    if (this.#seqs) {
      this.#seqs.push(seq);
      this.#ids!.push(id);
    } else if (n === 0) {
      this.#seq0 = seq;
      this.#id0 = id;
    } else {
      this.#seqs = [this.#seq0, seq];
      this.#ids = [this.#id0, id];
      this.#id0 = '';
    }
  }

  /** How many entries a snapshot at `watermark` sees: a prefix, found by binary search. */
  countAt(watermark: number): number {
    const n = this.#n;
    const seqs = this.#seqs;
    if (!seqs) return n === 1 && this.#seq0 > watermark ? 0 : n;
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
    if (!this.#ids) return n ? [this.#id0] : [];
    return n === this.#ids.length ? this.#ids.slice() : this.#ids.slice(0, n);
  }

  /** True when `id` was added at or before `watermark`. */
  hasAt(id: string, watermark: number): boolean {
    const n = this.countAt(watermark);
    if (!this.#ids) return n === 1 && this.#id0 === id;
    for (let i = 0; i < n; i++) if (this.#ids[i] === id) return true;
    return false;
  }
}

/** Appends (seq, id) to the list under `key`, creating it. */
export function pushTo(map: Map<string, SeqList>, key: string, seq: number, id: string): void {
  const list = map.get(key);
  if (list) list.push(seq, id);
  else map.set(key, new SeqList(seq, id));
}
