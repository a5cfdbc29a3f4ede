import type { LedgerEvent } from '../../lib/events/types.js';
import { CheckpointLoader, checkpointPieces, decodeHeader } from '../../lib/state/checkpoint.js';
import type { Projection } from '../../lib/state/projection.js';

/** A stored event as a projection applies it (one time for all, seq as its hash). */
export function event(seq: number, type: LedgerEvent['type'], data: object): LedgerEvent {
  return { seq, type, v: 1, at: '2026-01-01T00:00:00.000Z', data, prev: '', hash: String(seq) } as LedgerEvent;
}

/** The projection `p` written as a checkpoint and loaded back, as a reopen would. */
export function reloaded(p: Projection): Projection {
  const cp = checkpointPieces(p);
  const pieces = [...cp.pieces];
  const loader = new CheckpointLoader(decodeHeader(cp.header()));
  for (const piece of pieces) loader.add(piece);
  return loader.finish();
}
