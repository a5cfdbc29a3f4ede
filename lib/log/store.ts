import type { LedgerEvent } from '../events/types.js';
import type { EventInput } from '../events/types.js';
import type { Head, InlineBlob, LedgerMeta, StoredEvent } from './event-log.js';

/**
 * What a Ledger needs of its log, whatever holds it: LevelDB (`EventLog`) or PostgreSQL (`PgLog`).
 * Every store keeps the same canonical bytes and hash chain, so a ledger copied between stores keeps its head.
 */
export interface LedgerLog {
  /** The ledger as error messages name it (a folder, `:memory:`, or a URL without its password). */
  readonly ledger: string;
  /** Where the log itself lives, for messages. */
  readonly location: string;
  /** The last event this process has seen committed (`seq` 0 for an empty log). */
  readonly head: Head;
  /** Identity of the ledger (id, format, creation time). */
  readonly info: LedgerMeta;
  readonly closed: boolean;
  /** Called synchronously, in log order, with every committed event (this process's and, where the store is shared, others'). */
  onCommit(fn: (events: LedgerEvent[]) => void): void;
  /** Appends validated events atomically (all or none), with any inline blobs; resolves with the sealed events once committed. */
  append(events: EventInput[], versions: number[], blobs?: InlineBlob[]): Promise<LedgerEvent[]>;
  /**
   * Appends as `append` does, resolving once the store's journal holds the events, where it has one
   * (a folder in `'batched'` or `'journal'` mode): the appends of a `ledger.run` scope, whose finish,
   * appended with `append`, resolves only once the store holds it and everything before it.
   */
  appendEarly?(events: EventInput[], versions: number[], blobs?: InlineBlob[]): Promise<LedgerEvent[]>;
  /**
   * Appends events exactly as another log stored them (a copy), after checking that each continues
   * this log's chain (seq and prev); with the contents they refer to. All or none; resolves with the new head.
   */
  appendRaw(bytes: readonly Uint8Array[], blobs?: InlineBlob[]): Promise<Head>;
  /** Streams stored events with `from ≤ seq ≤ to` in order, each link checked. */
  read(from?: number, to?: number, batch?: number, after?: string): AsyncGenerator<StoredEvent[]>;
  /** Streams raw (seq, stored bytes) pairs in order, for verification. */
  readRaw(from?: number, batch?: number): AsyncGenerator<[number, Uint8Array][]>;
  /** The stored events with these seqs, in the order given. */
  getEvents(seqs: readonly number[]): Promise<StoredEvent[]>;
  /** The stored bytes of event `seq`, or undefined. */
  getBytes(seq: number): Promise<Uint8Array | undefined>;
  /** Reads one inline blob, or undefined. */
  getBlob(key: string): Promise<Uint8Array | undefined>;
  /** Removes one inline blob for good (an erase, after its `file.erased` event); absent is fine. */
  deleteBlob(key: string): Promise<void>;
  getMeta<T>(key: string): Promise<T | undefined>;
  putMeta(key: string, value: unknown): Promise<void>;
  putCheckpointPieces(seq: number, from: number, pieces: readonly Uint8Array[]): Promise<void>;
  commitCheckpoint(seq: number, header: string, pieces: number): Promise<void>;
  checkpointHeader(): Promise<string | undefined>;
  checkpointPieces(seq: number, count?: number): AsyncGenerator<Uint8Array>;
  clearCheckpoint(): Promise<void>;
  /** @internal Overwrites one raw checkpoint entry: for tests that damage a checkpoint. */
  putCheckpointEntry(key: string, value: string | Uint8Array): Promise<void>;
  /** Waits until every queued append is written. */
  flush(): Promise<void>;
  /** Waits until this process has seen every event committed anywhere before the call (a shared store); else flushes. */
  sync?(): Promise<void>;
  /** Completes queued appends, refuses new ones, and releases the store. */
  close(): Promise<void>;
}
