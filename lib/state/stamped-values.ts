/** One value set on one entity by the event at `seq`. */
export interface Stamped<T> {
  seq: number;
  entity: number;
  value: T;
}

/**
 * A value per entity that later events replace (a transform's stored source, a run's reference),
 * append-only and stamped with seqs: any watermark reads the value as it was then, and the entity's
 * history keeps every earlier one.
 */
export class StampedValues<T> {
  readonly #entries: Stamped<T>[] = [];
  readonly #byEntity = new Map<number, Stamped<T>[]>();

  /** Values from `entries` (in seq order), e.g. read from a checkpoint. */
  static from<T>(entries: Iterable<Stamped<T>>): StampedValues<T> {
    const values = new StampedValues<T>();
    for (const e of entries) values.push(e);
    return values;
  }

  /** Records a value; entries come in seq order. */
  push(e: Stamped<T>): void {
    this.#entries.push(e);
    const list = this.#byEntity.get(e.entity);
    if (list) list.push(e);
    else this.#byEntity.set(e.entity, [e]);
  }

  /** The value of entity `i` at `watermark` (the last one set at or before it), if any. */
  at(i: number, watermark: number): T | undefined {
    const list = this.#byEntity.get(i);
    if (!list) return undefined;
    for (let j = list.length - 1; j >= 0; j--) if (list[j]!.seq <= watermark) return list[j]!.value;
    return undefined;
  }

  /** Every value entity `i` had up to `watermark`, oldest first. */
  all(i: number, watermark: number): T[] {
    const out: T[] = [];
    for (const e of this.#byEntity.get(i) ?? []) if (e.seq <= watermark) out.push(e.value);
    return out;
  }

  /** The entities that have a value at `watermark` for which `match` holds. */
  matching(watermark: number, match: (value: T) => boolean): number[] {
    const out: number[] = [];
    for (const i of this.#byEntity.keys()) {
      const v = this.at(i, watermark);
      if (v !== undefined && match(v)) out.push(i);
    }
    return out;
  }

  /** The seqs of the events that set entity `i`'s values, up to `watermark`, added to `out`. */
  seqs(i: number, watermark: number, out: number[]): void {
    for (const e of this.#byEntity.get(i) ?? []) {
      if (e.seq > watermark) break;
      out.push(e.seq);
    }
  }

  /** The entries up to `watermark`, in seq order (for a checkpoint). */
  entriesAt(watermark: number): Stamped<T>[] {
    const out: Stamped<T>[] = [];
    for (const e of this.#entries) {
      if (e.seq > watermark) break;
      out.push(e);
    }
    return out;
  }
}
