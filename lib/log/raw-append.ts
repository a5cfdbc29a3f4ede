import { LineageError } from '../errors.js';
import type { LedgerEvent } from '../events/types.js';
import { unseal } from './envelope.js';
import type { Head } from './event-log.js';

/**
 * Checks that stored bytes taken from another log (a copy) continue the chain at `head`, one after
 * the other: each parses, has the next seq, and links to the hash before it. Returns the events,
 * hashes recomputed from the bytes; throws INVALID_ARGUMENT naming the first that does not, before
 * anything is written.
 */
export function checkContinues(ledger: string, head: Head, bytes: readonly Uint8Array[]): LedgerEvent[] {
  const events: LedgerEvent[] = new Array(bytes.length);
  let { seq, hash } = head;
  for (let i = 0; i < bytes.length; i++) {
    let event: LedgerEvent;
    try {
      event = unseal(bytes[i]!);
    } catch (err) {
      throw new LineageError('INVALID_ARGUMENT', `${ledger}: the event copied as seq ${seq + 1} is not valid JSON; nothing was written`, { cause: err });
    }
    if (event.seq !== seq + 1) throw new LineageError('INVALID_ARGUMENT', `${ledger}: the event copied after seq ${seq} says seq ${event.seq}; nothing was written`);
    if (event.prev !== hash) throw new LineageError('INVALID_ARGUMENT', `${ledger}: event ${event.seq} does not continue this log's chain (its prev is not the hash of event ${seq}); nothing was written`);
    seq = event.seq;
    hash = event.hash;
    events[i] = event;
  }
  return events;
}
