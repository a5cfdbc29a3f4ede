import { createHash, type Hash } from 'node:crypto';
import type { Adjacency } from './adjacency.js';
import { FileTable, type FileColumns } from './file-table.js';
import { Order } from './order.js';
import { Projection } from './projection.js';
import type { TransformRow } from './rows.js';
import { RunTable, type RunColumns } from './run-table.js';
import { Table } from './table.js';
import { Timeline } from './timeline.js';

/** The format of a checkpoint; a checkpoint of another format is ignored and rebuilt. */
export const CHECKPOINT_FORMAT = 3;

/** What a stored checkpoint's header says: where it stands in the log, and what its pieces add up to. */
export interface CheckpointHeader {
  format: number;
  seq: number;
  /** The hash of the event at `seq`: the checkpoint is used only when the log has that event there. */
  hash: string;
  pieces: number;
  /** SHA-256 over the pieces, each followed by a NUL: a damaged or missing piece is caught. */
  digest: string;
}

/**
 * The lineage index as stored: each relation's edges in seq order, between the tables' integers,
 * and the relation that holds the same edges reversed (rebuilt, not stored).
 */
const RELATIONS = {
  transformRuns: undefined,
  runChildren: undefined,
  runInputs: 'fileConsumers',
  runOutputs: 'fileProducers',
} as const;
type RelationName = keyof typeof RELATIONS;
const ENDS: Record<RelationName, ['transforms' | 'runs', 'runs' | 'files']> = {
  transformRuns: ['transforms', 'runs'],
  runChildren: ['runs', 'runs'],
  runInputs: ['runs', 'files'],
  runOutputs: ['runs', 'files'],
};

// Entries per piece of a column, edges per piece of a relation: every stored value stays a few MB,
// far below V8's string limit, whatever the size of the ledger.
const CHUNK = 50_000;
const EDGES = 100_000;

/**
 * The checkpoint of a projection as it is now (its seq is the watermark), as a header and a lazy
 * sequence of JSON pieces: the tables column by column (one entry per interned integer, so that the
 * index needs no translation), the creation orders, the timeline and the relations. Everything is
 * read at that watermark, so events applied while the pieces are being made (and written) do not
 * leak into it. Pure: no I/O.
 */
export function checkpointPieces(p: Projection): { seq: number; hash: string; pieces: Iterable<string>; header: () => string } {
  const w = p.seq;
  const hash = p.hash;
  const counts = [...p.eventCounts];
  // Ids interned so far: later ones may be interned while the pieces are made.
  const sizes = { transforms: p.transforms.size, runs: p.runs.size, files: p.files.size };
  const orders = { transforms: p.transformOrder.countAt(w), runs: p.runOrder.countAt(w), files: p.fileOrder.countAt(w) };
  const digest = createHash('sha256');
  let count = 0;
  function* make(): Generator<string> {
    yield JSON.stringify(['counts', counts]);
    const spans = p.timeline.spansUpTo(w);
    yield* column('timeline.starts', spans.starts);
    yield* column('timeline.iso', spans.iso);
    const transformIds: string[] = [];
    for (let i = 0; i < sizes.transforms; i++) transformIds.push(p.transforms.idOf(i));
    yield* column('transforms.ids', transformIds);
    const rows: TransformRow[] = [];
    for (let j = 0; j < orders.transforms; j++) rows.push(p.transforms.at(p.transformOrder.at(j), w)!);
    yield* column('transforms.rows', rows);
    for (const [table, t] of [['runs', p.runs], ['files', p.files]] as const) {
      const columns = t.columns(sizes[table], w) as unknown as Record<string, unknown[]>;
      for (const [name, values] of Object.entries(columns)) yield* column(`${table}.${name}`, values);
    }
    for (const table of ['transforms', 'runs', 'files'] as const) {
      const order = p[ORDER[table]];
      const ints: number[] = [];
      for (let j = 0; j < orders[table]; j++) ints.push(order.at(j));
      yield* column(`order.${table}`, ints);
    }
    for (const name of Object.keys(RELATIONS) as RelationName[]) {
      const edges = p[name].edgesAt(w);
      const n = edges.seq.length;
      for (let i = 0; i < n; i += EDGES) {
        const end = Math.min(n, i + EDGES);
        yield JSON.stringify([name, Array.from(edges.from.subarray(i, end)), Array.from(edges.seq.subarray(i, end)), Array.from(edges.to.subarray(i, end))]);
      }
    }
  }
  function* pieces(): Generator<string> {
    for (const piece of make()) {
      digest.update(piece).update('\0');
      count++;
      yield piece;
    }
  }
  const header = () => JSON.stringify({ format: CHECKPOINT_FORMAT, seq: w, hash, pieces: count, digest: digest.digest('hex') } satisfies CheckpointHeader);
  return { seq: w, hash, pieces: pieces(), header };
}

