import { LineageError } from '../errors.js';
import { show } from '../util/show.js';
import type { Binding } from '../model/binding.js';
import { File, type LineageRecord, type Model, Run, Transform } from '../model/records.js';
import { Saved } from '../model/saved.js';
import type { Adjacency } from '../state/adjacency.js';
import type { Projection } from '../state/projection.js';
import type { FileRow, RunRow, TransformRow } from '../state/rows.js';
import { seenAt } from '../state/table.js';
import type { View } from '../state/view.js';
import { nfc } from './nfc.js';
import { checkMetaValue, isMetaField, labelCandidates, META_FIELDS, metaMatches } from './meta-fields.js';

/** Which relation between runs and files a join follows. */
export type Via = 'outputs' | 'inputs';
/** Field values to match by equality (records match by id, dates by time). */
export type Where = Readonly<Record<string, unknown>>;
/** The record type a model class makes. */
export type RecordOf<M extends Model> = InstanceType<M>;

type Kind = 'transform' | 'run' | 'file';
/** A join: the model joined, its where clause, the relation followed, and the join before it (a list from the last join back). */
interface Step {
  readonly kind: Kind;
  readonly where: Where | undefined;
  readonly via: Via;
  readonly prev: Step | undefined;
}
type Order = { field: string; dir: 'asc' | 'desc' };

const FIELDS: Record<Kind, ReadonlySet<string>> = {
  transform: new Set(['id', 'name', 'version', 'type', 'reference', 'hash', 'revises', 'createdAt', 'description']),
  run: new Set(['id', 'name', 'transform', 'params', 'parent', 'startedAt', 'finishedAt', 'status', 'error', 'description']),
  file: new Set(['id', 'name', 'suffix', 'size', 'hash', 'key', 'run', 'transform', 'createdAt', 'description', 'storageKey', 'isLatest', 'revises']),
};

/** The kind of a model class, or QUERY_INVALID. */
export function kindOf(model: unknown): Kind {
  if (model === Transform) return 'transform';
  if (model === Run) return 'run';
  if (model === File) return 'file';
  throw new LineageError('QUERY_INVALID', 'select() and join() take one of the models Transform, Run or File');
}

/** Makes a record of `kind` bound to `binding`; `index` and `row` when the caller read them already. */
export function recordOf(binding: Binding, kind: Kind, id: string, index = -1, row?: Row): LineageRecord {
  if (kind === 'file') return File.of(new Saved(binding, kind, id, index, row as FileRow | undefined));
  if (kind === 'run') return Run.of(new Saved(binding, kind, id, index, row as RunRow | undefined));
  return Transform.of(new Saved(binding, kind, id, index, row as TransformRow | undefined));
}

const NO_PREDICATES: readonly never[] = Object.freeze([]);
/** What a fast path answers when nothing matches, and when the general evaluation must answer. */
const NONE = -1;
const SLOW = -2;

/** Which records a query sees as to the trash: not trashed (default), all, or only trashed ones. */
export type TrashMode = 'hide' | 'with' | 'only';

/**
 * A query: `select(Model, where).join(Model, where)…` returns the distinct records of the first model
 * connected, step by step, to records matching each join. Queries are immutable; each method returns a new one.
 */
export class Query<R extends LineageRecord> {
  readonly #binding: Binding;
  /** The first step (the selected model) is kept in fields, the joins after it as a list from the last. */
  readonly #kind: Kind;
  readonly #where: Where | undefined;
  readonly #last: Step | undefined;
  readonly #predicates: readonly ((r: R) => boolean)[];
  readonly #order: Order | undefined;
  readonly #limit: number | undefined;
  readonly #offset: number;
  readonly #trash: TrashMode;

  /** @internal */
  constructor(binding: Binding, kind: Kind, where: Where | undefined, last?: Step, predicates: readonly ((r: R) => boolean)[] = NO_PREDICATES, order?: Order, limit?: number, offset = 0, trash: TrashMode = 'hide') {
    this.#binding = binding;
    this.#kind = kind;
    this.#where = where;
    this.#last = last;
    this.#predicates = predicates;
    this.#order = order;
    this.#limit = limit;
    this.#offset = offset;
    this.#trash = trash;
  }

  /** @internal */
  static start<M extends Model>(binding: Binding, model: M, where?: Where): Query<RecordOf<M>> {
    const kind = kindOf(model);
    checkWhere(kind, where);
    return new Query(binding, kind, where);
  }

