import { freeze } from 'immer';
import type { JsonValue, RunAmended, RunEnvironment, RunFinished, RunStarted, RunStatus } from '../events/types.js';
import { ensure } from './columns.js';
import type { RunRow } from './rows.js';
import { ColumnTable } from './table.js';

type Params = { readonly [key: string]: JsonValue };
/** A `run.amended` at a seq: the real start, and the real transform (absent: unchanged). */
type Amendment = [seq: number, startedAt: string, transform?: number];
const STATUSES: readonly RunStatus[] = ['started', 'completed', 'failed'];

/** A run table's columns as a checkpoint stores them: one entry per interned id, in interned order. */
export interface RunColumns {
  ids: string[];
  seq: Int32Array<ArrayBuffer>;
  /** The transform's integer (-1 for a run never started). */
  transform: Int32Array<ArrayBuffer>;
  name: (string | null)[];
  params: (Params | null)[];
  /** The parent run's integer, or -1. */
  parent: Int32Array<ArrayBuffer>;
  startedAt: (string | null)[];
  environment: (RunEnvironment | null)[];
  /** The seq of the latest finish, or 0. */
  finishSeq: Int32Array<ArrayBuffer>;
  /** Index into started, completed, failed. */
  status: Uint8Array<ArrayBuffer>;
  finishedAt: (string | null)[];
  errors: [number, string][];
  /** Finished versions before the latest (a run finished more than once), by entity. */
  older: [number, RunRow[]][];
  /** Amendments (`run.amended`: seq, real start, and the transform's integer when it moved the run to its real job, else absent), in log order, by entity. */
  amended: [number, Amendment[]][];
}

/**
 * The runs, stored column-wise: one slot per interned id, rows made on demand. A run has a started
 * version and, once finished, a finished one (both made from the same slot); the rare earlier
 * finished versions of a run finished twice are kept as rows.
 */
export class RunTable extends ColumnTable<RunRow> {
  readonly #transformIdOf: (i: number) => string;
  #seq = new Int32Array(16);
  #transform = new Int32Array(16);
  #parent = new Int32Array(16);
  #finishSeq = new Int32Array(16);
  #status = new Uint8Array(16);
  // Absent entries are undefined, or null when adopted from a checkpoint.
  #name: (string | null | undefined)[] = [];
  #params: (Params | null | undefined)[] = [];
  #startedAt: (string | null | undefined)[] = [];
  #environment: (RunEnvironment | null | undefined)[] = [];
  #finishedAt: (string | null | undefined)[] = [];
  readonly #errors = new Map<number, string>();
  readonly #older = new Map<number, RunRow[]>();
  // Rare (placeholder parents only): the columns keep what run.started said, amendments lie on top.
  readonly #amended = new Map<number, Amendment[]>();
  /** The last row made, and its entity and seq: records read several fields of one row in a row. */
  #memo: RunRow | undefined;
  #memoOf = -1;
  #memoSeq = 0;
  // Runs started together share their start time and environment: hold each once.
  #lastStartedAt = '';
  #lastEnvironment: RunEnvironment | undefined;

  /** A table whose rows take `transformId` from `transformIdOf`; with `ids`, interned in that order. */
  constructor(transformIdOf: (i: number) => string, ids?: string[]) {
    super(ids);
    this.#transformIdOf = transformIdOf;
  }

  /** Starts the run of a `run.started` event at `seq`, of transform `transform` and parent run `parent` (-1: none). */
  start(seq: number, d: RunStarted, transform: number, parent: number): number {
    const i = this.ids.ref(d.id);
    this.#grow(i + 1);
    // Params and environment reach users as they are: frozen all the way down (immer).
    if (d.params) freeze(d.params, true);
    if (d.environment) freeze(d.environment, true);
    this.#seq[i] = seq;
    this.#transform[i] = transform;
    this.#parent[i] = parent;
    this.#name[i] = d.name;
    this.#params[i] = d.params;
    this.#startedAt[i] = d.startedAt === this.#lastStartedAt ? this.#lastStartedAt : (this.#lastStartedAt = d.startedAt);
    this.#environment[i] = this.#share(d.environment);
    this.#finishSeq[i] = 0;
    this.#status[i] = 0;
    this.#finishedAt[i] = undefined;
    this.#errors.delete(i);
    this.#older.delete(i);
    this.#amended.delete(i);
    return i;
  }

