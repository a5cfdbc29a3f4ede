import type { RecordKindName } from '../events/lifecycle.js';
import type { Lifecycle } from './lifecycle.js';

/** Adds to `out` the seqs of a record's trash, erase, version and description events up to `w` (its history). */
export function lifecycleSeqs(l: Lifecycle, kind: RecordKindName, id: string, w: number, out: number[]): void {
  l.trash.seqs(kind, id, w, out);
  l.descriptions.seqs(kind, id, w, out);
  if (kind === 'file') {
    const e = l.versions.entry(id, w);
    if (e) out.push(e.seq);
  }
}
