/**
 * One table of the projection: entity ids interned to dense integers (in the order they were first
 * seen), and each entity's versions, oldest first, frozen and never changed. The latest version
 * sits in an integer-indexed array; earlier ones only where there are some (a finished run).
 */
export class Table<R extends { readonly seq: number; readonly id: string }> {
  readonly #index = new Map<string, number>();
  readonly #ids: string[] = [];
  readonly #latest: (R | undefined)[] = [];
  readonly #earlier: (R[] | undefined)[] = [];

  /** How many ids are interned. */
  get size(): number {
    return this.#ids.length;
  }

  /** The integer of `id`, interned now when it is new. */
  ref(id: string): number {
    let i = this.#index.get(id);
    if (i === undefined) {
      i = this.#ids.length;
      this.#index.set(id, i);
      this.#ids.push(id);
      this.#latest.push(undefined);
    }
    return i;
  }

  /** The integer of `id`, or -1 when it was never seen. */
  indexOf(id: string): number {
    return this.#index.get(id) ?? -1;
  }

  /** The id of integer `i`. */
  idOf(i: number): string {
    return this.#ids[i]!;
  }

  /** Makes `row` the first and only version of its entity; returns the entity's integer. */
  create(row: R): number {
    const i = this.ref(row.id);
    this.#latest[i] = row;
    this.#earlier[i] = undefined;
    return i;
  }

  /** Adds a version to an entity that has one; false when it has none. */
  update(id: string, make: (prev: R) => R): boolean {
    const i = this.#index.get(id);
    const prev = i === undefined ? undefined : this.#latest[i];
    if (prev === undefined) return false;
    (this.#earlier[i!] ??= []).push(prev);
    this.#latest[i!] = make(prev);
    return true;
  }

  /** The version of entity `i` that a snapshot at `watermark` sees, or undefined. */
  at(i: number, watermark: number): R | undefined {
    const r = this.#latest[i];
    if (r === undefined || r.seq <= watermark) return r;
    const earlier = this.#earlier[i];
    if (earlier) for (let j = earlier.length - 1; j >= 0; j--) if (earlier[j]!.seq <= watermark) return earlier[j];
    return undefined;
  }

  /** The version of `id` that a snapshot at `watermark` sees, or undefined. */
  row(id: string, watermark: number): R | undefined {
    const i = this.#index.get(id);
    return i === undefined ? undefined : this.at(i, watermark);
  }

  /** Every version of `id`, oldest first, or undefined. */
  get(id: string): readonly R[] | undefined {
    const i = this.#index.get(id);
    const r = i === undefined ? undefined : this.#latest[i];
    if (r === undefined) return undefined;
    const earlier = this.#earlier[i!];
    return earlier ? [...earlier, r] : [r];
  }
}
