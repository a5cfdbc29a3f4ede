import { LineageError } from '../errors.js';
import type { Ledger } from '../ledger.js';
import type { Snapshot } from '../snapshot.js';
import { pin } from '../interop/source.js';
import type { View } from '../state/view.js';

/** What a read sees: the ledger at its head, or a snapshot at `?asOf=`. */
export interface ReadPoint {
  source: Ledger | Snapshot;
  view: View;
}

/** Reads `?asOf=SEQ|TIME` (a seq, or an ISO 8601 time) into the snapshot a read should see; the head without it. */
export function readPoint(ledger: Ledger, asOf: string | undefined): ReadPoint {
  if (asOf === undefined || asOf === '') return { source: ledger, view: pin(ledger).view };
  let at: number | Date;
  if (/^\d+$/.test(asOf)) at = Number(asOf);
  else {
    const t = Date.parse(asOf);
    if (Number.isNaN(t)) throw new LineageError('INVALID_ARGUMENT', `asOf is a seq (integer) or an ISO 8601 time, not ${JSON.stringify(asOf.slice(0, 64))}`);
    at = new Date(t);
  }
  const snapshot = ledger.asOf(at);
  return { source: snapshot, view: pin(snapshot).view };
}
