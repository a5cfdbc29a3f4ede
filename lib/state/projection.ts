import type { LedgerEvent } from '../events/types.js';
import { Adjacency } from './adjacency.js';
import { FileTable } from './file-table.js';
import { Order } from './order.js';
import type { TransformRow } from './rows.js';
import { RunTable } from './run-table.js';
import { Table } from './table.js';
import { Timeline } from './timeline.js';
import { Lifecycle, type LifecycleEntry } from './lifecycle.js';
import { LabelIndex } from './labels.js';
import { StampedValues } from './stamped-values.js';

/** The pieces a projection is made of, for a checkpoint's loader. */
export interface ProjectionParts {
  timeline: Timeline;
  transforms: Table<TransformRow>;
  runs: RunTable;
  files: FileTable;
  orders: { transforms: Order; runs: Order; files: Order };
  relations: Partial<Record<Relation, Adjacency>>;
  aliases?: Alias[];
  /** Trash, versions, keys and descriptions, as their events. */
  lifecycle?: LifecycleEntry[];
  labels?: LabelIndex;
  sources?: StampedValues<SourceRef>;
  references?: StampedValues<RunReference>;
}

/** Where a transform's stored source code lives (`transform.source_stored`). */
export interface SourceRef {
  hash: string;
  size: number;
  key: string;
}

/** A run's external reference (`run.referenced`). */
export interface RunReference {
  reference: string;
  referenceType?: string;
}

/** Another name of a file, from the event at `seq` (`file.aliased`). */
export interface Alias {
  seq: number;
  file: number;
  namespace: string;
  name: string;
}

/** The relations of the lineage index. */
export type Relation = 'transformRuns' | 'runInputs' | 'runOutputs' | 'fileConsumers' | 'fileProducers' | 'runChildren' | FacetRelation;
/** The seqs of the `openlineage.event`s that name an entity (each edge points at its own source): facets stay in the log. */
export type FacetRelation = 'runFacets' | 'transformFacets' | 'fileFacets';

/**
 * The in-memory projection of the log: versioned tables and a lineage index, all append-only and
 * stamped with seqs, so that a snapshot is nothing but a watermark seq. Runs and files are stored
 * column-wise (rows are made when read), the index as integer adjacency lists.
 */
export class Projection {
  /** The time of every event. */
  readonly timeline: Timeline;
  /** Each entity's versions by its interned integer; a version, once made, never changes. */
  readonly transforms: Table<TransformRow>;
  readonly runs: RunTable;
  readonly files: FileTable;

  /** The entities of each table in creation order. */
  readonly transformOrder: Order;
  readonly runOrder: Order;
  readonly fileOrder: Order;

  /** The lineage index, between the tables' integers: transform → run, run → file, file → run, run → run. */
  readonly transformRuns: Adjacency;
  readonly runInputs: Adjacency;
  readonly runOutputs: Adjacency;
  readonly fileConsumers: Adjacency;
  /** The runs that created a file and those that re-created it, in order. */
  readonly fileProducers: Adjacency;
  readonly runChildren: Adjacency;
  /** Per entity, the seqs of the OpenLineage events that carry its facets (read from the log on demand). */
  readonly runFacets: Adjacency;
  readonly transformFacets: Adjacency;
  readonly fileFacets: Adjacency;

  /** Events by type, at the head. */
  readonly eventCounts = new Map<string, number>();
  seq = 0;
  hash = '0'.repeat(64);
  readonly #transformsByName = new Map<string, number[]>();
  /** Other names of files (few: only datasets with OpenLineage symlinks have them), in log order. */
  readonly aliases: Alias[] = [];
  readonly #aliasesByName = new Map<string, Alias[]>();
  /** Trash, erasures, file versions and keys, descriptions. */
  readonly lifecycle: Lifecycle;
  /** Labels of transforms, runs and files (`label.added`, `label.removed`). */
  readonly labels: LabelIndex;
  /** Each transform's stored source code, by the transform's integer. */
  readonly sources: StampedValues<SourceRef>;
  /** Each run's external reference, by the run's integer. */
  readonly references: StampedValues<RunReference>;

