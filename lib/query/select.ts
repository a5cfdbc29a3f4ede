import { LineageError } from '../errors.js';
import { show } from '../util/show.js';
import type { Binding } from '../model/binding.js';
import { File, type LineageRecord, type Model, Run, Transform } from '../model/records.js';
import type { View } from '../state/view.js';

/** Which relation between runs and files a join follows. */
export type Via = 'outputs' | 'inputs';
/** Field values to match by equality (records match by id, dates by time). */
export type Where = Readonly<Record<string, unknown>>;
/** The record type a model class makes. */
export type RecordOf<M extends Model> = InstanceType<M>;

type Kind = 'transform' | 'run' | 'file';
interface Step {
  kind: Kind;
  where: Where | undefined;
  via: Via;
}
type Order = { field: string; dir: 'asc' | 'desc' };

const FIELDS: Record<Kind, ReadonlySet<string>> = {
  transform: new Set(['id', 'name', 'version', 'type', 'reference', 'hash', 'revises', 'createdAt']),
  run: new Set(['id', 'name', 'transform', 'params', 'parent', 'startedAt', 'finishedAt', 'status', 'error']),
  file: new Set(['id', 'name', 'suffix', 'size', 'hash', 'key', 'run', 'transform', 'createdAt']),
};

/** The kind of a model class, or QUERY_INVALID. */
export function kindOf(model: unknown): Kind {
  if (model === Transform) return 'transform';
  if (model === Run) return 'run';
  if (model === File) return 'file';
  throw new LineageError('QUERY_INVALID', 'select() and join() take one of the models Transform, Run or File');
}

/** Makes a record of `kind` bound to `binding`. */
export function recordOf(binding: Binding, kind: Kind, id: string): LineageRecord {
  return kind === 'file' ? File.bind(binding, id) : kind === 'run' ? Run.bind(binding, id) : Transform.bind(binding, id);
}

/**
 * A query: `select(Model, where).join(Model, where)…` returns the distinct records of the first model
 * connected, step by step, to records matching each join. Queries are immutable; each method returns a new one.
 */
export class Query<R extends LineageRecord> {
  readonly #binding: Binding;
  readonly #steps: readonly Step[];
  readonly #predicates: readonly ((r: R) => boolean)[];
  readonly #order: Order | undefined;
  readonly #limit: number | undefined;
  readonly #offset: number;

  /** @internal */
  constructor(binding: Binding, steps: readonly Step[], predicates: readonly ((r: R) => boolean)[] = [], order?: Order, limit?: number, offset = 0) {
    this.#binding = binding;
    this.#steps = steps;
    this.#predicates = predicates;
    this.#order = order;
    this.#limit = limit;
    this.#offset = offset;
  }

  /** @internal */
  static start<M extends Model>(binding: Binding, model: M, where?: Where): Query<RecordOf<M>> {
    const kind = kindOf(model);
    checkWhere(kind, where);
    return new Query(binding, [{ kind, where, via: 'outputs' }]);
  }

