import { LineageError } from './errors.js';
import type { Binding } from './model/binding.js';
import { File, type LineageRecord, type Model, Run, Transform } from './model/records.js';
import { lineage, type LineageGraph, type LineageOptions } from './query/lineage.js';
import { Query, type RecordOf, type Where } from './query/select.js';

/** The read API shared by a ledger (at its head, live) and its snapshots (at a fixed seq). */
export abstract class Reader {
  /** @internal */
  protected abstract get binding(): Binding;

  /** Starts a query over a model: `select(File, { name: 'output.bam' })`. */
  select<M extends Model>(model: M, where?: Where): Query<RecordOf<M>> {
    return Query.start(this.binding, model, where);
  }

  /** The lineage graph around a record: files, runs and transforms, and the edges between them. */
  lineage(record: LineageRecord, options?: LineageOptions): LineageGraph {
    const kind = record instanceof File ? 'file' : record instanceof Run ? 'run' : record instanceof Transform ? 'transform' : undefined;
    if (!kind) throw new LineageError('INVALID_ARGUMENT', 'lineage() takes a File, Run or Transform record');
    return lineage(this.binding.view, kind, record.id, options);
  }

  /** The last seq this reader sees. */
  get seq(): number {
    return this.binding.view.watermark;
  }
}