  #with(patch: { predicates?: readonly ((r: R) => boolean)[]; order?: Order; limit?: number; offset?: number; trash?: TrashMode }): Query<R> {
    return new Query<R>(
      this.#binding,
      this.#kind,
      this.#where,
      this.#last,
      patch.predicates ?? this.#predicates,
      'order' in patch ? patch.order : this.#order,
      'limit' in patch ? patch.limit : this.#limit,
      patch.offset ?? this.#offset,
      patch.trash ?? this.#trash,
    );
  }

  /** Includes records in the trash (default queries leave them out; a query by id alone finds them anyway). */
  withTrashed(): Query<R> {
    return this.#with({ trash: 'with' });
  }

  /** Only records in the trash (erased files stay there). */
  onlyTrashed(): Query<R> {
    return this.#with({ trash: 'only' });
  }

  /**
   * The latest version among the matching files (`select(File, { key }).latest()`): undefined when
   * none is latest, QUERY_NOT_ONE when the matches span several families (narrow the query, or
   * `where({ isLatest: true })` for all of them).
   */
  latest(): R | undefined {
    if (this.#kind !== 'file') throw new LineageError('QUERY_INVALID', `latest() is for files (versions of a file), not ${this.#kind}s`);
    const view = this.#binding.view;
    const latest = new Set<string>();
    for (const r of this.#collect(0, undefined)) {
      const l = view.latestOf(r.id);
      if (l !== undefined) latest.add(l);
    }
    if (latest.size > 1) throw new LineageError('QUERY_NOT_ONE', `the query matches ${latest.size} families of versions; narrow it (e.g. by key) or use where({ isLatest: true }).all()`);
    const [id] = latest;
    return id === undefined ? undefined : (recordOf(this.#binding, 'file', id) as R);
  }

  /** Keeps records connected to a record of `model` matching `where`; runs and files connect via outputs unless `via: 'inputs'`. */
  join(model: Model, where?: Where, options?: { via?: Via }): Query<R> {
    const kind = kindOf(model);
    checkWhere(kind, where);
    const via = options?.via ?? 'outputs';
    if (via !== 'outputs' && via !== 'inputs') throw new LineageError('QUERY_INVALID', `join(..., { via }) takes 'outputs' or 'inputs', not ${show(via)}`);
    const last = this.#last;
    if ((last ? last.kind : this.#kind) === kind) throw new LineageError('QUERY_INVALID', `cannot join ${kind} to ${kind}: join a different model`);
    // One step object per join, linked to the one before: no list of steps copied per call.
    return new Query<R>(this.#binding, this.#kind, this.#where, { kind, where, via, prev: last }, this.#predicates, this.#order, this.#limit, this.#offset, this.#trash);
  }

  /** Keeps records for which the predicate holds, or whose fields equal the given values. */
  where(filter: ((record: R) => boolean) | Where): Query<R> {
    if (typeof filter === 'function') return this.#with({ predicates: [...this.#predicates, filter] });
    checkWhere(this.#kind, filter);
    return this.#with({ predicates: [...this.#predicates, (r: R) => matchesRecord(r, filter)] });
  }

  /** Orders by a field of the first model. */
  orderBy(field: string, dir: 'asc' | 'desc' = 'asc'): Query<R> {
    const kind = this.#kind;
    if (!FIELDS[kind].has(field) && !(isMetaField(kind, field) && field !== 'label')) throw new LineageError('QUERY_INVALID', `${kind} has no field ${show(field)}; fields: ${[...FIELDS[kind]].join(', ')}`);
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
    if (!this.#plain()) return this.#collect(this.#offset, 1)[0];
    const x = this.#producerOfNamed();
    if (x !== SLOW) return x >= 0 && this.#offset === 0 && this.#limit !== 0 ? this.#recordAt(x, undefined) : undefined;
    // No filter or order on records: the record at the offset is the only one made, and no list.
    const s = Scratch.take();
    try {
      const hits = this.#hits(s);
      const j = this.#offset;
      return j < hits.n && this.#limit !== 0 ? this.#record(hits, j) : undefined;
    } finally {
      s.release();
    }
  }

  /** Exactly one matching record, else QUERY_NOT_ONE. */
  one(): R {
    if (!this.#plain()) {
      const found = this.#collect(this.#offset, Math.min(2, this.#limit ?? 2));
      if (found.length !== 1) throw this.#notOne(found.length);
      return found[0]!;
    }
    const x = this.#producerOfNamed();
    if (x !== SLOW) {
      const found = Math.max(0, Math.min((x >= 0 ? 1 : 0) - this.#offset, this.#limit ?? 2, 2));
      if (found !== 1) throw this.#notOne(found);
      return this.#recordAt(x, undefined);
    }
    const s = Scratch.take();
    try {
      const hits = this.#hits(s);
      const j = this.#offset;
      const found = Math.max(0, Math.min(hits.n - j, this.#limit ?? 2, 2));
      if (found !== 1) throw this.#notOne(found);
      return this.#record(hits, j);
    } finally {
      s.release();
    }
  }

  #notOne(found: number): LineageError {
    return new LineageError('QUERY_NOT_ONE', `expected exactly one ${this.#kind}, found ${found === 0 ? 'none' : 'several'}; narrow the query or use all()`);
  }

  /** How many records match. */
  count(): number {
    if (this.#predicates.length !== 0) return this.#collect(0, undefined).length;
    const s = Scratch.take();
    try {
      return this.#hits(s).n;
    } finally {
      s.release();
    }
  }

  /** True when no predicate or order needs the records themselves: the window is cut from the hits. */
  #plain(): boolean {
    return this.#predicates.length === 0 && this.#order === undefined;
  }

  /** A record of hit `j`, with what is known of it. */
  #record(hits: Hits, j: number): R {
    return this.#recordAt(hits.idx[j]!, hits.row(j));
  }

  /** A record of entity `i` of the selected model, with its row when read. */
  #recordAt(i: number, row: Row | undefined): R {
    const kind = this.#kind;
    return recordOf(this.#binding, kind, tableOf(this.#binding.view.projection, kind).idOf(i), i, row) as R;
  }

  /**
   * The one hit of the shapes a pipeline asks most, `select(Run).join(File, { name })` and
   * `select(Transform).join(Run).join(File, { name })`, read straight off the name index and the
   * file's producer list: the entity's integer, NONE when nothing matches, or SLOW when the query
   * has another shape or the answer may hold more than one (a name held by several files, a file
   * re-created by other runs), for the general evaluation. Callers check `#plain()` first.
   */
  #producerOfNamed(): number {
    const step = this.#last;
    if (step === undefined || step.kind !== 'file' || step.via !== 'outputs' || this.#where !== undefined || this.#trash !== 'hide') return SLOW;
    const where = step.where;
    const name = where?.name;
    if (typeof name !== 'string' || !onlyKey(where!, 'name')) return SLOW;
    const prev = step.prev;
    const kind = this.#kind;
    // The run → transform hop reads the run's transform whichever relation its step names.
    if (prev === undefined ? kind !== 'run' : kind !== 'transform' || prev.kind !== 'run' || prev.where !== undefined || prev.prev !== undefined) return SLOW;
    const view = this.#binding.view;
    const p = view.projection;
    const w = view.watermark;
    const f = view.fileIndexNamed(name);
    if (f < 0) return f === NONE ? NONE : SLOW;
    const r = producerOf(p, f, w);
    if (r < 0) return r;
    const x = kind === 'run' ? r : transformOf(p, w, r);
    if (x < 0) return NONE;
    const trash = p.lifecycle.trash;
    if (!trash.empty && trash.state(kind, tableOf(p, kind).idOf(x), w) !== undefined) return NONE;
    return x;
  }

  #collect(offset: number, limit: number | undefined): R[] {
    const plain = this.#plain();
    let records: R[];
    const s = Scratch.take();
    try {
      const hits = this.#hits(s);
      // Without filters or order on records, records are made for the requested window only.
      const from = plain ? offset : 0;
      const end = plain && limit !== undefined ? Math.min(hits.n, offset + limit) : hits.n;
      // Sized at once: most answers are one record, and push() would make room for 17.
      records = new Array(Math.max(0, end - from));
      for (let j = from; j < end; j++) records[j - from] = this.#record(hits, j);
    } finally {
      // Let go before any predicate runs: a predicate is user code, and may query.
      s.release();
    }
    if (plain) return records;
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

  /**
   * The entities that match, in `s`: the last step's candidates, then, join by join back to the
   * first model, their distinct neighbours that match each step; over the tables' integers.
   */
  #hits(s: Scratch): Hits {
    const view = this.#binding.view;
    let hits = s.a;
    let step = this.#last;
    if (!step) {
      candidates(view, this.#kind, this.#where, hits);
      return this.#trashFilter(hits);
    }
    const p = view.projection;
    const w = view.watermark;
    candidates(view, step.kind, step.where, hits);
    for (; step; step = step.prev) {
      const toKind = step.prev ? step.prev.kind : this.#kind;
      const next = hits === s.a ? s.b : s.a;
      s.reach(next);
      for (let j = 0; j < hits.n; j++) neighbours(p, w, step.kind, hits.idx[j]!, toKind, step.via, s);
      hits = filterHits(view, toKind, next, step.prev ? step.prev.where : this.#where);
    }
    if (hits.n > 1) hits.sortByCreation(tableOf(p, this.#kind));
    return this.#trashFilter(hits);
  }

  /** Keeps the hits the trash mode lets through (a query by id alone sees trashed records too). */
  #trashFilter(hits: Hits): Hits {
    const mode = this.#trash;
    const view = this.#binding.view;
    const trash = view.projection.lifecycle.trash;
    if (mode === 'with' || (mode === 'hide' && trash.empty)) return hits;
    const where = this.#where;
    if (mode === 'hide' && !this.#last && where && typeof where.id === 'string' && onlyKey(where, 'id')) return hits;
    const kind = this.#kind;
    const table = tableOf(view.projection, kind);
    const w = view.watermark;
    let k = 0;
    for (let j = 0; j < hits.n; j++) {
      const i = hits.idx[j]!;
      const trashed = trash.state(kind, table.idOf(i), w) !== undefined;
      if (trashed === (mode === 'only')) hits.move(j, k++);
    }
    hits.n = k;
    return hits;
  }
}

/**
 * The integers a query step found, in order, with the rows a filter read (undefined: not read).
 * Kept between queries (see Scratch): `n` says how many of `idx` are this query's.
 */
class Hits {
  idx: number[] = [];
  n = 0;
  #rows: (Row | undefined)[] = [];
  #hasRows = false;

  /** These hits, emptied. */
  clear(): this {
    if (this.#hasRows) this.#rows.fill(undefined, 0, this.n);
    this.n = 0;
    this.#hasRows = false;
    return this;
  }

  push(index: number, row: Row | undefined): void {
    const n = this.n;
    this.idx[n] = index;
    if (row !== undefined && !this.#hasRows) {
      this.#hasRows = true;
      this.#rows.fill(undefined, 0, n);
    }
    if (this.#hasRows) this.#rows[n] = row;
    this.n = n + 1;
  }

  /** Puts `index` (with `row`, when read) at position `k` (≤ `n`), for filtering in place. */
  set(k: number, index: number, row: Row | undefined): void {
    this.idx[k] = index;
    if (row !== undefined && !this.#hasRows) {
      this.#hasRows = true;
      this.#rows.fill(undefined, 0, this.n);
    }
    if (this.#hasRows) this.#rows[k] = row;
  }

  /** Moves hit `from` to position `to` (≤ `from`), for filtering in place. */
  move(from: number, to: number): void {
    this.idx[to] = this.idx[from]!;
    if (this.#hasRows) this.#rows[to] = this.#rows[from];
  }

  /** The row of hit `j` if it was read. */
  row(j: number): Row | undefined {
    return this.#hasRows ? this.#rows[j] : undefined;
  }

  /** True when hits `0..n` hold `x`: a scan, for the few hits most steps reach. */
  includes(x: number): boolean {
    const idx = this.idx;
    for (let j = 0; j < this.n; j++) if (idx[j] === x) return true;
    return false;
  }

  /** Sorts the hits by the seq that created each, keeping the order of ties. */
  sortByCreation(table: EntityTable): void {
    const idx = this.idx;
    const n = this.n;
    let sorted = true;
    for (let j = 1; j < n && sorted; j++) sorted = table.createdSeq(idx[j - 1]!) <= table.createdSeq(idx[j]!);
    if (sorted) return;
    const order: { j: number; seq: number }[] = new Array(n);
    for (let j = 0; j < n; j++) order[j] = { j, seq: table.createdSeq(idx[j]!) };
    order.sort((a, b) => a.seq - b.seq || a.j - b.j);
    const was = idx.slice(0, n);
    for (let j = 0; j < n; j++) idx[j] = was[order[j]!.j]!;
    if (this.#hasRows) {
      const rows = this.#rows.slice(0, n);
      for (let j = 0; j < n; j++) this.#rows[j] = rows[order[j]!.j];
    }
  }

  /** Lets go of rows, and of lists grown large by one query (the next queries mostly need a few). */
  release(): void {
    this.clear();
    if (this.idx.length > 4096) {
      this.idx = [];
      this.#rows = [];
    }
  }
}

/**
 * The working lists of one query's evaluation: two hits that steps alternate between, and what a
 * step has reached. One instance serves every query (an evaluation runs no user code, so none
 * begins while another is under way); a query that finds it taken makes its own.
 */
class Scratch {
  readonly a = new Hits();
  readonly b = new Hits();
  #busy = false;
  /** Where the current step adds what it reaches; beyond 16 entries a set says what is there. */
  #into: Hits = this.a;
  #seen: Set<number> | undefined;

  /** The shared instance if free, else a new one; `release()` it when done. */
  static take(): Scratch {
    const s = SCRATCH.#busy ? new Scratch() : SCRATCH;
    s.#busy = true;
    return s;
  }

  release(): void {
    this.a.release();
    this.b.release();
    this.#seen = undefined;
    this.#busy = false;
  }

  /** Starts a step that adds what it reaches to `into`, emptied. */
  reach(into: Hits): void {
    this.#into = into.clear();
    this.#seen = undefined;
  }

  /** Adds `x` (-1: nothing) unless the step reached it already. */
  add(x: number): void {
    if (x < 0) return;
    const into = this.#into;
    if (this.#seen) {
      if (this.#seen.has(x)) return;
      this.#seen.add(x);
    } else if (into.includes(x)) return;
    else if (into.n === 16) this.#seen = new Set(into.idx.slice(0, 16)).add(x);
    into.push(x, undefined);
  }

  /** Adds the targets of `x` in `rel` as of `w`. */
  addTargets(rel: Adjacency, x: number, w: number): void {
    for (let e = rel.first(x); e !== 0 && rel.stamp(e) <= w; e = rel.after(e)) this.add(rel.target(e));
  }
}

const SCRATCH = new Scratch();

type Row = TransformRow | RunRow | FileRow;
interface EntityTable {
  indexOf(id: string): number;
  idOf(i: number): string;
  createdSeq(i: number): number;
  at(i: number, watermark: number): Row | undefined;
}

function tableOf(p: Projection, kind: Kind): EntityTable {
  return kind === 'file' ? p.files : kind === 'run' ? p.runs : p.transforms;
}

function checkWhere(kind: Kind, where: Where | undefined): void {
  if (where === undefined) return;
  if (where === null || typeof where !== 'object' || Array.isArray(where)) {
    throw new LineageError('QUERY_INVALID', `a where clause is an object of field values, not ${where === null ? 'null' : typeof where}`);
  }
  // A for-in, not Object.keys(): no array per query. It also yields inherited enumerable keys,
  // which are skipped, asking Object.hasOwn (slow beside the rest) only where a check would act.
  for (const field in where) {
    const v = where[field];
    // Every model has an id and a name: the common clauses skip the set lookups (a fifth of a lookup's time).
    if (field === 'name' || field === 'id' || FIELDS[kind].has(field)) {
      if (field !== 'params' && typeof v === 'object' && Object.hasOwn(where, field) && isOperator(v)) checkOperator(field, v);
    } else if (!Object.hasOwn(where, field)) {
      continue;
    } else if (isMetaField(kind, field)) {
      checkMetaValue(field, v);
    } else {
      throw new LineageError('QUERY_INVALID', `${kind} has no field ${field}; fields: ${[...FIELDS[kind], ...META_FIELDS[kind]].join(', ')}`);
    }
  }
}

/** Puts in `hits` the entities of `kind` that match `where`, using the name and id indexes where they apply. */
function candidates(view: View, kind: Kind, where: Where | undefined, hits: Hits): void {
  const p = view.projection;
  const w = view.watermark;
  hits.clear();
  // The field an index answered exactly; when it is the only one, the rows need no second look.
  let indexed: string | undefined;
  if (where && typeof where.id === 'string') {
    const i = tableOf(p, kind).indexOf(where.id);
    // Whether it exists, from its creation seq: its row is made only if a field is read.
    if (seenAt(tableOf(p, kind), i, w)) hits.push(i, undefined);
    indexed = 'id';
  } else if (where && typeof where.name === 'string' && kind === 'file') {
    pushAll(hits, view.fileIndexesNamed(nfc(where.name)));
    indexed = 'name';
  } else if (where && typeof where.name === 'string' && kind === 'transform') {
    pushAll(hits, p.transformsNamed(nfc(where.name), w));
    indexed = 'name';
  } else if (where && typeof where.key === 'string' && kind === 'file') {
    const files = p.files;
    for (const id of view.filesWithKey(where.key)) hits.push(files.indexOf(id), undefined);
  } else if (where && typeof where.hash === 'string' && kind === 'file') {
    pushAll(hits, p.files.withHash(where.hash, w));
    indexed = 'hash';
  } else if (where && where.label !== undefined) {
    const table = tableOf(p, kind);
    pushAll(hits, labelCandidates(view, kind, where.label, (i) => table.createdSeq(i)));
    indexed = 'label';
  } else {
    const order = kind === 'file' ? p.fileOrder : kind === 'run' ? p.runOrder : p.transformOrder;
    const n = order.countAt(w);
    for (let j = 0; j < n; j++) hits.push(order.at(j), undefined);
  }
  if (indexed !== undefined && onlyKey(where!, indexed)) return;
  filterHits(view, kind, hits, where);
}

function pushAll(hits: Hits, xs: readonly number[]): void {
  for (let j = 0; j < xs.length; j++) hits.push(xs[j]!, undefined);
}

function onlyKey(where: Where, key: string): boolean {
  for (const k in where) if (k !== key) return false;
  return true;
}

// Row fields that hold a relation, by the record field that exposes it.
const RELATION_FIELDS: Record<string, string> = { run: 'runId', parent: 'parentRunId', revises: 'revises' };

/** Keeps, in place, the hits that exist in the view and match `where`, with the rows read; returns `hits`. */
function filterHits(view: View, kind: Kind, hits: Hits, where: Where | undefined): Hits {
  if (!where) return hits;
  const entries = Object.entries(where);
  if (entries.length === 0) return hits;
  const table = tableOf(view.projection, kind);
  const w = view.watermark;
  let k = 0;
  for (let j = 0; j < hits.n; j++) {
    const i = hits.idx[j]!;
    const row = (hits.row(j) ?? table.at(i, w)) as Record<string, unknown> | undefined;
    if (row && matchesRow(view, kind, row, entries)) hits.set(k++, i, row as unknown as Row);
  }
  hits.n = k;
  return hits;
}

function matchesRow(view: View, kind: Kind, row: Record<string, unknown>, entries: [string, unknown][]): boolean {
  for (const [field, expected] of entries) {
    let actual: unknown;
    if (isMetaField(kind, field)) {
      if (!metaMatches(view, kind, tableOf(view.projection, kind).indexOf(row.id as string), field, expected)) return false;
      continue;
    } else if (field === 'transform') {
      actual = kind === 'run' ? row.transformId : fileTransformId(view, row);
    } else if (kind === 'file' && field in FILE_VERSION_FIELDS) {
      actual = FILE_VERSION_FIELDS[field]!(view, row);
    } else if (field === 'description') {
      actual = view.description(kind, row.id as string);
    } else if (field in RELATION_FIELDS) {
      actual = row[RELATION_FIELDS[field]!];
    } else {
      actual = row[field];
    }
    if (!equal(actual, expected, field)) return false;
  }
  return true;
}

// A file's fields that live beside its row: its virtual key, storage key, latest flag and the version it revises.
const FILE_VERSION_FIELDS: Record<string, (view: View, row: Record<string, unknown>) => unknown> = {
  key: (view, row) => view.fileKey(row.id as string),
  storageKey: (_view, row) => row.key,
  isLatest: (view, row) => view.isLatest(row.id as string),
  revises: (view, row) => view.fileRevises(row.id as string),
};

function fileTransformId(view: View, row: Record<string, unknown>): string | undefined {
  const runId = row.runId as string | undefined;
  return runId === undefined ? undefined : view.run(runId)?.transformId;
}

function equal(actual: unknown, expected: unknown, field: string): boolean {
  if (field !== 'params' && isOperator(expected)) return matchOperator(actual, expected, field);
  if (expected instanceof Transform || expected instanceof Run || expected instanceof File) return actual === expected.id;
  if (expected instanceof Date) return typeof actual === 'string' && Date.parse(actual) === expected.getTime();
  if (typeof expected === 'string' && (field === 'name' || field === 'version')) return actual === nfc(expected);
  return actual === expected;
}

function matchesRecord(record: LineageRecord, where: Where): boolean {
  const r = record as unknown as Record<string, unknown>;
  for (const [field, expected] of Object.entries(where)) {
    if (field === 'label') {
      const has = (record.labels as { all(): string[] }).all();
      if (!(Array.isArray(expected) ? expected : [expected]).every((l) => has.includes(nfc(l as string)))) return false;
      continue;
    }
    const actual = r[field];
    const a = actual instanceof Transform || actual instanceof Run || actual instanceof File ? actual.id : actual instanceof Date ? actual.toISOString() : actual;
    if (!equal(a, expected, field)) return false;
  }
  return true;
}

/** Adds to `out` the neighbours (of kind `to`) of entity `x` of kind `from`, over runs' outputs or inputs. */
function neighbours(p: Projection, w: number, from: Kind, x: number, to: Kind, via: Via, out: Scratch): void {
  const runFiles = via === 'inputs' ? p.runInputs : p.runOutputs;
  const fileRuns = via === 'inputs' ? p.fileConsumers : p.fileProducers;
  if (from === 'run' && to === 'transform') out.add(transformOf(p, w, x));
  else if (from === 'transform' && to === 'run') for (const r of p.runsOfTransform(x, w, [])) out.add(r);
  else if (from === 'file' && to === 'run') out.addTargets(fileRuns, x, w);
  else if (from === 'run' && to === 'file') out.addTargets(runFiles, x, w);
  else if (from === 'file' && to === 'transform') {
    for (let e = fileRuns.first(x); e !== 0 && fileRuns.stamp(e) <= w; e = fileRuns.after(e)) out.add(transformOf(p, w, fileRuns.target(e)));
  } else if (from === 'transform' && to === 'file') {
    for (const r of p.runsOfTransform(x, w, [])) out.addTargets(runFiles, r, w);
  } else throw new LineageError('QUERY_INVALID', `no relation from ${from} to ${to}`);
}

/** The run that produced file `f` (seen at `w`) as of `w`: NONE, or SLOW when other runs re-created it. */
function producerOf(p: Projection, f: number, w: number): number {
  const producers = p.fileProducers;
  // No file re-created anywhere: each file's producers are its run column, stamped with its creation.
  if (producers.size === p.files.produced) return p.files.runOf(f);
  const e = producers.first(f);
  if (e === 0 || producers.stamp(e) > w) return NONE;
  const next = producers.after(e);
  return next !== 0 && producers.stamp(next) <= w ? SLOW : producers.target(e);
}

/** The integer of run `r`'s transform, or -1 when the run does not exist at `w`. */
function transformOf(p: Projection, w: number, r: number): number {
  return seenAt(p.runs, r, w) ? p.runs.transformAt(r, w) : -1;
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

/** The string operators a where clause may use instead of a value: `{ key: { startsWith: 'raw/' } }`. */
const OPERATORS = new Set(['startsWith', 'endsWith', 'contains']);

function isOperator(v: unknown): v is Readonly<Record<string, unknown>> {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Date || v instanceof Transform || v instanceof Run || v instanceof File) return false;
  return Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null;
}

/** Checks an operator object's shape (one known operator, a string operand). */
function checkOperator(field: string, op: Readonly<Record<string, unknown>>): [string, string] {
  const keys = Object.keys(op);
  if (keys.length !== 1 || !OPERATORS.has(keys[0]!) || typeof op[keys[0]!] !== 'string') {
    throw new LineageError('QUERY_INVALID', `${field}: an operator is one of { startsWith | endsWith | contains: string }, not ${show(op)}`);
  }
  return [keys[0]!, nfc(op[keys[0]!] as string)];
}

function matchOperator(actual: unknown, op: Readonly<Record<string, unknown>>, field: string): boolean {
  const [name, operand] = checkOperator(field, op);
  if (typeof actual !== 'string') return false;
  return name === 'startsWith' ? actual.startsWith(operand) : name === 'endsWith' ? actual.endsWith(operand) : actual.includes(operand);
}
