import { createHash, type Hash } from 'node:crypto';
import { endianness } from 'node:os';
import { Adjacency } from './adjacency.js';
import { FileTable, type FileColumns } from './file-table.js';
import { Order } from './order.js';
import { Projection, type Relation } from './projection.js';
import type { TransformRow } from './rows.js';
import { RunTable, type RunColumns } from './run-table.js';
import { Table } from './table.js';
import { Timeline } from './timeline.js';
import { LIFECYCLE_TYPES, type LifecycleEntry } from './lifecycle.js';
import { LabelIndex } from './labels.js';
import { StampedValues } from './stamped-values.js';
import { decodePiece, encodePiece, joinTyped, tagOf, type PieceHead, type Typed } from './piece.js';

/** The format of a checkpoint; a checkpoint of another format is ignored and rebuilt. */
export const CHECKPOINT_FORMAT = 7;
// Typed columns are stored in the byte order of the machine that wrote them; another order replays.
const ENDIAN = endianness();

/** What a stored checkpoint's header says: where it stands in the log, and what its pieces add up to. */
export interface CheckpointHeader {
  format: number;
  seq: number;
  /** The hash of the event at `seq`: the checkpoint is used only when the log has that event there. */
  hash: string;
  pieces: number;
  /** SHA-256 over the pieces, each followed by a NUL: a damaged or missing piece is caught. */
  digest: string;
  /** The byte order of the typed columns. */
  endian: 'LE' | 'BE';
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
  runFacets: undefined,
  transformFacets: undefined,
  fileFacets: undefined,
} as const;
type RelationName = keyof typeof RELATIONS;
const ENDS: Record<RelationName, ['transforms' | 'runs' | 'files', 'transforms' | 'runs' | 'files']> = {
  transformRuns: ['transforms', 'runs'],
  runChildren: ['runs', 'runs'],
  runInputs: ['runs', 'files'],
  runOutputs: ['runs', 'files'],
  runFacets: ['runs', 'runs'],
  transformFacets: ['transforms', 'transforms'],
  fileFacets: ['files', 'files'],
};

// Entries per piece of a column, edges per piece of a relation: every stored value stays a few MB,
// far below V8's string limit, whatever the size of the ledger.
const CHUNK = 50_000;
const TYPED_CHUNK = 500_000;
const EDGES = 200_000;

/**
 * The checkpoint of a projection as it is now (its seq is the watermark), as a header and a lazy
 * sequence of JSON pieces: the tables column by column (one entry per interned integer, so that the
 * index needs no translation), the creation orders, the timeline and the relations. Everything is
 * read at that watermark, so events applied while the pieces are being made (and written) do not
 * leak into it. Pure: no I/O.
 */
