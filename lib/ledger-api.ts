import type { AuditEvent, EventsOptions } from './audit/events.js';
import type { VerifyOptions, VerifyResult } from './audit/verify.js';
import type { Context } from './context/run-context.js';
import type { FinishOptions, LedgerStats, RunOptions, TrackOptions } from './ledger.js';
import type { Head } from './log/event-log.js';
import type { LineageRecord, Model, Run, Transform } from './model/records.js';
import type { LineageGraph, LineageOptions } from './query/lineage.js';
import type { Query, RecordOf, Where } from './query/select.js';
import type { Snapshot } from './snapshot.js';

/**
 * What `open()` and `connect()` both return: write through `track`, `run`, `add`, `finish`; read
 * through `select`, `lineage`, `session`, `asOf`, `history`, `events`. Type a variable that may hold
 * either as `LedgerApi`.
 */
export interface LedgerApi {
  readonly head: Head;
  readonly seq: number;
  readonly context: Readonly<Context>;
  track(transform?: Transform | string, options?: TrackOptions): Promise<Run>;
  finish(options?: FinishOptions): Promise<Run | undefined>;
  run<T>(transform: Transform | string, fn: (run: Run) => Promise<T> | T, options?: RunOptions): Promise<T>;
  add<T extends LineageRecord | readonly LineageRecord[]>(records: T): Promise<T>;
  select<M extends Model>(model: M, where?: Where): Query<RecordOf<M>>;
  lineage(record: LineageRecord, options?: LineageOptions): LineageGraph;
  session(): Snapshot;
  asOf(at: number | Date): Snapshot;
  history(record: LineageRecord): Promise<AuditEvent[]>;
  events(options?: EventsOptions): AsyncIterable<AuditEvent>;
  verify(options?: VerifyOptions): Promise<VerifyResult>;
  stats(): LedgerStats;
  close(): Promise<void>;
}
