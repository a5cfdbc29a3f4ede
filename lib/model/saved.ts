import type { Adjacency } from '../state/adjacency.js';
import type { Projection } from '../state/projection.js';
import type { FileRow, RunRow, TransformRow } from '../state/rows.js';
import { seenAt } from '../state/table.js';
import type { Binding } from './binding.js';

/** The three kinds of record. */
export type RecordKind = 'transform' | 'run' | 'file';
type RowOf = { transform: TransformRow; run: RunRow; file: FileRow };
/** The relations of the lineage index that records follow. */
export type Relation = 'transformRuns' | 'runInputs' | 'runOutputs' | 'runChildren' | 'fileConsumers' | 'fileProducers';

interface EntityTable {
  indexOf(id: string): number;
  idOf(i: number): string;
  createdSeq(i: number): number;
  at(i: number, watermark: number): { readonly seq: number; readonly id: string } | undefined;
}

function tableOf(p: Projection, kind: RecordKind): EntityTable {
  return kind === 'file' ? p.files : kind === 'run' ? p.runs : p.transforms;
}

/**
 * A saved record's link to its ledger: the binding it reads through, its id, its integer in its
 * table once known, and the row it read last with the watermark it read it at. A row as of one
 * watermark never changes (tables only grow, and every change comes with a new seq), so a record
 * goes back to the tables only when its view has moved, and to the id index at most once.
 */
export class Saved<K extends RecordKind = RecordKind> {
  readonly binding: Binding;
  readonly kind: K;
  readonly id: string;
  #index: number;
  #row: RowOf[K] | undefined;
  #at = -1;

  /** A link to entity `id`; `index` (its integer, or -1 when not known) and `row` (as the binding sees it now) when the caller has them. */
  constructor(binding: Binding, kind: K, id: string, index = -1, row?: RowOf[K]) {
    this.binding = binding;
    this.kind = kind;
    this.id = id;
    this.#index = index;
    if (row !== undefined) {
      this.#row = row;
      this.#at = binding.view.watermark;
    }
  }

  /** The entity's integer in its table, or -1 while the table has never seen it. */
  index(): number {
    if (this.#index < 0) this.#index = tableOf(this.binding.view.projection, this.kind).indexOf(this.id);
    return this.#index;
  }

  /** The row as the binding sees it now, or undefined when the entity does not exist there. */
  row(): RowOf[K] | undefined {
    const view = this.binding.view;
    const w = view.watermark;
    if (this.#at === w) return this.#row;
    const i = this.index();
    const row = i < 0 ? undefined : (tableOf(view.projection, this.kind).at(i, w) as RowOf[K] | undefined);
    this.#row = row;
    this.#at = w;
    return row;
  }

  /**
   * The integer of what this entity refers to, read from its table's columns without making a
   * row: a file's producing run, a run's transform (-1: none); undefined when the entity does not
   * exist as the binding sees it now.
   */
  link(): number | undefined {
    const view = this.binding.view;
    const i = this.index();
    const p = view.projection;
    if (!seenAt(tableOf(p, this.kind), i, view.watermark)) return undefined;
    return this.kind === 'file' ? p.files.runOf(i) : this.kind === 'run' ? p.runs.transformAt(i, view.watermark) : -1;
  }

  /**
   * Records of the entities (of kind `to`) that this one relates to in `rel`, in the order the
   * relation added them, as the binding sees it now; `unique` keeps the first of repeats.
   */
  related<T, J extends RecordKind>(rel: Relation, to: J, unique: boolean, make: (s: Saved<J>) => T): T[] {
    const view = this.binding.view;
    const i = this.index();
    if (i < 0) return [];
    const p = view.projection;
    const adjacency: Adjacency = p[rel];
    // A transform's runs: those it holds at the watermark (a placeholder run may have moved to its real job).
    let xs = rel === 'transformRuns' ? p.runsOfTransform(i, view.watermark, []) : adjacency.targets(i, view.watermark, []);
    if (unique && xs.length > 1) xs = distinct(xs);
    const table = tableOf(p, to);
    const out: T[] = new Array(xs.length);
    for (let j = 0; j < xs.length; j++) out[j] = make(new Saved(this.binding, to, table.idOf(xs[j]!), xs[j]!));
    return out;
  }
}

/** `xs` without repeats, first occurrences in order. */
function distinct(xs: number[]): number[] {
  if (xs.length > 16) return [...new Set(xs)];
  let n = 0;
  outer: for (let j = 0; j < xs.length; j++) {
    const x = xs[j]!;
    for (let k = 0; k < n; k++) if (xs[k] === x) continue outer;
    xs[n++] = x;
  }
  xs.length = n;
  return xs;
}
