import type { ErasedBy, RecordKindName } from '../events/lifecycle.js';

/** Where a record stands as to the trash, at some seq: in it, or erased (a file whose content was removed; erased files stay in the trash). */
export type TrashState = 'trashed' | 'erased';

/** A file's erasure: the event's seq and time, and who asked. */
export interface Erasure {
  seq: number;
  at: string;
  by: ErasedBy;
}

interface Mark {
  seq: number;
  state: TrashState | 'restored';
  at?: string;
  by?: ErasedBy;
}

/**
 * The trash: each record's trash, restore and erase events in seq order, so that any snapshot reads
 * the state as of its watermark. Only records that were ever trashed have an entry (few of them).
 */
export class Trash {
  readonly #marks = new Map<string, Mark[]>();

  /** True when no record was ever trashed: queries skip the trash check. */
  get empty(): boolean {
    return this.#marks.size === 0;
  }

  /** Records a `record.trashed` (`trashed`), `record.restored` (`restored`) or `file.erased` (`erased`) at `seq`. */
  mark(kind: RecordKindName, id: string, seq: number, state: Mark['state'], at?: string, by?: ErasedBy): void {
    const k = `${kind}\0${id}`;
    const list = this.#marks.get(k);
    const m: Mark = state === 'erased' ? { seq, state, at, by } : { seq, state };
    if (list) list.push(m);
    else this.#marks.set(k, [m]);
  }

  /** The record's trash state as of `w`, or undefined when it is not in the trash. */
  state(kind: RecordKindName, id: string, w: number): TrashState | undefined {
    if (this.#marks.size === 0) return undefined;
    const m = this.#last(kind, id, w);
    return m === undefined || m.state === 'restored' ? undefined : m.state;
  }

  /** When and by whom the file's content was erased, as of `w`. */
  erasure(fileId: string, w: number): Erasure | undefined {
    for (const m of this.#marks.get(`file\0${fileId}`) ?? []) if (m.seq <= w && m.state === 'erased') return { seq: m.seq, at: m.at!, by: m.by! };
    return undefined;
  }

  /** The seqs of the record's trash events up to `w`. */
  seqs(kind: RecordKindName, id: string, w: number, out: number[]): void {
    for (const m of this.#marks.get(`${kind}\0${id}`) ?? []) if (m.seq <= w) out.push(m.seq);
  }

  #last(kind: RecordKindName, id: string, w: number): Mark | undefined {
    const list = this.#marks.get(`${kind}\0${id}`);
    if (!list) return undefined;
    for (let j = list.length - 1; j >= 0; j--) if (list[j]!.seq <= w) return list[j];
    return undefined;
  }
}