const ORDER = { transforms: 'transformOrder', runs: 'runOrder', files: 'fileOrder' } as const;

/** A column as pieces of CHUNK entries: ['column', name, first index, values]. */
function* column(name: string, values: readonly unknown[]): Generator<string> {
  if (values.length === 0) yield JSON.stringify(['column', name, 0, []]);
  for (let i = 0; i < values.length; i += CHUNK) yield JSON.stringify(['column', name, i, values.slice(i, i + CHUNK)]);
}

/** Parses a checkpoint's header; throws when it is not one this version understands. */
export function decodeHeader(text: string): CheckpointHeader {
  const h = JSON.parse(text) as CheckpointHeader;
  if (h?.format !== CHECKPOINT_FORMAT) throw new Error(`checkpoint format ${String(h?.format)} is not ${CHECKPOINT_FORMAT}`);
  if (!Number.isSafeInteger(h.seq) || h.seq < 1 || typeof h.hash !== 'string' || !Number.isSafeInteger(h.pieces) || typeof h.digest !== 'string') {
    throw new Error('checkpoint header is malformed');
  }
  return h;
}

/**
 * Rebuilds a projection from a checkpoint's pieces: `add` takes them one at a time, `finish()`
 * checks the digest, the piece count and the shape, builds the tables, and throws when anything
 * does not add up.
 */
export class CheckpointLoader {
  readonly header: CheckpointHeader;
  readonly #digest: Hash = createHash('sha256');
  #count = 0;
  #malformed: Error | undefined;
  #counts: [string, number][] = [];
  readonly #columns = new Map<string, unknown[]>();
  readonly #edges = new Map<RelationName, { from: number[]; seq: number[]; to: number[] }>();

  constructor(header: CheckpointHeader) {
    this.header = header;
  }

  /** Takes the next piece. */
  add(text: string): void {
    this.#digest.update(text).update('\0');
    this.#count++;
    // A piece that does not fit the ones before is reported after the digest: a damaged piece is
    // named as such, not by what it breaks further on.
    const piece = JSON.parse(text) as unknown[];
    if (this.#malformed) return;
    try {
      this.#take(piece);
    } catch (err) {
      this.#malformed = err as Error;
    }
  }

  #take(piece: unknown[]): void {
    const kind = piece[0];
    if (kind === 'counts' && Array.isArray(piece[1])) {
      this.#counts = piece[1] as [string, number][];
    } else if (kind === 'column' && typeof piece[1] === 'string' && Array.isArray(piece[3])) {
      const values = this.#columns.get(piece[1]) ?? [];
      if (piece[2] !== values.length) throw new Error(`checkpoint column ${piece[1]} is out of order`);
      if (values.length === 0) this.#columns.set(piece[1], piece[3] as unknown[]);
      else for (const v of piece[3] as unknown[]) values.push(v);
    } else if (typeof kind === 'string' && kind in RELATIONS) {
      const [, from, seq, to] = piece as [RelationName, number[], number[], number[]];
      if (!Array.isArray(from) || !Array.isArray(seq) || !Array.isArray(to) || from.length !== seq.length || from.length !== to.length) throw new Error(`checkpoint relation ${kind} is malformed`);
      const edges = this.#edges.get(kind as RelationName);
      if (!edges) this.#edges.set(kind as RelationName, { from, seq, to });
      else for (let i = 0; i < from.length; i++) edges.from.push(from[i]!), edges.seq.push(seq[i]!), edges.to.push(to[i]!);
    } else {
      throw new Error(`checkpoint piece of unknown kind ${String(kind)}`);
    }
  }

