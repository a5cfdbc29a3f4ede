import { upcast } from './events/catalog.js';
import type { LedgerEvent } from './events/types.js';
import { sha256Hex } from './log/envelope.js';
import type { EventLog } from './log/event-log.js';
import { checkpointOf, decodeCheckpoint, decodeHeader, encodeCheckpoint, restoreCheckpoint } from './state/checkpoint.js';
import { Projection } from './state/projection.js';

/** A close writes a checkpoint when at least this many events came after the stored one. */
export const CHECKPOINT_EVERY = 10_000;

/** How a projection was loaded: from a checkpoint (at `from`) and a replayed tail, or from the whole log. */
export interface LoadReport {
  /** The checkpoint's seq, or 0 when the whole log was replayed. */
  from: number;
  /** Why a stored checkpoint was not used, when one was there. */
  rejected?: string;
}

/**
 * Builds the projection of a log: from its checkpoint when one is stored and matches the log (its
 * seq is in the log and the event there has its hash; its format, digest and shape check out),
 * then the tail of the log; else by replaying the whole log. A checkpoint is never trusted blindly.
 */
export async function loadProjection(log: EventLog): Promise<{ projection: Projection; report: LoadReport }> {
  let projection: Projection | undefined;
  const report: LoadReport = { from: 0 };
  const stored = await log.readCheckpoint();
  if (stored) {
    try {
      const header = decodeHeader(stored.header);
      if (header.seq > log.head.seq) throw new Error(`checkpoint at seq ${header.seq} is past the log's head ${log.head.seq}`);
      const bytes = await log.getBytes(header.seq);
      if (!bytes || sha256Hex(bytes) !== header.hash) throw new Error(`checkpoint at seq ${header.seq} does not match the log's event there`);
      const p = restoreCheckpoint(decodeCheckpoint(header, stored.pieces));
      if (p.seq !== header.seq || p.hash !== header.hash) throw new Error('checkpoint body does not match its header');
      projection = p;
      report.from = header.seq;
    } catch (err) {
      report.rejected = (err as Error)?.message ?? String(err);
    }
  }
  projection ??= new Projection();
  // Replay without hashing each event: nothing but the head needs a hash, and the log has it.
  for await (const batch of log.read(projection.seq + 1, Number.MAX_SAFE_INTEGER, undefined, false)) {
    for (const { event } of batch) {
      const data = upcast(event.type, event.v, event.data);
      projection.apply(data === event.data ? event : ({ ...event, data } as LedgerEvent));
    }
  }
  if (projection.seq !== log.head.seq) throw new Error(`replay reached seq ${projection.seq}, the log's head is ${log.head.seq}`);
  projection.hash = log.head.hash;
  return { projection, report };
}

/** Stores a checkpoint of the projection at its seq (nothing for an empty log). */
export async function saveCheckpoint(log: EventLog, projection: Projection): Promise<void> {
  if (projection.seq === 0) return;
  const { header, pieces } = encodeCheckpoint(checkpointOf(projection));
  await log.writeCheckpoint(header, pieces);
}
