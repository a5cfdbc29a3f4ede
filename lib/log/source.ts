import type { StoredEvent } from './event-log.js';

/**
 * Where readers get stored events from: the log itself (`EventLog`), or a server's log over HTTP
 * (`connect()`); `history()`, `events()` and a snapshot's `head()` read through it.
 */
export interface EventSource {
  /** The stored events with `from ≤ seq ≤ to`, in order, in batches. */
  read(from?: number, to?: number): AsyncIterable<StoredEvent[]>;
  /** The stored events with these seqs, in the order given. */
  getEvents(seqs: readonly number[]): Promise<StoredEvent[]>;
  /** A blob an event refers to by its SHA-256 (large OpenLineage facets), or undefined. */
  getBlob(hash: string): Promise<Uint8Array | undefined>;
}
