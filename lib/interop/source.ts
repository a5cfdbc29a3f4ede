import { LineageError } from '../errors.js';
import { Ledger } from '../ledger.js';
import type { Binding } from '../model/binding.js';
import { Snapshot } from '../snapshot.js';
import { View } from '../state/view.js';

/** A ledger (read at its head when the call starts) or one of its snapshots. */
export type LineageSource = Ledger | Snapshot;

/** The ledger behind a source, and a view pinned at the seq the source sees. */
export interface Pinned {
  ledger: Ledger;
  view: View;
}

/** Pins a source: a ledger at its current head, a snapshot at its own seq. */
export function pin(source: LineageSource): Pinned {
  if (source instanceof Ledger) return { ledger: source, view: new View(source.projection, source.head.seq) };
  if (source instanceof Snapshot) {
    // A snapshot keeps its binding protected; interop is internal tooling, like audit.
    const binding = (source as unknown as { binding: Binding }).binding;
    return { ledger: binding.owner as Ledger, view: binding.view };
  }
  throw new LineageError('INVALID_ARGUMENT', 'expected a Ledger (from open()) or a Snapshot (from session() or asOf())');
}
