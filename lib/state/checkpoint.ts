import { createHash, type Hash } from 'node:crypto';
import { deepFreeze, Projection } from './projection.js';
import type { FileRow, TransformRow } from './rows.js';
import { pushTo } from './seq-list.js';
import type { Table } from './table.js';

/** The format of a checkpoint; a checkpoint of another format is ignored and rebuilt. */
export const CHECKPOINT_FORMAT = 2;

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

const TABLES = ['transforms', 'runs', 'files'] as const;
type TableName = (typeof TABLES)[number];
type AnyTable = Table<{ seq: number; id: string }>;
/**
 * The lineage index as stored: each relation's edges in seq order, with its source and target
 * tables, and the relation that holds the same edges reversed (rebuilt, not stored). An entity is
 * stored as its position in its table's creation order (an id only when it was never created).
 * The name and hash lookups are rebuilt from the rows.
 */
const RELATIONS = {
  transformRuns: { from: 'transforms', to: 'runs', mirror: undefined },
  runChildren: { from: 'runs', to: 'runs', mirror: undefined },
  runInputs: { from: 'runs', to: 'files', mirror: 'fileConsumers' },
  runOutputs: { from: 'runs', to: 'files', mirror: 'fileProducers' },
} as const;
type RelationName = keyof typeof RELATIONS;
const ORDER = { transforms: 'transformOrder', runs: 'runOrder', files: 'fileOrder' } as const;

// Entries per piece: every stored value stays a few MB, far below V8's string limit, and a load
// holds one piece's text at a time, whatever the size of the ledger.
const PIECE = 20_000;

/**
 * The checkpoint of a projection as it is now (its seq is the watermark), as a header and a
 * lazy sequence of JSON pieces. Everything is read at that watermark, so events applied while the
 * pieces are being made (and written) do not leak into it. Pure: no I/O.
 */