  /** An empty projection, or one made of loaded parts (at seq `parts.timeline.length`). */
  constructor(parts?: ProjectionParts) {
    this.timeline = parts?.timeline ?? new Timeline();
    this.transforms = parts?.transforms ?? new Table<TransformRow>();
    this.runs = parts?.runs ?? new RunTable((i) => this.transforms.idOf(i));
    this.files = parts?.files ?? new FileTable(this.timeline, (i) => this.runs.idOf(i));
    this.transformOrder = parts?.orders.transforms ?? new Order();
    this.runOrder = parts?.orders.runs ?? new Order();
    this.fileOrder = parts?.orders.files ?? new Order();
    const relations = parts?.relations ?? {};
    this.transformRuns = relations.transformRuns ?? new Adjacency();
    this.runInputs = relations.runInputs ?? new Adjacency();
    this.runOutputs = relations.runOutputs ?? new Adjacency();
    this.fileConsumers = relations.fileConsumers ?? new Adjacency();
    this.fileProducers = relations.fileProducers ?? new Adjacency();
    this.runChildren = relations.runChildren ?? new Adjacency();
    this.runFacets = relations.runFacets ?? new Adjacency();
    this.transformFacets = relations.transformFacets ?? new Adjacency();
    this.fileFacets = relations.fileFacets ?? new Adjacency();
    this.labels = parts?.labels ?? new LabelIndex();
    this.sources = parts?.sources ?? new StampedValues<SourceRef>();
    this.references = parts?.references ?? new StampedValues<RunReference>();
    this.seq = this.timeline.length;
    for (const a of parts?.aliases ?? []) this.#alias(a);
    this.lifecycle = new Lifecycle(parts?.lifecycle);
    const order = this.transformOrder;
    for (let j = 0; j < order.length; j++) this.#named(this.transforms.at(order.at(j), this.seq)!.name, order.at(j));
  }

