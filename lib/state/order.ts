import { ensure } from './columns.js';
import { countUpTo } from './timeline.js';

/**
 * The entities of one table in the order they were created, as their integers, each with the seq
 * that created it; seqs increase, so a snapshot at a watermark sees a prefix.
 */
export class Order {
  #entities = new Int32Array(16);
  #seqs = new Int32Array(16);
  #n = 0;

  /** How many entities were created, at the head. */
  get length(): number {
    return this.#n;
  }

  /** Records that entity `i` was created at `seq`. */
  push(seq: number, i: number): void {
    const n = this.#n;
    if (n === this.#seqs.length) {
      this.#entities = ensure(this.#entities, n + 1);
      this.#seqs = ensure(this.#seqs, n + 1);
    }
    this.#entities[n] = i;
    this.#seqs[n] = seq;
    this.#n = n + 1;
  }

  /** The integer of the `j`-th entity created. */
  at(j: number): number {
    return this.#entities[j]!;
  }

  /** How many entities a snapshot at `watermark` sees. */
  countAt(watermark: number): number {
    const n = this.#n;
    return n === 0 || this.#seqs[n - 1]! <= watermark ? n : countUpTo(this.#seqs, watermark, n);
  }
}