  #column<T>(name: string): T[] {
    const values = this.#columns.get(name);
    if (!values) throw new Error(`checkpoint has no column ${name}`);
    return values as T[];
  }

  /** The projection at the checkpoint's seq, once every piece is in and checks out. */
  finish(): Projection {
    const h = this.header;
    if (this.#count !== h.pieces) throw new Error(`checkpoint has ${this.#count} pieces, its header says ${h.pieces}`);
    if (this.#digest.digest('hex') !== h.digest) throw new Error('checkpoint pieces do not match their digest');
    if (this.#malformed) throw this.#malformed;
    const col = <T>(name: string) => this.#column<T>(name);
    const timeline = Timeline.fromSpans(col<number>('timeline.starts'), col<string>('timeline.iso'), h.seq);

    const transforms = new Table<TransformRow>();
    for (const id of col<string>('transforms.ids')) transforms.ref(id);
    for (const row of col<TransformRow>('transforms.rows')) {
      if (row === null || typeof row !== 'object' || typeof row.id !== 'string' || !Number.isSafeInteger(row.seq) || row.seq < 1 || row.seq > h.seq) throw new Error('checkpoint transform is malformed');
      if (transforms.indexOf(row.id) < 0) throw new Error(`checkpoint transform ${row.id} is not interned`);
      transforms.create(Object.freeze(row));
    }
    const columns = (table: string, names: readonly string[]) => Object.fromEntries(names.map((n) => [n, col(`${table}.${n}`)]));
    const runs = RunTable.fromColumns(columns('runs', RUN_COLUMNS) as unknown as RunColumns, (i) => transforms.idOf(i), transforms.size, h.seq);
    const files = FileTable.fromColumns(columns('files', FILE_COLUMNS) as unknown as FileColumns, timeline, (i) => runs.idOf(i), runs.size);
    const created = {
      transforms: (i: number) => (i < transforms.size ? (transforms.at(i, h.seq)?.seq ?? 0) : 0),
      runs: (i: number) => runs.createdSeq(i),
      files: (i: number) => files.createdSeq(i),
    };
    const orders = { transforms: new Order(), runs: new Order(), files: new Order() };
    for (const table of ['transforms', 'runs', 'files'] as const) {
      let last = 0;
      for (const i of col<number>(`order.${table}`)) {
        const seq = Number.isInteger(i) && i >= 0 ? created[table](i) : 0;
        if (seq <= last) throw new Error(`checkpoint order of ${table} is malformed`);
        orders[table].push(seq, i);
        last = seq;
      }
    }
    const p = new Projection({ timeline, transforms, runs, files, orders });
    const sizes = { transforms: transforms.size, runs: runs.size, files: files.size };
    for (const name of Object.keys(RELATIONS) as RelationName[]) {
      const edges = this.#edges.get(name);
      if (!edges) continue;
      const [fromTable, toTable] = ENDS[name];
      const rel: Adjacency = p[name];
      const mirrorName = RELATIONS[name];
      const mirror: Adjacency | undefined = mirrorName === undefined ? undefined : p[mirrorName];
      for (let e = 0; e < edges.seq.length; e++) {
        const f = edges.from[e]!;
        const s = edges.seq[e]!;
        const t = edges.to[e]!;
        if (!(Number.isInteger(f) && f >= 0 && f < sizes[fromTable] && Number.isInteger(t) && t >= 0 && t < sizes[toTable] && Number.isInteger(s) && s >= 1 && s <= h.seq)) {
          throw new Error(`checkpoint relation ${name} is malformed`);
        }
        rel.push(f, s, t);
        mirror?.push(t, s, f);
      }
    }
    let events = 0;
    for (const [type, n] of this.#counts) {
      if (typeof type !== 'string' || !Number.isSafeInteger(n) || n < 1) throw new Error('checkpoint counts are malformed');
      p.eventCounts.set(type, n);
      events += n;
    }
    if (events !== h.seq) throw new Error(`checkpoint at seq ${h.seq} counts ${events} events`);
    p.hash = h.hash;
    return p;
  }
}

const RUN_COLUMNS = ['ids', 'seq', 'transform', 'name', 'params', 'parent', 'startedAt', 'environment', 'finishSeq', 'status', 'finishedAt', 'errors', 'older'] as const satisfies readonly (keyof RunColumns)[];
const FILE_COLUMNS = ['ids', 'seq', 'name', 'suffix', 'size', 'hash', 'keyKind', 'otherKeys', 'run'] as const satisfies readonly (keyof FileColumns)[];
