import { upcast } from './events/catalog.js';
import type { LedgerEvent } from './events/types.js';
import { sha256Hex } from './log/envelope.js';
import type { LedgerLog } from './log/store.js';
import { CheckpointLoader, checkpointPieces, decodeHeader } from './state/checkpoint.js';
import { Projection } from './state/projection.js';

/** A close writes a checkpoint when at least this many events came after the stored one. */
export const CHECKPOINT_EVERY = 10_000;
// Pieces per write batch: a few MB per LevelDB batch.
const PIECES_PER_BATCH = 4;

/** How a projection was loaded: from a checkpoint (at `from`) and a replayed tail, or from the whole log. */
export interface LoadReport {
  /** The checkpoint's seq, or 0 when the whole log was replayed. */
  from: number;
  /** Why a stored checkpoint was not used, when one was there. */
  rejected?: string;
}

/**
 * Builds the projection of a log: from its checkpoint when one is stored and matches the log (its
 * seq is in the log and the event there has its hash; its format, pieces, digest and shape check
 * out), then the tail of the log; else by replaying the whole log. A checkpoint is never trusted blindly.
 */
export async function loadProjection(log: LedgerLog, onProgress?: (done: number, total: number) => void): Promise<{ projection: Projection; report: LoadReport }> {
  let projection: Projection | undefined;
  const report: LoadReport = { from: 0 };
  const text = await log.checkpointHeader();
  if (text !== undefined) {
    try {
      const header = decodeHeader(text);
      if (header.seq > log.head.seq) throw new Error(`checkpoint at seq ${header.seq} is past the log's head ${log.head.seq}`);
      const bytes = await log.getBytes(header.seq);
      if (!bytes || sha256Hex(bytes) !== header.hash) throw new Error(`checkpoint at seq ${header.seq} does not match the log's event there`);
      const loader = new CheckpointLoader(header);
      for await (const piece of log.checkpointPieces(header.seq, header.pieces)) loader.add(piece);
      projection = loader.finish();
      report.from = header.seq;
    } catch (err) {
      report.rejected = (err as Error)?.message ?? String(err);
    }
  }
  projection ??= new Projection();
  // The tail must link to the checkpointed event, and each event to the one before: read() checks both.
  for await (const batch of log.read(projection.seq + 1, Number.MAX_SAFE_INTEGER, undefined, report.from > 0 ? projection.hash : undefined)) {
    for (const { event } of batch) {
      const data = upcast(event.type, event.v, event.data);
      projection.apply(data === event.data ? event : ({ ...event, data } as LedgerEvent));
    }
    onProgress?.(projection.seq, log.head.seq);
  }
  if (projection.seq !== log.head.seq) throw new Error(`replay reached seq ${projection.seq}, the log's head is ${log.head.seq}`);
  projection.hash = log.head.hash;
  return { projection, report };
}

/**
 * Stores a checkpoint of the projection at its current seq (nothing for an empty log), a few
 * pieces per batch; appends may go on meanwhile, the checkpoint stays at the seq it started at.
 * Returns that seq.
 */
export async function saveCheckpoint(log: LedgerLog, projection: Projection): Promise<number> {
  if (projection.seq === 0) return 0;
  const cp = checkpointPieces(projection);
  let batch: Uint8Array[] = [];
  let written = 0;
  for (const piece of cp.pieces) {
    batch.push(piece);
    if (batch.length === PIECES_PER_BATCH) {
      await log.putCheckpointPieces(cp.seq, written, batch);
      written += batch.length;
      batch = [];
    }
  }
  if (batch.length) {
    await log.putCheckpointPieces(cp.seq, written, batch);
    written += batch.length;
  }
  await log.commitCheckpoint(cp.seq, cp.header(), written);
  return cp.seq;
}
