import { type AuditEvent, entityHistory, type EventsOptions, eventRange, streamEvents } from './audit/events.js';
import { LineageError } from './errors.js';
import type { EventSource } from './log/source.js';
import type { Binding } from './model/binding.js';
import { File, type LineageRecord, type Model, Run, Transform } from './model/records.js';
import { lineage, type LineageGraph, type LineageOptions } from './query/lineage.js';
import { Query, type RecordOf, type Where } from './query/select.js';
import { columnLineage, type ColumnGraph, type ColumnLineageOptions } from './interop/column-lineage.js';

/** The read API shared by a ledger (at its head, live) and its snapshots (at a fixed seq). */
export abstract class Reader {
  /** @internal */
  protected abstract get binding(): Binding;

  /** @internal The log that `history()` and `events()` read. */
  protected abstract get eventLog(): EventSource;

  /** The query of each whole model (`select(Run)`), made once: queries are immutable, and most joins start from one. */
  readonly #bare = new Map<Model, unknown>();
  #bareBinding: Binding | undefined;

  /** Starts a query over a model: `select(File, { name: 'output.bam' })`. */
  select<M extends Model>(model: M, where?: Where): Query<RecordOf<M>> {
    const binding = this.binding;
    if (where !== undefined) return Query.start(binding, model, where);
    if (binding !== this.#bareBinding) {
      this.#bare.clear();
      this.#bareBinding = binding;
    }
    let q = this.#bare.get(model) as Query<RecordOf<M>> | undefined;
    if (q === undefined) {
      q = Query.start(binding, model);
      this.#bare.set(model, q);
    }
    return q;
  }

  /** The lineage graph around a record: files, runs and transforms, and the edges between them. */
  lineage(record: LineageRecord, options?: LineageOptions): LineageGraph {
    return lineage(this.binding.view, recordKind(record, 'lineage()'), record.id, options);
  }

  /**
   * The column-lineage graph around one column of a file, from OpenLineage `columnLineage` facets:
   * which upstream columns it came from (and through which transformations), or what was derived
   * from it. Async: the facets live in the log; the first call builds an in-memory index that later
   * calls reuse (and bring up to date), so those answer without I/O.
   */
  async columnLineage(file: File, column: string, options?: ColumnLineageOptions): Promise<ColumnGraph> {
    if (!(file instanceof File)) throw new LineageError('INVALID_ARGUMENT', 'columnLineage() takes a File record and a column name');
    if (typeof column !== 'string' || column.length === 0) throw new LineageError('INVALID_ARGUMENT', 'columnLineage() needs a column name');
    const o = options ?? {};
    if (o.direction !== undefined && !['upstream', 'downstream', 'both'].includes(o.direction)) throw new LineageError('INVALID_ARGUMENT', `direction is upstream, downstream or both, not ${String(o.direction)}`);
    if (o.depth !== undefined && !(Number.isSafeInteger(o.depth) && o.depth >= 0)) throw new LineageError('INVALID_ARGUMENT', `depth is a whole number >= 0, not ${String(o.depth)}`);
    const view = this.binding.view;
    if (!view.file(file.id)) throw new LineageError('FILE_NOT_FOUND', `file ${file.id} does not exist in this snapshot`);
    return columnLineage(this.eventLog, view, file.id, column, o);
  }

  /** The last seq this reader sees. */
  get seq(): number {
    return this.binding.view.watermark;
  }

  /**
   * The events that made and changed a record, in log order, as this reader sees them (a snapshot
   * stops at its seq): a file's creation, re-creations and loads as input; a run's start, inputs,
   * outputs, child runs and finish; a transform's registration and runs.
   */
  async history(record: LineageRecord): Promise<AuditEvent[]> {
    const kind = recordKind(record, 'history()');
    const bound = kind === 'file' ? File.boundOf(record as File) : kind === 'run' ? Run.boundOf(record as Run) : Transform.boundOf(record as Transform);
    if (!bound) throw new LineageError('RECORD_NOT_SAVED', `this ${kind} has not been added to a ledger, so it has no history; pass it to ledger.add() first`);
    if (bound.binding.owner !== this.binding.owner) throw new LineageError('INVALID_ARGUMENT', `this ${kind} belongs to another ledger`);
    return entityHistory(this.binding.view, this.eventLog, kind, bound.id);
  }

  /** The log's events in order (`from`, `to` inclusive, `types`), read in batches; a snapshot's stop at its seq. */
  events(options?: EventsOptions): AsyncIterable<AuditEvent> {
    // Checked now, so that bad options throw at the call rather than at the first iteration.
    const range = eventRange(options, this.seq);
    return streamEvents(this.eventLog, range);
  }
}

function recordKind(record: unknown, where: string): 'file' | 'run' | 'transform' {
  if (record instanceof File) return 'file';
  if (record instanceof Run) return 'run';
  if (record instanceof Transform) return 'transform';
  throw new LineageError('INVALID_ARGUMENT', `${where} takes a File, Run or Transform record`);
}
