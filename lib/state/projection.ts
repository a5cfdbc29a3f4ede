import type { LedgerEvent } from '../events/types.js';
import type { FileRow, RunRow, TransformRow } from './rows.js';
import { Adjacency } from './adjacency.js';
import { pushTo, SeqList } from './seq-list.js';
import { Table } from './table.js';

/**
 * The in-memory projection of the log: versioned tables and a lineage index, all append-only and
 * stamped with seqs, so that a snapshot is nothing but a watermark seq.
 */
export class Projection {
  /** Each entity's versions, oldest first, by its interned integer; a version is frozen and never changed. */
  readonly transforms = new Table<TransformRow>();
  readonly runs = new Table<RunRow>();
  readonly files = new Table<FileRow>();

  /** Every id of each table, in creation order. */
  readonly transformOrder = new SeqList();
  readonly runOrder = new SeqList();
  readonly fileOrder = new SeqList();

  /** Lookups by name and content. */
  readonly transformsByName = new Map<string, SeqList>();
  readonly filesByName = new Map<string, SeqList>();
  readonly filesByHash = new Map<string, SeqList>();

  /** The lineage index, between the tables' integers: transform → run, run → file, file → run, run → run. */
  readonly transformRuns = new Adjacency();
  readonly runInputs = new Adjacency();
  readonly runOutputs = new Adjacency();
  readonly fileConsumers = new Adjacency();
  /** The runs that created a file and those that re-created it, in order. */
  readonly fileProducers = new Adjacency();
  readonly runChildren = new Adjacency();

  /** The time of each event in ms, by seq - 1 (never decreasing). */
  readonly times: number[] = [];
  /** Events by type, at the head. */
  readonly eventCounts = new Map<string, number>();
  seq = 0;
  hash = '0'.repeat(64);
  #lastAt = '';
  #lastTime = 0;

  /** Applies one event in log order; events must come with seq = this.seq + 1. */
  apply(event: LedgerEvent): void {
    if (event.seq !== this.seq + 1) throw new Error(`projection expected seq ${this.seq + 1}, got ${event.seq}`);
    const { seq, at } = event;
    switch (event.type) {
      case 'transform.registered': {
        const d = event.data;
        const row: TransformRow = Object.freeze({ seq, ...d, createdAt: at });
        this.transforms.create(row);
        this.transformOrder.push(seq, d.id);
        pushTo(this.transformsByName, d.name, seq, d.id);
        break;
      }
      case 'run.started': {
        const d = event.data;
        const row: RunRow = Object.freeze({ seq, ...d, status: 'started' as const });
        if (d.params) deepFreeze(d.params);
        const r = this.runs.create(row);
        this.runOrder.push(seq, d.id);
        this.transformRuns.push(this.transforms.ref(d.transformId), seq, r);
        if (d.parentRunId) this.runChildren.push(this.runs.ref(d.parentRunId), seq, r);
        break;
      }
      case 'run.finished': {
        const d = event.data;
        // A new frozen version that shares params with the earlier one (what immer's produce
        // would make, with the same field order, at a fraction of the cost on the replay path).
        this.runs.update(d.runId, (prev) =>
          Object.freeze(d.error === undefined
            ? { ...prev, seq, status: d.status, finishedAt: d.finishedAt }
            : { ...prev, seq, status: d.status, finishedAt: d.finishedAt, error: d.error }));
        break;
      }
      case 'file.created': {
        const d = event.data;
        const row: FileRow = Object.freeze({ seq, ...d, createdAt: at });
        const f = this.files.create(row);
        this.fileOrder.push(seq, d.id);
        pushTo(this.filesByName, d.name, seq, d.id);
        if (d.hash) pushTo(this.filesByHash, d.hash, seq, d.id);
        if (d.runId) this.#produced(this.runs.ref(d.runId), seq, f);
        break;
      }
      case 'file.recreated': {
        const d = event.data;
        this.#produced(this.runs.ref(d.runId), seq, this.files.ref(d.fileId));
        break;
      }
      case 'file.loaded_as_input': {
        const d = event.data;
        const r = this.runs.ref(d.runId);
        const f = this.files.ref(d.fileId);
        this.runInputs.push(r, seq, f);
        this.fileConsumers.push(f, seq, r);
        break;
      }
    }
    // The events of one group commit share their time: parse it once.
    if (at !== this.#lastAt) {
      this.#lastAt = at;
      this.#lastTime = Date.parse(at);
    }
    this.times.push(this.#lastTime);
    this.eventCounts.set(event.type, (this.eventCounts.get(event.type) ?? 0) + 1);
    this.seq = seq;
    this.hash = event.hash;
  }

  /** Records that run `r` created or re-created file `f` at `seq`. */
  #produced(r: number, seq: number, f: number): void {
    this.runOutputs.push(r, seq, f);
    this.fileProducers.push(f, seq, r);
  }
}

/** Freezes a JSON value and everything in it. */
export function deepFreeze(o: object): void {
  Object.freeze(o);
  for (const v of Object.values(o)) if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) deepFreeze(v);
}
