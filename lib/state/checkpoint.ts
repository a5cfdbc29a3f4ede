import { createHash, type Hash } from 'node:crypto';
import type { Adjacency } from './adjacency.js';
import { deepFreeze, Projection } from './projection.js';
import { SeqList } from './seq-list.js';
import type { Table } from './table.js';

/** The format of a checkpoint; a checkpoint of another format is ignored and rebuilt. */
export const CHECKPOINT_FORMAT = 1;

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

const INDEXES = ['transformsByName', 'filesByName', 'filesByHash'] as const;
type IndexName = (typeof INDEXES)[number];
const TABLES = ['transforms', 'runs', 'files'] as const;
type AnyTable = Table<{ seq: number; id: string }>;
/** The lineage index: each relation's source and target tables (its pieces hold ids, not integers). */
const RELATIONS = {
  transformRuns: ['transforms', 'runs'],
  runInputs: ['runs', 'files'],
  runOutputs: ['runs', 'files'],
  fileConsumers: ['files', 'runs'],
  fileProducers: ['files', 'runs'],
  runChildren: ['runs', 'runs'],
} as const;
type RelationName = keyof typeof RELATIONS;
const relation = (p: Projection, name: RelationName): [Adjacency, AnyTable, AnyTable] => [p[name], p[RELATIONS[name][0]] as AnyTable, p[RELATIONS[name][1]] as AnyTable];
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
    for (const name of INDEXES) {
      yield* indexPieces(name, function* () {
        for (const [key, list] of p[name]) {
          const n = list.countAt(w);
          if (n > 0) yield [key, list.seqs.slice(0, n), list.ids.slice(0, n)];
        }
      });
    }
    for (const name of Object.keys(RELATIONS) as RelationName[]) {
      const [rel, from, to] = relation(p, name);
      yield* indexPieces(name, function* () {
        const n = Math.min(from.size, rel.sources);
        for (let i = 0; i < n; i++) {
          const seqs = rel.seqs(i, w, []);
          if (seqs.length === 0) continue;
          yield [from.idOf(i), seqs, rel.targets(i, w, []).map((t) => to.idOf(t))];
        }
      });
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

/** The pieces of one index: its lists as [name, keys, seqs, ids], PIECE lists per piece. */
function* indexPieces(name: string, lists: () => Iterable<[string, number[], string[]]>): Generator<string> {
  let keys: string[] = [];
  let seqs: number[][] = [];
  let ids: string[][] = [];
  for (const [key, s, i] of lists()) {
    keys.push(key);
    seqs.push(s);
    ids.push(i);
    if (keys.length === PIECE) {
      yield JSON.stringify([name, keys, seqs, ids]);
      keys = [];
      seqs = [];
      ids = [];
    }
  }
  if (keys.length) yield JSON.stringify([name, keys, seqs, ids]);
}

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

  constructor(header: CheckpointHeader) {
    this.header = header;
  }

  /** Takes the next piece. */
  add(text: string): void {
    this.#digest.update(text).update('\0');
    this.#count++;
    const piece = JSON.parse(text) as [string, ...unknown[]];
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
        table.create(first);
        for (let j = 1; j < versions.length; j++) table.update(first.id, () => versions[j]!);
        order.push(first.seq, first.id);
      }
    } else if (name === 'times') {
      for (const t of piece[1] as number[]) p.times.push(t);
    } else if ((INDEXES as readonly string[]).includes(name) || name in RELATIONS) {
      const [, keys, seqs, ids] = piece as [string, string[], number[][], string[][]];
      if (keys.length !== seqs.length || keys.length !== ids.length) throw new Error(`checkpoint index ${name} is malformed`);
      for (let i = 0; i < keys.length; i++) {
        if (seqs[i]!.length !== ids[i]!.length) throw new Error(`checkpoint index ${name} is malformed`);
      }
      if (name in RELATIONS) {
        const [rel, from, to] = relation(p, name as RelationName);
        for (let i = 0; i < keys.length; i++) {
          const f = from.ref(keys[i]!);
          const s = seqs[i]!;
          const t = ids[i]!;
          for (let j = 0; j < s.length; j++) rel.push(f, s[j]!, to.ref(t[j]!));
        }
      } else {
        const map = p[name as IndexName];
        const table = (name === 'transformsByName' ? p.transforms : p.files) as AnyTable;
        const field = name === 'filesByHash' ? 'hash' : 'name';
        for (let i = 0; i < keys.length; i++) {
          // The ids and the key as the rows hold them: one string each, not a copy per index.
          const list = ids[i]!.map((id) => canonical(table, id));
          const key = (table.row(list[0]!, Infinity) as Record<string, unknown> | undefined)?.[field];
          map.set(key === keys[i] ? (key as string) : keys[i]!, SeqList.from(seqs[i]!, list));
        }
      }
    } else {
      throw new Error(`checkpoint piece of unknown kind ${String(name)}`);
    }
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
    const p = this.#p;
    if (p.times.length !== h.seq) throw new Error(`checkpoint at seq ${h.seq} has ${p.times.length} times`);
    p.seq = h.seq;
    p.hash = h.hash;
    return p;
  }
}
