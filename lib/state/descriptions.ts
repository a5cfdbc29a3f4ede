import type { RecordKindName } from '../events/lifecycle.js';

/** The descriptions of transforms, runs and files, each change kept with its seq so that snapshots read the value of their time. */
export class Descriptions {
  readonly #values = new Map<string, { seq: number; description: string | null }[]>();

  /** Records a `record.described` at `seq`. */
  set(kind: RecordKindName, id: string, seq: number, description: string | null): void {
    const k = `${kind}\0${id}`;
    const list = this.#values.get(k);
    if (list) list.push({ seq, description });
    else this.#values.set(k, [{ seq, description }]);
  }

  /** The record's description as of `w`. */
  get(kind: RecordKindName, id: string, w: number): string | undefined {
    const list = this.#values.get(`${kind}\0${id}`);
    if (!list) return undefined;
    for (let j = list.length - 1; j >= 0; j--) if (list[j]!.seq <= w) return list[j]!.description ?? undefined;
    return undefined;
  }

  /** The seqs of the record's description events up to `w`. */
  seqs(kind: RecordKindName, id: string, w: number, out: number[]): void {
    for (const v of this.#values.get(`${kind}\0${id}`) ?? []) if (v.seq <= w) out.push(v.seq);
  }
}
