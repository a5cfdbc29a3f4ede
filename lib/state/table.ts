import { Ids } from './ids.js';

/** What every table of the projection answers: ids interned to integers, and each entity's versions as of a watermark. */
export interface EntityTable<R extends { readonly seq: number; readonly id: string }> {
  /** How many ids are interned. */
  readonly size: number;
  /** The integer of `id`, interned now when it is new. */
  ref(id: string): number;
  /** The integer of `id`, or -1 when it was never seen. */
  indexOf(id: string): number;
  /** The id of integer `i`. */
  idOf(i: number): string;
  /** The version of entity `i` that a snapshot at `watermark` sees, or undefined. */
  at(i: number, watermark: number): R | undefined;
  /** The version of `id` that a snapshot at `watermark` sees, or undefined. */
  row(id: string, watermark: number): R | undefined;
  /** Every version of `id`, oldest first, or undefined. */
  get(id: string): readonly R[] | undefined;
  /** The seq that created entity `i`, or 0 (never created): a snapshot sees it when this is within its watermark. */
  createdSeq(i: number): number;
}

/** True when entity `i` (-1: unknown) of `table` was created at or before `watermark`, so a snapshot there sees it. */
export function seenAt(table: { createdSeq(i: number): number }, i: number, watermark: number): boolean {
  const created = i < 0 ? 0 : table.createdSeq(i);
  return created > 0 && created <= watermark;
}

/** The ids of integers `xs` of `table`, in order. */
export function idsOf(xs: readonly number[], table: { idOf(i: number): string }): string[] {
  const ids: string[] = new Array(xs.length);
  for (let j = 0; j < xs.length; j++) ids[j] = table.idOf(xs[j]!);
  return ids;
}

/**
 * The part the column tables share: the interned ids, and a row by id through `at`. Each table
 * stores its columns itself (they differ), so only the id side lives here.
 */
export abstract class ColumnTable<R extends { readonly seq: number; readonly id: string }> implements EntityTable<R> {
  protected readonly ids: Ids;

  /** A table with `ids` interned in that order, or none. */
  constructor(ids?: string[]) {
    this.ids = new Ids(ids);
  }

  get size(): number {
    return this.ids.size;
  }

  ref(id: string): number {
    return this.ids.ref(id);
  }

  indexOf(id: string): number {
    return this.ids.indexOf(id);
  }

  idOf(i: number): string {
    return this.ids.idOf(i);
  }

  abstract createdSeq(i: number): number;

  abstract at(i: number, watermark: number): R | undefined;

  abstract get(id: string): readonly R[] | undefined;

  row(id: string, watermark: number): R | undefined {
    const i = this.ids.indexOf(id);
    return i < 0 ? undefined : this.at(i, watermark);
  }
}

/**
 * A table of frozen row objects, for the small tables (transforms): entity ids interned to dense
 * integers, the latest version in an integer-indexed array and earlier ones only where there are some.
 */
export class Table<R extends { readonly seq: number; readonly id: string }> implements EntityTable<R> {
  readonly #ids = new Ids();
  readonly #latest: (R | undefined)[] = [];
  readonly #earlier: (R[] | undefined)[] = [];

  get size(): number {
    return this.#ids.size;
  }

  ref(id: string): number {
    const i = this.#ids.ref(id);
    while (this.#latest.length <= i) this.#latest.push(undefined);
    return i;
  }

  indexOf(id: string): number {
    return this.#ids.indexOf(id);
  }

  idOf(i: number): string {
    return this.#ids.idOf(i);
  }

  /** Makes `row` the first and only version of its entity; returns the entity's integer. */
  create(row: R): number {
    const i = this.ref(row.id);
    this.#latest[i] = row;
    this.#earlier[i] = undefined;
    return i;
  }

  createdSeq(i: number): number {
    const first = this.#earlier[i]?.[0] ?? this.#latest[i];
    return first === undefined ? 0 : first.seq;
  }

  /** Adds a version to an entity that has one; false when it has none. */
  update(id: string, make: (prev: R) => R): boolean {
    const i = this.#ids.indexOf(id);
    const prev = i < 0 ? undefined : this.#latest[i];
    if (prev === undefined) return false;
    (this.#earlier[i] ??= []).push(prev);
    this.#latest[i] = make(prev);
    return true;
  }

  at(i: number, watermark: number): R | undefined {
    const r = this.#latest[i];
    if (r === undefined || r.seq <= watermark) return r;
    const earlier = this.#earlier[i];
    if (earlier) for (let j = earlier.length - 1; j >= 0; j--) if (earlier[j]!.seq <= watermark) return earlier[j];
    return undefined;
  }

  row(id: string, watermark: number): R | undefined {
    const i = this.#ids.indexOf(id);
    return i < 0 ? undefined : this.at(i, watermark);
  }

  get(id: string): readonly R[] | undefined {
    const i = this.#ids.indexOf(id);
    const r = i < 0 ? undefined : this.#latest[i];
    if (r === undefined) return undefined;
    const earlier = this.#earlier[i];
    return earlier ? [...earlier, r] : [r];
  }
}