export function checkpointPieces(p: Projection): { seq: number; hash: string; pieces: Iterable<Uint8Array>; header: () => string } {
  const w = p.seq;
  const hash = p.hash;
  const counts = [...p.eventCounts];
  // Ids interned so far: later ones may be interned while the pieces are made.
  const sizes = { transforms: p.transforms.size, runs: p.runs.size, files: p.files.size };
  const orders = { transforms: p.transformOrder.countAt(w), runs: p.runOrder.countAt(w), files: p.fileOrder.countAt(w) };
  const digest = createHash('sha256');
  let count = 0;
  function* make(): Generator<Uint8Array> {
    yield encodePiece({ k: 'counts', t: 'json' }, counts);
    const spans = p.timeline.spansUpTo(w);
    yield* column('timeline.starts', Int32Array.from(spans.starts));
    yield* column('timeline.iso', spans.iso);
    const transformIds: string[] = [];
    for (let i = 0; i < sizes.transforms; i++) transformIds.push(p.transforms.idOf(i));
    yield* column('transforms.ids', transformIds);
    const rows: TransformRow[] = [];
    for (let j = 0; j < orders.transforms; j++) rows.push(p.transforms.at(p.transformOrder.at(j), w)!);
    yield* column('transforms.rows', rows);
    for (const [table, t] of [['runs', p.runs], ['files', p.files]] as const) {
      const columns = t.columns(sizes[table], w) as unknown as Record<string, unknown[] | Typed>;
      for (const [name, values] of Object.entries(columns)) yield* column(`${table}.${name}`, values);
    }
    for (const table of ['transforms', 'runs', 'files'] as const) {
      const order = p[ORDER[table]];
      const ints = new Int32Array(orders[table]);
      for (let j = 0; j < ints.length; j++) ints[j] = order.at(j);
      yield* column(`order.${table}`, ints);
    }
    yield encodePiece({ k: 'aliases', t: 'json' }, p.aliases.filter((a) => a.seq <= w).map((a) => [a.seq, a.file, a.namespace, a.name]));
    // Trash, versions, keys and descriptions: their events whole (few beside the rest), chunked as a column.
    yield* column('lifecycle', p.lifecycle.entries(w));
    // Labels, stored sources and run references (format 6): their entries in seq order, rebuilt by replaying them.
    yield* column('labels', p.labels.entriesAt(w).map((e) => [e.seq, e.kind, e.entity, e.label, e.added ? 1 : 0]));
    yield* column('sources', p.sources.entriesAt(w).map((e) => [e.seq, e.entity, e.value.hash, e.value.size, e.value.key]));
    yield* column('references', p.references.entriesAt(w).map((e) => [e.seq, e.entity, e.value.reference, e.value.referenceType ?? null]));
    for (const name of Object.keys(RELATIONS) as RelationName[]) {
      const edges = p[name].edgesAt(w);
      const n = edges.seq.length;
      for (let i = 0; i < n; i += EDGES) {
        const end = Math.min(n, i + EDGES);
        yield encodePiece({ k: 'edges', n: name, i, t: 'i32' }, joinTyped([edges.from.subarray(i, end), edges.seq.subarray(i, end), edges.to.subarray(i, end)]));
      }
    }
  }
  function* pieces(): Generator<Uint8Array> {
    for (const piece of make()) {
      digest.update(piece).update('\0');
      count++;
      yield piece;
    }
  }
  const header = () => JSON.stringify({ format: CHECKPOINT_FORMAT, seq: w, hash, pieces: count, digest: digest.digest('hex'), endian: ENDIAN } satisfies CheckpointHeader);
  return { seq: w, hash, pieces: pieces(), header };
}

const ORDER = { transforms: 'transformOrder', runs: 'runOrder', files: 'fileOrder' } as const;

/** A column as pieces of at most CHUNK entries: JSON values, or a typed array's bytes. */
function* column(name: string, values: readonly unknown[] | Typed): Generator<Uint8Array> {
  const typed = ArrayBuffer.isView(values);
  const t = typed ? tagOf(values) : 'json';
  const step = typed ? TYPED_CHUNK : CHUNK;
  if (values.length === 0) yield encodePiece({ k: 'column', n: name, i: 0, t }, typed ? values : []);
  for (let i = 0; i < values.length; i += step) yield encodePiece({ k: 'column', n: name, i, t }, typed ? values.subarray(i, i + step) : values.slice(i, i + step));
}