export function checkpointPieces(p: Projection): { seq: number; hash: string; pieces: Iterable<string>; header: () => string } {
  const w = p.seq;
  const hash = p.hash;
  const counts = [...p.eventCounts];
  const digest = createHash('sha256');
  let count = 0;
  function* make(): Generator<string> {
    yield JSON.stringify(['counts', counts]);
    for (const name of TABLES) {
      const order = p[ORDER[name]];
      const table = p[name] as AnyTable;
      const n = order.countAt(w);
      for (let i = 0; i < n; i += PIECE) {
        const rows: (readonly { seq: number }[])[] = [];
        for (let j = i; j < Math.min(n, i + PIECE); j++) {
          const versions = table.get(order.idAt(j))!;
          rows.push(versions[versions.length - 1]!.seq <= w ? versions : versions.filter((v) => v.seq <= w));
        }
        yield JSON.stringify([name, rows]);
      }
    }
    for (let i = 0; i < w; i += PIECE) yield JSON.stringify(['times', p.times.slice(i, Math.min(w, i + PIECE))]);
    const positions = new Map<TableName, Int32Array>();
    const positionsOf = (name: TableName): Int32Array => {
      let pos = positions.get(name);
      if (!pos) {
        const table = p[name] as AnyTable;
        const order = p[ORDER[name]];
        pos = new Int32Array(table.size).fill(-1);
        const n = order.countAt(w);
        for (let j = 0; j < n; j++) pos[table.indexOf(order.idAt(j))] = j;
        positions.set(name, pos);
      }
      return pos;
    };
    for (const name of Object.keys(RELATIONS) as RelationName[]) {
      const r = RELATIONS[name];
      const from = p[r.from] as AnyTable;
      const to = p[r.to] as AnyTable;
      const fromPos = positionsOf(r.from);
      const toPos = positionsOf(r.to);
      const edges = p[name].edgesAt(w);
      const n = edges.seq.length;
      for (let i = 0; i < n; i += EDGES) {
        const end = Math.min(n, i + EDGES);
        const froms: (number | string)[] = [];
        const tos: (number | string)[] = [];
        for (let e = i; e < end; e++) {
          const f = edges.from[e]!;
          const t = edges.to[e]!;
          froms.push(fromPos[f]! >= 0 ? fromPos[f]! : from.idOf(f));
          tos.push(toPos[t]! >= 0 ? toPos[t]! : to.idOf(t));
        }
        yield JSON.stringify([name, froms, Array.from(edges.seq.subarray(i, end)), tos]);
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

// Edges per piece of a relation (a few numbers each).
const EDGES = 100_000;

/** The row fields that refer to another entity, and the table of that entity. */
const REFERENCES: [string, (p: Projection) => AnyTable][] = [
  ['runId', (p) => p.runs as AnyTable],
  ['transformId', (p) => p.transforms as AnyTable],
  ['parentRunId', (p) => p.runs as AnyTable],
  ['revises', (p) => p.transforms as AnyTable],
];
const TIMES = ['createdAt', 'startedAt', 'finishedAt'];

/** `id` as the table holds it (the same string), or `id` when the table does not know it. */
function canonical(table: AnyTable, id: string): string {
  const i = table.indexOf(id);
  return i < 0 ? id : table.idOf(i);
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
 * Rebuilds a projection from a checkpoint's pieces, one piece at a time; `finish()` checks the
 * digest, the piece count and the shape, and throws when anything does not add up.
 */
export class CheckpointLoader {
  readonly header: CheckpointHeader;
  readonly #p = new Projection();
  readonly #digest: Hash = createHash('sha256');
  #count = 0;
  #lastTime = '';
  #malformed: Error | undefined;
  /** Each table's integers, by position in its creation order. */
  readonly #positions: Record<TableName, number[]> = { transforms: [], runs: [], files: [] };

  constructor(header: CheckpointHeader) {
    this.header = header;
  }

  /** Takes the next piece. */
  add(text: string): void {
    this.#digest.update(text).update('\0');
    this.#count++;
    const piece = JSON.parse(text) as [string, ...unknown[]];
    // A piece that does not fit the ones before is reported after the digest: a damaged piece is
    // named as such, not by what it breaks further on.
    if (this.#malformed) return;
    try {
      this.#take(piece);
    } catch (err) {
      this.#malformed = err as Error;
    }
  }

  #take(piece: [string, ...unknown[]]): void {
    const p = this.#p;
    const name = piece[0];
    if (name === 'counts') {
      for (const [type, n] of piece[1] as [string, number][]) p.eventCounts.set(type, n);
    } else if (name === 'transforms' || name === 'runs' || name === 'files') {
      const table = p[name] as AnyTable;
      const order = p[ORDER[name]];
      for (const versions of piece[1] as { seq: number; id: string }[][]) {
        const first = versions[0];
        if (!first || typeof first.id !== 'string' || !Number.isSafeInteger(first.seq)) throw new Error('checkpoint row is malformed');
        this.#share(versions as unknown as Record<string, unknown>[]);
        for (const v of versions) name === 'runs' ? deepFreeze(v) : Object.freeze(v);
        this.#positions[name].push(table.create(first));
        for (let j = 1; j < versions.length; j++) table.update(first.id, () => versions[j]!);
        order.push(first.seq, first.id);
        // The lookups by name and hash, as apply() makes them.
        if (name === 'transforms') pushTo(p.transformsByName, (first as unknown as TransformRow).name, first.seq, first.id);
        else if (name === 'files') {
          const f = first as unknown as FileRow;
          pushTo(p.filesByName, f.name, f.seq, f.id);
          if (f.hash) pushTo(p.filesByHash, f.hash, f.seq, f.id);
        }
      }
    } else if (name === 'times') {
      for (const t of piece[1] as number[]) p.times.push(t);
    } else if (name in RELATIONS) {
      const [, froms, seqs, tos] = piece as [RelationName, unknown[], unknown[], unknown[]];
      if (!Array.isArray(froms) || !Array.isArray(seqs) || !Array.isArray(tos) || froms.length !== seqs.length || froms.length !== tos.length) {
        throw new Error(`checkpoint relation ${name} is malformed`);
      }
      const r = RELATIONS[name as RelationName];
      const rel = p[name as RelationName];
      const mirror = r.mirror === undefined ? undefined : p[r.mirror];
      for (let i = 0; i < froms.length; i++) {
        const f = this.#entity(r.from, froms[i]);
        const t = this.#entity(r.to, tos[i]);
        const seq = seqs[i];
        if (!Number.isSafeInteger(seq) || (seq as number) < 1 || (seq as number) > this.header.seq) throw new Error(`checkpoint relation ${name} is malformed`);
        rel.push(f, seq as number, t);
        mirror?.push(t, seq as number, f);
      }
    } else {
      throw new Error(`checkpoint piece of unknown kind ${String(name)}`);
    }
  }

  /** The integer of an entity of `table` stored as its position, or as its id. */
  #entity(table: TableName, x: unknown): number {
    if (typeof x === 'string') return (this.#p[table] as AnyTable).ref(x);
    const i = typeof x === 'number' ? this.#positions[table][x] : undefined;
    if (i === undefined) throw new Error(`checkpoint refers to ${table} position ${String(x)}, which it does not hold`);
    return i;
  }

  /**
   * Makes freshly parsed versions share the strings the projection already holds: a reference is
   * the interned id, a later version reuses the equal fields of the one before (a finished run its
   * start's params), and equal consecutive times are one string. A live projection shares them the
   * same way; a parsed one would hold a copy of each.
   */
  #share(versions: Record<string, unknown>[]): void {
    const p = this.#p;
    const first = versions[0]!;
    for (const [field, table] of REFERENCES) {
      if (typeof first[field] === 'string') first[field] = canonical(table(p), first[field] as string);
    }
    for (const field of TIMES) {
      const t = first[field];
      if (typeof t === 'string') t === this.#lastTime ? (first[field] = this.#lastTime) : (this.#lastTime = t);
    }
    for (let j = 1; j < versions.length; j++) {
      const v = versions[j]!;
      const prev = versions[j - 1]!;
      for (const k in v) {
        const a = v[k];
        const b = prev[k];
        if (a === b || (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && JSON.stringify(a) === JSON.stringify(b))) v[k] = b;
      }
    }
  }

  /** The projection at the checkpoint's seq, once every piece is in and checks out. */
  finish(): Projection {
    const h = this.header;
    if (this.#count !== h.pieces) throw new Error(`checkpoint has ${this.#count} pieces, its header says ${h.pieces}`);
    if (this.#digest.digest('hex') !== h.digest) throw new Error('checkpoint pieces do not match their digest');
    if (this.#malformed) throw this.#malformed;
    const p = this.#p;
    if (p.times.length !== h.seq) throw new Error(`checkpoint at seq ${h.seq} has ${p.times.length} times`);
    p.seq = h.seq;
    p.hash = h.hash;
    return p;
  }
}