  /**
   * Records a run's real start (a `run.amended` event at `seq`), and its real transform `transform`
   * (-1: unchanged), as a new version; returns the run's integer, or -1 when it was never started.
   */
  amend(seq: number, d: RunAmended, transform: number): number {
    const i = this.ids.indexOf(d.runId);
    if (i < 0 || this.createdSeq(i) === 0) return -1;
    const a: Amendment = transform >= 0 ? [seq, d.startedAt, transform] : [seq, d.startedAt];
    const list = this.#amended.get(i);
    if (list) list.push(a);
    else this.#amended.set(i, [a]);
    return i;
  }

  /** Finishes a started run (a `run.finished` event at `seq`); false when the run was never started. */
  finish(seq: number, d: RunFinished): boolean {
    const i = this.ids.indexOf(d.runId);
    if (i < 0 || this.createdSeq(i) === 0) return false;
    if (this.#finishSeq[i] !== 0) {
      const older = this.#older.get(i) ?? [];
      older.push(this.#finished(i));
      this.#older.set(i, older);
    }
    this.#finishSeq[i] = seq;
    this.#status[i] = STATUSES.indexOf(d.status);
    this.#finishedAt[i] = d.finishedAt;
    if (d.error === undefined) this.#errors.delete(i);
    else this.#errors.set(i, d.error);
    return true;
  }

  #share(environment: RunEnvironment | undefined): RunEnvironment | undefined {
    if (environment === undefined) return undefined;
    if (sameEnvironment(environment, this.#lastEnvironment)) return this.#lastEnvironment;
    return (this.#lastEnvironment = environment);
  }

  #grow(n: number): void {
    if (n > this.#seq.length) {
      // All typed columns grow together, so one check covers them.
      this.#seq = ensure(this.#seq, n);
      this.#transform = ensure(this.#transform, this.#seq.length);
      this.#parent = ensure(this.#parent, this.#seq.length);
      this.#finishSeq = ensure(this.#finishSeq, this.#seq.length);
      this.#status = ensure(this.#status, this.#seq.length);
    }
    while (this.#name.length < n) {
      this.#name.push(undefined);
      this.#params.push(undefined);
      this.#startedAt.push(undefined);
      this.#environment.push(undefined);
      this.#finishedAt.push(undefined);
    }
  }

  createdSeq(i: number): number {
    return i < this.#seq.length ? this.#seq[i]! : 0;
  }

  /** The parent run of entity `i`, or -1. */
  parentOf(i: number): number {
    return this.createdSeq(i) === 0 ? -1 : this.#parent[i]!;
  }

  /** The name of entity `i` (the same in every version), or undefined. */
  nameOf(i: number): string | undefined {
    return this.createdSeq(i) === 0 ? undefined : (this.#name[i] ?? undefined);
  }

  /** The transform of entity `i` at the head, or -1. */
  transformOf(i: number): number {
    return this.transformAt(i, Infinity);
  }

  /** The transform of entity `i` as a snapshot at `watermark` sees it (a placeholder moved to its real job by an amendment), or -1. */
  transformAt(i: number, watermark: number): number {
    if (this.createdSeq(i) === 0) return -1;
    const amended = this.#amended.size === 0 ? undefined : this.#amended.get(i);
    if (amended) for (let j = amended.length - 1; j >= 0; j--) if (amended[j]![0] <= watermark && amended[j]![2] !== undefined) return amended[j]![2]!;
    return this.#transform[i]!;
  }

  /** True when run `i` exists and is not finished at the head (no row is made). */
  isOpen(i: number): boolean {
    return i >= 0 && this.createdSeq(i) !== 0 && this.#finishSeq[i] === 0;
  }

  at(i: number, watermark: number): RunRow | undefined {
    const row = this.#base(i, watermark);
    const amended = row && this.#amended.get(i);
    return amended ? withAmendment(row, amended, watermark, this.#transformIdOf) : row;
  }

  /** The row at `watermark` as run.started and run.finished made it, before amendments. */
  #base(i: number, watermark: number): RunRow | undefined {
    const seq = this.createdSeq(i);
    if (seq === 0 || seq > watermark) return undefined;
    const finished = this.#finishSeq[i]!;
    if (finished === 0) return this.#started(i, seq);
    if (finished <= watermark) return this.#finished(i);
    const older = this.#older.get(i);
    if (older) for (let j = older.length - 1; j >= 0; j--) if (older[j]!.seq <= watermark) return older[j];
    return this.#started(i, seq);
  }

  get(id: string): readonly RunRow[] | undefined {
    const i = this.ids.indexOf(id);
    const seq = i < 0 ? 0 : this.createdSeq(i);
    if (seq === 0) return undefined;
    const started = this.#started(i, seq);
    const versions = this.#finishSeq[i] === 0 ? [started] : [started, ...(this.#older.get(i) ?? []), this.#finished(i)];
    const amended = this.#amended.get(i);
    if (!amended) return versions;
    // Each amendment is a version of its own: the row as it stood at that seq.
    const seqs = [...new Set([...versions.map((v) => v.seq), ...amended.map(([s]) => s)])].sort((a, b) => a - b);
    return seqs.map((s) => this.at(i, s)!);
  }

  #started(i: number, seq: number): RunRow {
    if (this.#memoOf === i && this.#memoSeq === seq) return this.#memo!;
    return this.#remember(i, this.#fields(i, seq, 'started'));
  }

  #finished(i: number): RunRow {
    const seq = this.#finishSeq[i]!;
    if (this.#memoOf === i && this.#memoSeq === seq) return this.#memo!;
    // Not immer's produce: rows are made on each read of a finished run, and with produce (immer 11)
    // a read of every run of a 50k-event ledger took about 16 times as long. Appends and replays only set columns.
    const row = this.#fields(i, seq, STATUSES[this.#status[i]!]!);
    row.finishedAt = this.#finishedAt[i]!;
    const error = this.#errors.get(i);
    if (error !== undefined) row.error = error;
    return this.#remember(i, row);
  }

  #remember(i: number, row: RunRow): RunRow {
    this.#memo = row;
    this.#memoOf = i;
    this.#memoSeq = row.seq;
    return row;
  }

  #fields(i: number, seq: number, status: RunStatus): { -readonly [K in keyof RunRow]: RunRow[K] } {
    const row: { -readonly [K in keyof RunRow]: RunRow[K] } = { seq, id: this.ids.idOf(i), transformId: this.#transformIdOf(this.#transform[i]!), startedAt: this.#startedAt[i]!, status };
    const name = this.#name[i];
    if (name != null) row.name = name;
    const params = this.#params[i];
    if (params != null) row.params = params;
    const parent = this.#parent[i]!;
    if (parent >= 0) row.parentRunId = this.ids.idOf(parent);
    const environment = this.#environment[i];
    if (environment != null) row.environment = environment;
    return row;
  }

  /** The columns of the first `n` interned entities as a snapshot at `watermark` sees them. */
  columns(n: number, watermark: number): RunColumns {
    const c: RunColumns = {
      ids: this.ids.slice(n), seq: new Int32Array(n), transform: new Int32Array(n).fill(-1), name: [], params: [], parent: new Int32Array(n).fill(-1),
      startedAt: [], environment: [], finishSeq: new Int32Array(n), status: new Uint8Array(n), finishedAt: [], errors: [], older: [], amended: [],
    };
    for (let i = 0; i < n; i++) {
      const seq = this.createdSeq(i);
      const seen = seq !== 0 && seq <= watermark;
      c.name.push(seen ? (this.#name[i] ?? null) : null);
      c.params.push(seen ? (this.#params[i] ?? null) : null);
      c.startedAt.push(seen ? this.#startedAt[i]! : null);
      c.environment.push(seen ? (this.#environment[i] ?? null) : null);
      // The finish the snapshot sees: the latest, an earlier one, or none.
      const row = seen ? this.#base(i, watermark)! : undefined;
      const finished = row !== undefined && row.status !== 'started';
      c.finishedAt.push(finished ? row.finishedAt! : null);
      if (!seen) continue;
      c.seq[i] = seq;
      const amended = this.#amended.get(i)?.filter(([s]) => s <= watermark);
      if (amended?.length) c.amended.push([i, amended]);
      c.transform[i] = this.#transform[i]!;
      c.parent[i] = this.#parent[i]!;
      if (!finished) continue;
      c.finishSeq[i] = row.seq;
      c.status[i] = STATUSES.indexOf(row.status);
      if (row.error !== undefined) c.errors.push([i, row.error]);
      const older = this.#older.get(i)?.filter((v) => v.seq < row.seq);
      if (older?.length) c.older.push([i, older]);
    }
    return c;
  }

  /** A table from stored columns (see `columns`), adopting them; throws when they do not fit together. */
  static fromColumns(c: RunColumns, transformIdOf: (i: number) => string, transforms: number, length: number): RunTable {
    const n = c.ids.length;
    for (const k of ['seq', 'transform', 'name', 'params', 'parent', 'startedAt', 'environment', 'finishSeq', 'status', 'finishedAt'] as const) {
      if (!(Array.isArray(c[k]) || ArrayBuffer.isView(c[k])) || c[k].length !== n) throw new Error(`checkpoint run column ${k} is malformed`);
    }
    if (!(c.seq instanceof Int32Array && c.transform instanceof Int32Array && c.parent instanceof Int32Array && c.finishSeq instanceof Int32Array && c.status instanceof Uint8Array)) {
      throw new Error('checkpoint run columns are malformed');
    }
    const t = new RunTable(transformIdOf, c.ids);
    for (let i = 0; i < n; i++) {
      const seq = c.seq[i]!;
      if (seq === 0) continue;
      const transform = c.transform[i]!;
      const parent = c.parent[i]!;
      const finishSeq = c.finishSeq[i]!;
      const status = c.status[i]!;
      const startedAt = c.startedAt[i];
      const name = c.name[i];
      const params = c.params[i];
      const environment = c.environment[i];
      if (!(seq > 0 && seq <= length && transform >= 0 && transform < transforms && parent >= -1 && parent < n
        && typeof startedAt === 'string' && (name === null || typeof name === 'string') && (params === null || typeof params === 'object') && (environment === null || typeof environment === 'object')
        && (finishSeq === 0 || (finishSeq > seq && finishSeq <= length && (status === 1 || status === 2) && typeof c.finishedAt[i] === 'string')))) {
        throw new Error(`checkpoint run ${i} is malformed`);
      }
      if (params) freeze(params, true);
      c.startedAt[i] = startedAt === t.#lastStartedAt ? t.#lastStartedAt : (t.#lastStartedAt = startedAt);
      c.environment[i] = environment === null ? null : freeze(t.#share(environment)!, true);
    }
    t.#seq = c.seq;
    t.#transform = c.transform;
    t.#parent = c.parent;
    t.#finishSeq = c.finishSeq;
    t.#status = c.status;
    t.#name = c.name;
    t.#params = c.params;
    t.#startedAt = c.startedAt;
    t.#environment = c.environment;
    t.#finishedAt = c.finishedAt;
    for (const [i, error] of c.errors) {
      if (!(Number.isInteger(i) && t.#finishSeq[i]! > 0 && typeof error === 'string')) throw new Error(`checkpoint run ${i} is malformed`);
      t.#errors.set(i, error);
    }
    for (const [i, versions] of c.older) {
      if (!(Number.isInteger(i) && t.#finishSeq[i]! > 0 && Array.isArray(versions))) throw new Error(`checkpoint run ${i} is malformed`);
      for (const v of versions) freeze(v, true);
      t.#older.set(i, versions);
    }
    if (!Array.isArray(c.amended)) throw new Error('checkpoint run column amended is malformed');
    for (const [i, list] of c.amended) {
      const seq = t.createdSeq(i);
      if (!(Number.isInteger(i) && seq > 0 && Array.isArray(list) && list.length > 0)) throw new Error(`checkpoint run ${i} is malformed`);
      let prev = seq;
      for (const a of list) {
        const moved = a.length === 3 && Number.isInteger(a[2]) && a[2]! >= 0 && a[2]! < transforms;
        if (!(Array.isArray(a) && (a.length === 2 || moved) && Number.isInteger(a[0]) && a[0] > prev && a[0] <= length && typeof a[1] === 'string')) throw new Error(`checkpoint run ${i} is malformed`);
        prev = a[0];
      }
      t.#amended.set(i, list);
    }
    return t;
  }
}

/** `row` with the latest amendment at or before `watermark` on top (a new version from that seq), and the latest transform one amendment moved it to. */
function withAmendment(row: RunRow, amended: readonly Amendment[], watermark: number, transformIdOf: (t: number) => string): RunRow {
  let j = amended.length - 1;
  while (j >= 0 && amended[j]![0] > watermark) j--;
  if (j < 0) return row;
  const [seq, startedAt] = amended[j]!;
  let k = j;
  while (k >= 0 && amended[k]![2] === undefined) k--;
  return k < 0 ? { ...row, seq: Math.max(row.seq, seq), startedAt } : { ...row, seq: Math.max(row.seq, seq), startedAt, transformId: transformIdOf(amended[k]![2]!) };
}

function sameEnvironment(a: RunEnvironment, b: RunEnvironment | undefined): boolean {
  if (b === undefined) return false;
  const keys = Object.keys(a) as (keyof RunEnvironment)[];
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}