  #with(patch: { steps?: readonly Step[]; predicates?: readonly ((r: R) => boolean)[]; order?: Order; limit?: number; offset?: number }): Query<R> {
    return new Query<R>(
      this.#binding,
      patch.steps ?? this.#steps,
      patch.predicates ?? this.#predicates,
      'order' in patch ? patch.order : this.#order,
      'limit' in patch ? patch.limit : this.#limit,
      patch.offset ?? this.#offset,
    );
  }

  /** Keeps records connected to a record of `model` matching `where`; runs and files connect via outputs unless `via: 'inputs'`. */
  join(model: Model, where?: Where, options: { via?: Via } = {}): Query<R> {
    const kind = kindOf(model);
    checkWhere(kind, where);
    const via = options?.via ?? 'outputs';
    if (via !== 'outputs' && via !== 'inputs') throw new LineageError('QUERY_INVALID', `join(..., { via }) takes 'outputs' or 'inputs', not ${show(via)}`);
    const prev = this.#steps[this.#steps.length - 1]!.kind;
    if (prev === kind) throw new LineageError('QUERY_INVALID', `cannot join ${kind} to ${kind}: join a different model`);
    return this.#with({ steps: [...this.#steps, { kind, where, via }] });
  }

  /** Keeps records for which the predicate holds, or whose fields equal the given values. */
  where(filter: ((record: R) => boolean) | Where): Query<R> {
    if (typeof filter === 'function') return this.#with({ predicates: [...this.#predicates, filter] });
    const kind = this.#steps[0]!.kind;
    checkWhere(kind, filter);
    return this.#with({ predicates: [...this.#predicates, (r: R) => matchesRecord(r, filter)] });
  }

  /** Orders by a field of the first model. */
  orderBy(field: string, dir: 'asc' | 'desc' = 'asc'): Query<R> {
    const kind = this.#steps[0]!.kind;
    if (!FIELDS[kind].has(field)) throw new LineageError('QUERY_INVALID', `${kind} has no field ${show(field)}; fields: ${[...FIELDS[kind]].join(', ')}`);
    if (dir !== 'asc' && dir !== 'desc') throw new LineageError('QUERY_INVALID', `orderBy direction is 'asc' or 'desc', not ${show(dir)}`);
    return this.#with({ order: { field, dir } });
  }

  /** At most `n` records. */
  limit(n: number): Query<R> {
    if (!Number.isSafeInteger(n) || n < 0) throw new LineageError('QUERY_INVALID', `limit takes a non-negative integer, not ${show(n)}`);
    return this.#with({ limit: n });
  }

  /** Skips the first `n` records. */
  offset(n: number): Query<R> {
    if (!Number.isSafeInteger(n) || n < 0) throw new LineageError('QUERY_INVALID', `offset takes a non-negative integer, not ${show(n)}`);
    return this.#with({ offset: n });
  }

  /** All matching records, oldest first unless ordered. */
  all(): R[] {
    return this.#collect(this.#offset, this.#limit);
  }

  /** The first matching record, or undefined. */
  first(): R | undefined {
    return this.#collect(this.#offset, 1)[0];
  }

  /** Exactly one matching record, else QUERY_NOT_ONE. */
  one(): R {
    const found = this.#collect(this.#offset, Math.min(2, this.#limit ?? 2));
    if (found.length !== 1) {
      throw new LineageError('QUERY_NOT_ONE', `expected exactly one ${this.#steps[0]!.kind}, found ${found.length === 0 ? 'none' : 'several'}; narrow the query or use all()`);
    }
    return found[0]!;
  }

  /** How many records match. */
  count(): number {
    return this.#predicates.length === 0 ? this.#ids().length : this.#collect(0, undefined).length;
  }

  #collect(offset: number, limit: number | undefined): R[] {
    const kind = this.#steps[0]!.kind;
    const ids = this.#ids();
    if (this.#predicates.length === 0 && !this.#order) {
      // No filter or order on records: make records for the requested window only.
      const end = limit === undefined ? ids.length : Math.min(ids.length, offset + limit);
      const out: R[] = [];
      for (let i = offset; i < end; i++) out.push(recordOf(this.#binding, kind, ids[i]!) as R);
      return out;
    }
    let records = ids.map((id) => recordOf(this.#binding, kind, id) as R);
    for (const p of this.#predicates) records = records.filter(p);
    if (this.#order) {
      const { field, dir } = this.#order;
      const sign = dir === 'asc' ? 1 : -1;
      const key = (r: R) => sortable((r as unknown as Record<string, unknown>)[field]);
      records = records
        .map((r) => ({ r, k: key(r) }))
        .sort((a, b) => sign * compare(a.k, b.k))
        .map((x) => x.r);
    }
    const end = limit === undefined ? undefined : offset + limit;
    return offset || end !== undefined ? records.slice(offset, end) : records;
  }

  #ids(): string[] {
    const view = this.#binding.view;
    const steps = this.#steps;
    const last = steps[steps.length - 1]!;
    let ids = candidates(view, last.kind, last.where);
    for (let i = steps.length - 2; i >= 0; i--) {
      const from = steps[i + 1]!;
      const to = steps[i]!;
      const next = new Set<string>();
      for (const id of ids) for (const n of neighbours(view, from.kind, id, to.kind, from.via)) next.add(n);
      ids = filterRows(view, to.kind, [...next], to.where);
    }
    if (steps.length > 1) ids.sort((a, b) => createdSeq(view, steps[0]!.kind, a) - createdSeq(view, steps[0]!.kind, b));
    return ids;
  }
}

function checkWhere(kind: Kind, where: Where | undefined): void {
  if (where === undefined) return;
  if (where === null || typeof where !== 'object' || Array.isArray(where)) {
    throw new LineageError('QUERY_INVALID', `a where clause is an object of field values, not ${where === null ? 'null' : typeof where}`);
  }
  for (const field of Object.keys(where)) {
    if (!FIELDS[kind].has(field)) throw new LineageError('QUERY_INVALID', `${kind} has no field ${field}; fields: ${[...FIELDS[kind]].join(', ')}`);
  }
}

/** Ids of `kind` that match `where`, using the name and id indexes where they apply. */
function candidates(view: View, kind: Kind, where: Where | undefined): string[] {
  let ids: string[];
  // The field an index answered exactly; when it is the only one, the rows need no second look.
  let indexed: string | undefined;
  if (where && typeof where.id === 'string') {
    ids = rowOf(view, kind, where.id) ? [where.id] : [];
    indexed = 'id';
  } else if (where && typeof where.name === 'string' && kind === 'file') {
    ids = view.filesNamed(where.name.normalize('NFC'));
    indexed = 'name';
  } else if (where && typeof where.name === 'string' && kind === 'transform') {
    ids = view.transformsNamed(where.name.normalize('NFC'));
    indexed = 'name';
  } else if (where && typeof where.hash === 'string' && kind === 'file') {
    ids = view.filesWithHash(where.hash);
    indexed = 'hash';
  } else ids = kind === 'file' ? view.fileIds() : kind === 'run' ? view.runIds() : view.transformIds();
  if (indexed !== undefined && onlyKey(where!, indexed)) return ids;
  return filterRows(view, kind, ids, where);
}

function onlyKey(where: Where, key: string): boolean {
  for (const k in where) if (k !== key) return false;
  return true;
}

function rowOf(view: View, kind: Kind, id: string): Record<string, unknown> | undefined {
  return (kind === 'file' ? view.file(id) : kind === 'run' ? view.run(id) : view.transform(id)) as Record<string, unknown> | undefined;
}

function createdSeq(view: View, kind: Kind, id: string): number {
  const p = view.projection;
  const versions = kind === 'file' ? p.files.get(id) : kind === 'run' ? p.runs.get(id) : p.transforms.get(id);
  return versions?.[0]?.seq ?? 0;
}

// Row fields that hold a relation, by the record field that exposes it.
const RELATION_FIELDS: Record<string, string> = { run: 'runId', parent: 'parentRunId', revises: 'revises' };

function filterRows(view: View, kind: Kind, ids: string[], where: Where | undefined): string[] {
  if (!where) return ids;
  const entries = Object.entries(where);
  if (entries.length === 0) return ids;
  return ids.filter((id) => {
    const row = rowOf(view, kind, id);
    if (!row) return false;
    for (const [field, expected] of entries) {
      let actual: unknown;
      if (field === 'transform') {
        actual = kind === 'run' ? row.transformId : fileTransformId(view, row);
      } else if (field in RELATION_FIELDS) {
        actual = row[RELATION_FIELDS[field]!];
      } else {
        actual = row[field];
      }
      if (!equal(actual, expected, field)) return false;
    }
    return true;
  });
}

function fileTransformId(view: View, row: Record<string, unknown>): string | undefined {
  const runId = row.runId as string | undefined;
  return runId === undefined ? undefined : view.run(runId)?.transformId;
}

function equal(actual: unknown, expected: unknown, field: string): boolean {
  if (expected instanceof Transform || expected instanceof Run || expected instanceof File) return actual === expected.id;
  if (expected instanceof Date) return typeof actual === 'string' && Date.parse(actual) === expected.getTime();
  if (typeof expected === 'string' && (field === 'name' || field === 'version')) return actual === expected.normalize('NFC');
  return actual === expected;
}

function matchesRecord(record: LineageRecord, where: Where): boolean {
  const r = record as unknown as Record<string, unknown>;
  for (const [field, expected] of Object.entries(where)) {
    const actual = r[field];
    const a = actual instanceof Transform || actual instanceof Run || actual instanceof File ? actual.id : actual instanceof Date ? actual.toISOString() : actual;
    if (!equal(a, expected, field)) return false;
  }
  return true;
}

function neighbours(view: View, from: Kind, id: string, to: Kind, via: Via): string[] {
  if (from === 'run' && to === 'transform') {
    const t = view.run(id)?.transformId;
    return t ? [t] : [];
  }
  if (from === 'transform' && to === 'run') return view.runsOf(id);
  if (from === 'file' && to === 'run') return via === 'inputs' ? view.consumersOf(id) : view.producersOf(id);
  if (from === 'run' && to === 'file') return via === 'inputs' ? view.inputsOf(id) : view.outputsOf(id);
  if (from === 'file' && to === 'transform') {
    const runs = via === 'inputs' ? view.consumersOf(id) : view.producersOf(id);
    return runs.flatMap((r) => neighbours(view, 'run', r, 'transform', via));
  }
  if (from === 'transform' && to === 'file') return view.runsOf(id).flatMap((r) => neighbours(view, 'run', r, 'file', via));
  throw new LineageError('QUERY_INVALID', `no relation from ${from} to ${to}`);
}

function sortable(v: unknown): unknown {
  if (v instanceof Date) return v.getTime();
  if (v instanceof Transform || v instanceof Run || v instanceof File) return v.id;
  return v;
}

function compare(a: unknown, b: unknown): number {
  // Missing values sort last in ascending order.
  if (a === undefined || a === null) return b === undefined || b === null ? 0 : 1;
  if (b === undefined || b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}
