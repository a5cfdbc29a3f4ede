import type { LabeledKind } from '../events/types.js';

/** One label put on (or taken off) one entity by the event at `seq`. */
export interface LabelEntry {
  seq: number;
  kind: LabeledKind;
  /** The entity's integer in its table. */
  entity: number;
  label: string;
  added: boolean;
}

/**
 * The labels of transforms, runs and files, append-only and stamped with seqs like the tables, so
 * that any watermark reads the labels as they were then. Kept by entity (a record's labels) and by
 * label (the records that carry it); a label's records come back in the order they got it.
 */
export class LabelIndex {
  readonly #entries: LabelEntry[] = [];
  readonly #byEntity = new Map<string, LabelEntry[]>();
  readonly #byLabel = new Map<string, LabelEntry[]>();

  /** An index of `entries` (in seq order), e.g. read from a checkpoint. */
  static from(entries: Iterable<LabelEntry>): LabelIndex {
    const index = new LabelIndex();
    for (const e of entries) index.push(e);
    return index;
  }

  /** Records one label change; entries come in seq order. */
  push(e: LabelEntry): void {
    this.#entries.push(e);
    append(this.#byEntity, key(e.kind, e.entity), e);
    append(this.#byLabel, e.label, e);
  }

  /** The labels entity `i` of `kind` carries at `watermark`, in the order it got them. */
  labelsOf(kind: LabeledKind, i: number, watermark: number): string[] {
    const list = this.#byEntity.get(key(kind, i));
    if (!list) return [];
    const on = new Set<string>();
    for (const e of list) {
      if (e.seq > watermark) break;
      if (e.added) on.add(e.label);
      else on.delete(e.label);
    }
    return [...on];
  }

  /** True when entity `i` carries `label` at `watermark`. */
  has(kind: LabeledKind, i: number, label: string, watermark: number): boolean {
    return this.labelsOf(kind, i, watermark).includes(label);
  }

  /** The entities of `kind` that carry `label` at `watermark`, in the order they got it. */
  withLabel(kind: LabeledKind, label: string, watermark: number): number[] {
    const on = new Set<number>();
    for (const e of this.#byLabel.get(label) ?? []) {
      if (e.seq > watermark) break;
      if (e.kind !== kind) continue;
      if (e.added) on.add(e.entity);
      else on.delete(e.entity);
    }
    return [...on];
  }

  /** Every label in use at `watermark`, with how many transforms, runs and files carry it, by name. */
  inUse(watermark: number): { label: string; transforms: number; runs: number; files: number }[] {
    const out: { label: string; transforms: number; runs: number; files: number }[] = [];
    for (const label of [...this.#byLabel.keys()].sort()) {
      const row = { label, transforms: this.withLabel('transform', label, watermark).length, runs: this.withLabel('run', label, watermark).length, files: this.withLabel('file', label, watermark).length };
      if (row.transforms + row.runs + row.files > 0) out.push(row);
    }
    return out;
  }

  /** The seqs of the label events of entity `i`, up to `watermark`, added to `out`. */
  seqs(kind: LabeledKind, i: number, watermark: number, out: number[]): void {
    for (const e of this.#byEntity.get(key(kind, i)) ?? []) {
      if (e.seq > watermark) break;
      out.push(e.seq);
    }
  }

  /** The entries up to `watermark`, in seq order (for a checkpoint). */
  entriesAt(watermark: number): LabelEntry[] {
    const out: LabelEntry[] = [];
    for (const e of this.#entries) {
      if (e.seq > watermark) break;
      out.push(e);
    }
    return out;
  }
}

function key(kind: LabeledKind, i: number): string {
  return `${kind[0]}${i}`;
}

function append<K, V>(map: Map<K, V[]>, k: K, v: V): void {
  const list = map.get(k);
  if (list) list.push(v);
  else map.set(k, [v]);
}