/** Parses a checkpoint's header; throws when it is not one this version understands. */
export function decodeHeader(text: string): CheckpointHeader {
  const h = JSON.parse(text) as CheckpointHeader;
  if (h?.format !== CHECKPOINT_FORMAT) throw new Error(`checkpoint format ${String(h?.format)} is not ${CHECKPOINT_FORMAT}`);
  if (!Number.isSafeInteger(h.seq) || h.seq < 1 || typeof h.hash !== 'string' || !Number.isSafeInteger(h.pieces) || typeof h.digest !== 'string') {
    throw new Error('checkpoint header is malformed');
  }
  if (h.endian !== ENDIAN) throw new Error(`checkpoint was written on a ${String(h.endian)} machine, this one is ${ENDIAN}`);
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
  #aliases: [number, number, string, string][] = [];
  /** Each column's pieces, joined at the end (one copy instead of one push per entry). */
  readonly #columns = new Map<string, (unknown[] | Typed)[]>();
  readonly #edges = new Map<RelationName, Int32Array<ArrayBuffer>[]>();

  constructor(header: CheckpointHeader) {
    this.header = header;
  }

  /** Takes the next piece. */
  add(bytes: Uint8Array): void {
    this.#digest.update(bytes).update('\0');
    this.#count++;
    const piece = decodePiece(bytes);
    // A piece that does not fit the ones before is reported after the digest: a damaged piece is
    // named as such, not by what it breaks further on.
    if (this.#malformed) return;
    try {
      this.#take(piece.head, piece.body);
    } catch (err) {
      this.#malformed = err as Error;
    }
  }

  #take(head: PieceHead, body: unknown): void {
    const typed = head.t !== 'json';
    if (head.k === 'counts' && Array.isArray(body)) {
      this.#counts = body as [string, number][];
    } else if (head.k === 'aliases' && Array.isArray(body)) {
      this.#aliases = body as [number, number, string, string][];
    } else if (head.k === 'column' && typeof head.n === 'string' && (typed || Array.isArray(body))) {
      const chunks = this.#columns.get(head.n) ?? [];
      const length = chunks.reduce((n, chunk) => n + chunk.length, 0);
      if (head.i !== length || (chunks.length > 0 && ArrayBuffer.isView(chunks[0]) !== typed)) throw new Error(`checkpoint column ${head.n} is out of order`);
      chunks.push(body as unknown[] | Typed);
      this.#columns.set(head.n, chunks);
    } else if (head.k === 'edges' && typeof head.n === 'string' && head.n in RELATIONS && head.t === 'i32' && (body as Int32Array).length % 3 === 0) {
      const chunks = this.#edges.get(head.n as RelationName) ?? [];
      if (head.i !== chunks.reduce((n, chunk) => n + chunk.length / 3, 0)) throw new Error(`checkpoint relation ${head.n} is out of order`);
      chunks.push(body as Int32Array<ArrayBuffer>);
      this.#edges.set(head.n as RelationName, chunks);
    } else {
      throw new Error(`checkpoint piece of unknown kind ${String(head.k)}`);
    }
  }

  #column<T>(name: string): T {
    const chunks = this.#columns.get(name);
    if (!chunks) throw new Error(`checkpoint has no column ${name}`);
    if (chunks.length === 1) return chunks[0] as T;
    return (ArrayBuffer.isView(chunks[0]) ? joinTyped(chunks as Typed[]) : ([] as unknown[]).concat(...(chunks as unknown[][]))) as T;
  }

  /** The labels, stored sources and run references, rebuilt from their entries and checked against the tables. */
  #annotations(last: number, sizes: Record<'transforms' | 'runs' | 'files', number>) {
    let prev = 0;
    const labels = LabelIndex.from(this.#column<[number, keyof typeof KINDS, number, string, number][]>('labels').map(([seq, kind, i, label, added]) => {
      if (!(inOrder(seq, prev, last) && kind in KINDS && entity(i, sizes[KINDS[kind]]) && typeof label === 'string' && (added === 0 || added === 1))) throw new Error('checkpoint labels are malformed');
      prev = seq;
      return { seq, kind, entity: i, label, added: added === 1 };
    }));
    prev = 0;
    const sources = StampedValues.from(this.#column<[number, number, string, number, string][]>('sources').map(([seq, i, hash, size, key]) => {
      if (!(inOrder(seq, prev, last) && entity(i, sizes.transforms) && typeof hash === 'string' && Number.isSafeInteger(size) && typeof key === 'string')) throw new Error('checkpoint sources are malformed');
      prev = seq;
      return { seq, entity: i, value: Object.freeze({ hash, size, key }) };
    }));
    prev = 0;
    const references = StampedValues.from(this.#column<[number, number, string, string | null][]>('references').map(([seq, i, reference, referenceType]) => {
      if (!(inOrder(seq, prev, last) && entity(i, sizes.runs) && typeof reference === 'string' && (referenceType === null || typeof referenceType === 'string'))) throw new Error('checkpoint references are malformed');
      prev = seq;
      return { seq, entity: i, value: Object.freeze(referenceType === null ? { reference } : { reference, referenceType }) };
    }));
    return { labels, sources, references };
  }

  /** The projection at the checkpoint's seq, once every piece is in and checks out. */
  finish(): Projection {
    const h = this.header;
    if (this.#count !== h.pieces) throw new Error(`checkpoint has ${this.#count} pieces, its header says ${h.pieces}`);
    if (this.#digest.digest('hex') !== h.digest) throw new Error('checkpoint pieces do not match their digest');
    if (this.#malformed) throw this.#malformed;
    const col = <T>(name: string) => this.#column<T>(name);
    const timeline = Timeline.fromSpans(Array.from(col<Int32Array>('timeline.starts')), col<string[]>('timeline.iso'), h.seq);

    const transforms = new Table<TransformRow>();
    for (const id of col<string[]>('transforms.ids')) transforms.ref(id);
    for (const row of col<TransformRow[]>('transforms.rows')) {
      if (row === null || typeof row !== 'object' || typeof row.id !== 'string' || !Number.isSafeInteger(row.seq) || row.seq < 1 || row.seq > h.seq) throw new Error('checkpoint transform is malformed');
      if (transforms.indexOf(row.id) < 0) throw new Error(`checkpoint transform ${row.id} is not interned`);
      transforms.create(Object.freeze(row));
    }
    const columns = (table: string, names: readonly string[]) => Object.fromEntries(names.map((n) => [n, col(`${table}.${n}`)]));
    const runs = RunTable.fromColumns(columns('runs', RUN_COLUMNS) as unknown as RunColumns, (i) => transforms.idOf(i), transforms.size, h.seq);
    const files = FileTable.fromColumns(columns('files', FILE_COLUMNS) as unknown as FileColumns, timeline, (i) => runs.idOf(i), runs.size);
    const tables = { transforms, runs, files };
    const orders = { transforms: new Order(), runs: new Order(), files: new Order() };
    for (const table of ['transforms', 'runs', 'files'] as const) {
      let last = 0;
      const ints = col<Int32Array>(`order.${table}`);
      if (!(ints instanceof Int32Array)) throw new Error(`checkpoint order of ${table} is malformed`);
      for (const i of ints) {
        const seq = i >= 0 ? tables[table].createdSeq(i) : 0;
        if (seq <= last) throw new Error(`checkpoint order of ${table} is malformed`);
        orders[table].push(seq, i);
        last = seq;
      }
    }
    const sizes = { transforms: transforms.size, runs: runs.size, files: files.size };
    const relations: Partial<Record<Relation, Adjacency>> = {};
    for (const name of Object.keys(RELATIONS) as RelationName[]) {
      const chunks = this.#edges.get(name) ?? [];
      const n = chunks.reduce((k, chunk) => k + chunk.length / 3, 0);
      const from = new Int32Array(n);
      const seq = new Int32Array(n);
      const to = new Int32Array(n);
      let at = 0;
      for (const chunk of chunks) {
        const m = chunk.length / 3;
        from.set(chunk.subarray(0, m), at);
        seq.set(chunk.subarray(m, 2 * m), at);
        to.set(chunk.subarray(2 * m), at);
        at += m;
      }
      const [fromTable, toTable] = ENDS[name];
      for (let e = 0; e < n; e++) {
        const f = from[e]!;
        const s = seq[e]!;
        const t = to[e]!;
        if (!(f >= 0 && f < sizes[fromTable] && t >= 0 && t < sizes[toTable] && s >= 1 && s <= h.seq)) throw new Error(`checkpoint relation ${name} is malformed`);
      }
      relations[name] = Adjacency.fromEdges(from, seq, to, sizes[fromTable]);
      const mirror = RELATIONS[name];
      if (mirror !== undefined) relations[mirror] = Adjacency.fromEdges(to, seq.slice(), from, sizes[toTable]);
    }
    const aliases = this.#aliases.map(([seq, file, namespace, name]) => {
      if (!(Number.isSafeInteger(seq) && seq >= 1 && seq <= h.seq && Number.isSafeInteger(file) && file >= 0 && file < files.size && typeof namespace === 'string' && typeof name === 'string')) throw new Error('checkpoint aliases are malformed');
      return { seq, file, namespace, name };
    });
    const lifecycle = col<LifecycleEntry[]>('lifecycle');
    for (const e of lifecycle) {
      if (!(Array.isArray(e) && Number.isSafeInteger(e[0]) && e[0] >= 1 && e[0] <= h.seq && typeof e[1] === 'string' && LIFECYCLE_TYPES.has(e[2]) && e[3] !== null && typeof e[3] === 'object')) throw new Error('checkpoint lifecycle entries are malformed');
    }
    const p = new Projection({ timeline, transforms, runs, files, orders, relations, aliases, lifecycle, ...this.#annotations(h.seq, sizes) });
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

const KINDS = { transform: 'transforms', run: 'runs', file: 'files' } as const;

/** True for an integer seq from 1 to `last` that is not below `prev` (entries come in seq order). */
function inOrder(seq: unknown, prev: number, last: number): seq is number {
  return Number.isSafeInteger(seq) && (seq as number) >= Math.max(1, prev) && (seq as number) <= last;
}

function entity(i: unknown, size: number): i is number {
  return Number.isSafeInteger(i) && (i as number) >= 0 && (i as number) < size;
}

const RUN_COLUMNS = ['ids', 'seq', 'transform', 'name', 'params', 'parent', 'startedAt', 'environment', 'finishSeq', 'status', 'finishedAt', 'errors', 'older', 'amended'] as const satisfies readonly (keyof RunColumns)[];
const FILE_COLUMNS = ['ids', 'seq', 'name', 'suffix', 'size', 'hash', 'keyKind', 'otherKeys', 'run'] as const satisfies readonly (keyof FileColumns)[];