  /** Applies one event in log order; events must come with seq = this.seq + 1. */
  apply(event: LedgerEvent): void {
    if (event.seq !== this.seq + 1) throw new Error(`projection expected seq ${this.seq + 1}, got ${event.seq}`);
    const { seq, at } = event;
    this.timeline.push(seq, at);
    switch (event.type) {
      case 'transform.registered': {
        const d = event.data;
        const row: TransformRow = Object.freeze({ seq, ...d, createdAt: this.timeline.isoAt(seq) });
        const t = this.transforms.create(row);
        this.transformOrder.push(seq, t);
        this.#named(d.name, t);
        break;
      }
      case 'run.started': {
        const d = event.data;
        const t = this.transforms.ref(d.transformId);
        const parent = d.parentRunId ? this.runs.ref(d.parentRunId) : -1;
        const r = this.runs.start(seq, d, t, parent);
        this.runOrder.push(seq, r);
        this.transformRuns.push(t, seq, r);
        if (parent >= 0) this.runChildren.push(parent, seq, r);
        break;
      }
      case 'run.finished':
        this.runs.finish(seq, event.data);
        break;
      case 'run.amended': {
        // A placeholder parent moved to its real job (another version of it): that transform lists
        // the run from here on; the placeholder's stops listing it (see runOfTransform).
        const d = event.data;
        const t = d.transformId === undefined ? -1 : this.transforms.ref(d.transformId);
        const r = this.runs.amend(seq, d, t);
        if (r >= 0 && t >= 0) this.transformRuns.push(t, seq, r);
        break;
      }
      case 'file.created': {
        const d = event.data;
        const run = d.runId ? this.runs.ref(d.runId) : -1;
        const f = this.files.create(seq, d, run);
        this.fileOrder.push(seq, f);
        if (run >= 0) this.#produced(run, seq, f);
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
      case 'file.aliased': {
        const d = event.data;
        this.#alias({ seq, file: this.files.ref(d.fileId), namespace: d.namespace, name: d.name });
        break;
      }
      case 'label.added':
      case 'label.removed': {
        const d = event.data;
        const entity = (d.kind === 'file' ? this.files : d.kind === 'run' ? this.runs : this.transforms).ref(d.id);
        for (const label of d.labels) this.labels.push({ seq, kind: d.kind, entity, label, added: event.type === 'label.added' });
        break;
      }
      case 'transform.source_stored': {
        const d = event.data;
        this.sources.push({ seq, entity: this.transforms.ref(d.transformId), value: Object.freeze({ hash: d.hash, size: d.size, key: d.key }) });
        break;
      }
      case 'run.referenced': {
        const d = event.data;
        const value: RunReference = d.referenceType === undefined ? { reference: d.reference } : { reference: d.reference, referenceType: d.referenceType };
        this.references.push({ seq, entity: this.runs.ref(d.runId), value: Object.freeze(value) });
        break;
      }
      case 'openlineage.event': {
        const d = event.data;
        if (d.runId) this.#facetsOf(this.runFacets, this.runs.indexOf(d.runId), seq);
        if (d.transformId) this.#facetsOf(this.transformFacets, this.transforms.indexOf(d.transformId), seq);
        for (const ids of [d.inputIds, d.outputIds, d.datasetId === undefined ? undefined : [d.datasetId]]) {
          for (const id of ids ?? []) {
            const f = this.files.indexOf(id);
            // A file named twice in one event (read and written) gets one entry.
            if (f >= 0 && this.fileFacets.lastStamp(f) !== seq) this.#facetsOf(this.fileFacets, f, seq);
          }
        }
        break;
      }
      case 'record.trashed':
      case 'record.restored':
      case 'file.erased':
      case 'file.versioned':
      case 'record.described':
        this.lifecycle.apply([seq, at, event.type, event.data] as LifecycleEntry);
        break;
    }
    this.eventCounts.set(event.type, (this.eventCounts.get(event.type) ?? 0) + 1);
    this.seq = seq;
    this.hash = event.hash;
  }

  /**
   * Appends to `out` the runs of transform `t` that a snapshot at `watermark` sees, in the order
   * they came to it: a placeholder run moved to its real job (run.amended) is its new transform's
   * from the amendment on, and no longer its placeholder transform's. Returns `out`.
   */
  runsOfTransform(t: number, watermark: number, out: number[]): number[] {
    const rel = this.transformRuns;
    for (let e = rel.first(t); e !== 0 && rel.stamp(e) <= watermark; e = rel.after(e)) {
      const r = rel.target(e);
      if (this.runs.transformAt(r, watermark) === t) out.push(r);
    }
    return out;
  }

  /** The transforms named `name` that a snapshot at `watermark` sees, as integers, in creation order. */
  transformsNamed(name: string, watermark: number): number[] {
    const all = this.#transformsByName.get(name);
    return all ? all.filter((t) => this.transforms.at(t, watermark) !== undefined) : [];
  }

  /** The files that a snapshot at `watermark` knows by the other name `name` (and `namespace`, when given). */
  filesAliased(name: string, watermark: number, namespace?: string): number[] {
    const out: number[] = [];
    for (const a of this.#aliasesByName.get(name) ?? []) if (a.seq <= watermark && (namespace === undefined || a.namespace === namespace) && !out.includes(a.file)) out.push(a.file);
    return out;
  }

  #alias(a: Alias): void {
    this.aliases.push(a);
    const list = this.#aliasesByName.get(a.name);
    if (list) list.push(a);
    else this.#aliasesByName.set(a.name, [a]);
  }

  /** Adds transform `t` to the lookup by name (transforms are few: a Map of lists is fine). */
  #named(name: string, t: number): void {
    const list = this.#transformsByName.get(name);
    if (list) list.push(t);
    else this.#transformsByName.set(name, [t]);
  }

  /** Notes that entity `i` (of the relation's table) has facets in the event at `seq`. */
  #facetsOf(rel: Adjacency, i: number, seq: number): void {
    if (i >= 0) rel.push(i, seq, i);
  }

  /** Records that run `r` created or re-created file `f` at `seq`. */
  #produced(r: number, seq: number, f: number): void {
    this.runOutputs.push(r, seq, f);
    this.fileProducers.push(f, seq, r);
  }
}
