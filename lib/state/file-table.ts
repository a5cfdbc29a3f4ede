import type { FileCreated } from '../events/types.js';
import { ensure } from './columns.js';
import type { FileRow } from './rows.js';
import { StringIndex } from './string-index.js';
import { ColumnTable } from './table.js';
import type { Timeline } from './timeline.js';

/** How a file's storage key relates to its hash: none, `inline/<hash>`, `objects/<hash>`, or another string. */
const KEY_NONE = 0;
const KEY_INLINE = 1;
const KEY_OBJECTS = 2;
const KEY_OTHER = 3;

/** A file table's columns as a checkpoint stores them: one entry per interned id, in interned order. */
export interface FileColumns {
  ids: string[];
  seq: Int32Array<ArrayBuffer>;
  name: (string | null)[];
  suffix: (string | null)[];
  /** -1: no size. */
  size: Float64Array<ArrayBuffer>;
  hash: (string | null)[];
  /** How the key relates to the hash; keys of neither form are in `otherKeys`, by entity. */
  keyKind: Uint8Array<ArrayBuffer>;
  otherKeys: [number, string][];
  /** The producing run's integer, or -1. */
  run: Int32Array<ArrayBuffer>;
}

/**
 * The files, stored column-wise: one slot per interned id in typed arrays and string arrays, rows
 * made on demand. Files have one version each, so a row is the file at its creation. Lookups by
 * name and by hash are hash indexes onto the newest file with that key, each file linking to the
 * previous one with the same key: no Map, list or row object per file.
 */
export class FileTable extends ColumnTable<FileRow> {
  readonly #timeline: Timeline;
  readonly #runIdOf: (i: number) => string;
  #seq = new Int32Array(16);
  #size = new Float64Array(16);
  #keyKind = new Uint8Array(16);
  #run = new Int32Array(16);
  #prevName = new Int32Array(16);
  #prevHash = new Int32Array(16);
  // Absent entries are undefined, or null when adopted from a checkpoint.
  #name: (string | null | undefined)[] = [];
  #suffix: (string | null | undefined)[] = [];
  #hash: (string | null | undefined)[] = [];
  readonly #otherKeys = new Map<number, string>();
  readonly #byName: StringIndex;
  readonly #byHash: StringIndex;
  /**
   * The last row made: records read several fields of one row in a row, and a file's row never
   * changes. Rows are internal and typed readonly; none is frozen (a fresh object per read would
   * pay for it on every query).
   */
  #memo: FileRow | undefined;
  #memoOf = -1;
  /** How many files have a producing run in their run column. */
  #produced = 0;
  /** Suffixes are few: each is held once, not once per file. */
  readonly #suffixes = new Map<string, string>();

  /** A table whose rows take `createdAt` from `timeline` and `runId` from `runIdOf`; with `ids`, interned in that order. */
  constructor(timeline: Timeline, runIdOf: (i: number) => string, ids?: string[]) {
    super(ids);
    this.#timeline = timeline;
    this.#runIdOf = runIdOf;
    this.#byName = new StringIndex((i) => this.#name[i]!, ids?.length);
    this.#byHash = new StringIndex((i) => this.#hash[i]!, ids?.length);
  }

  /** Creates the file of a `file.created` event at `seq`, made by run `run` (-1: none); returns its integer. */
  create(seq: number, d: FileCreated, run: number): number {
    const i = this.ids.ref(d.id);
    const kind = keyKindOf(d.key, d.hash);
    this.#set(i, seq, d.name, d.suffix, d.size ?? -1, d.hash, kind, kind === KEY_OTHER ? d.key : undefined, run);
    return i;
  }

  #set(i: number, seq: number, name: string, suffix: string, size: number, hash: string | undefined, keyKind: number, otherKey: string | undefined, run: number): void {
    if (i >= this.#seq.length) this.#grow(i + 1);
    while (this.#name.length <= i) {
      this.#name.push(undefined);
      this.#suffix.push(undefined);
      this.#hash.push(undefined);
    }
    // A file created a second time (never by this library) keeps its place in the name and hash
    // lookups: linking it again would make it its own predecessor.
    const again = this.#seq[i] !== 0;
    if (this.#memoOf === i) this.#memoOf = -1;
    this.#seq[i] = seq;
    this.#name[i] = name;
    this.#suffix[i] = this.#intern(suffix);
    this.#size[i] = size;
    this.#hash[i] = hash;
    if (again && this.#run[i]! >= 0) this.#produced--;
    if (run >= 0) this.#produced++;
    this.#run[i] = run;
    this.#otherKeys.delete(i);
    this.#keyKind[i] = keyKind;
    if (otherKey !== undefined) this.#otherKeys.set(i, otherKey);
    if (again) return;
    this.#prevName[i] = this.#byName.set(name, i);
    this.#prevHash[i] = hash === undefined ? -1 : this.#byHash.set(hash, i);
  }

  /** Makes room in every typed column for `n` entities (all grow together, so one check covers them). */
  #grow(n: number): void {
    this.#seq = ensure(this.#seq, n);
    this.#size = ensure(this.#size, this.#seq.length);
    this.#keyKind = ensure(this.#keyKind, this.#seq.length);
    this.#run = ensure(this.#run, this.#seq.length);
    this.#prevName = ensure(this.#prevName, this.#seq.length);
    this.#prevHash = ensure(this.#prevHash, this.#seq.length);
  }

  #intern(s: string): string {
    const held = this.#suffixes.get(s);
    if (held !== undefined) return held;
    if (this.#suffixes.size < 10_000) this.#suffixes.set(s, s);
    return s;
  }

  createdSeq(i: number): number {
    return i < this.#seq.length ? this.#seq[i]! : 0;
  }

  /** The name of entity `i` (a file has one version: no watermark needed), or undefined when never created. */
  nameOf(i: number): string | undefined {
    return this.createdSeq(i) === 0 ? undefined : this.#name[i]!;
  }

  /**
   * How many files have a producing run in their run column: when the producer relation holds as
   * many edges, no file was re-created by another run, and each file's run column is its one producer.
   */
  get produced(): number {
    return this.#produced;
  }

  /** The run that created entity `i`, or -1. */
  runOf(i: number): number {
    return this.createdSeq(i) === 0 ? -1 : this.#run[i]!;
  }

  at(i: number, watermark: number): FileRow | undefined {
    const seq = this.createdSeq(i);
    return seq === 0 || seq > watermark ? undefined : this.#row(i, seq);
  }

  get(id: string): readonly FileRow[] | undefined {
    const i = this.ids.indexOf(id);
    const seq = i < 0 ? 0 : this.createdSeq(i);
    return seq === 0 ? undefined : [this.#row(i, seq)];
  }

  /** The files named `name` that a snapshot at `watermark` sees, as integers, in creation order. */
  named(name: string, watermark: number): number[] {
    return this.#chain(this.#byName.get(name), this.#prevName, watermark);
  }

  /** The one file named `name` (in NFC, or normalized here) that a snapshot at `watermark` sees: -1 when none, -2 when several (no array made). */
  namedOne(name: string, watermark: number): number {
    let found = -1;
    for (let i = this.#byName.getNfc(name); i >= 0; i = this.#prevName[i]!) {
      if (this.#seq[i]! > watermark) continue;
      if (found >= 0) return -2;
      found = i;
    }
    return found;
  }

  /** The files with content hash `hash` that a snapshot at `watermark` sees, in creation order. */
  withHash(hash: string, watermark: number): number[] {
    return this.#chain(this.#byHash.get(hash), this.#prevHash, watermark);
  }

  #chain(newest: number, prev: Int32Array, watermark: number): number[] {
    // Most names and hashes belong to one file: an array of exactly one (push() would make room for 17).
    if (newest >= 0 && prev[newest]! < 0) return this.#seq[newest]! <= watermark ? [newest] : [];
    const out: number[] = [];
    for (let i = newest; i >= 0; i = prev[i]!) if (this.#seq[i]! <= watermark) out.push(i);
    return out.length > 1 ? out.reverse() : out;
  }

  #row(i: number, seq: number): FileRow {
    if (this.#memoOf === i) return this.#memo!;
    const row: { -readonly [K in keyof FileRow]: FileRow[K] } = { seq, id: this.ids.idOf(i), name: this.#name[i]!, suffix: this.#suffix[i]!, createdAt: this.#timeline.isoAt(seq) };
    const size = this.#size[i]!;
    if (size >= 0) row.size = size;
    const hash = this.#hash[i];
    if (hash != null) row.hash = hash;
    const kind = this.#keyKind[i];
    if (kind === KEY_INLINE) row.key = `inline/${hash}`;
    else if (kind === KEY_OBJECTS) row.key = `objects/${hash}`;
    else if (kind === KEY_OTHER) row.key = this.#otherKeys.get(i)!;
    const run = this.#run[i]!;
    if (run >= 0) row.runId = this.#runIdOf(run);
    this.#memo = row;
    this.#memoOf = i;
    return row;
  }

  /** The columns of the first `n` interned entities, with `seq` cut at `watermark` (later creations read as never created). */
  columns(n: number, watermark: number): FileColumns {
    const c: FileColumns = { ids: this.ids.slice(n), seq: new Int32Array(n), name: [], suffix: [], size: new Float64Array(n).fill(-1), hash: [], keyKind: new Uint8Array(n), otherKeys: [], run: new Int32Array(n).fill(-1) };
    for (let i = 0; i < n; i++) {
      const seq = this.createdSeq(i);
      const seen = seq !== 0 && seq <= watermark;
      c.name.push(seen ? this.#name[i]! : null);
      c.suffix.push(seen ? this.#suffix[i]! : null);
      c.hash.push(seen ? (this.#hash[i] ?? null) : null);
      if (!seen) continue;
      c.seq[i] = seq;
      c.size[i] = this.#size[i]!;
      c.keyKind[i] = this.#keyKind[i]!;
      if (this.#keyKind[i] === KEY_OTHER) c.otherKeys.push([i, this.#otherKeys.get(i)!]);
      c.run[i] = this.#run[i]!;
    }
    return c;
  }

  /** A table from stored columns (see `columns`), adopting them and rebuilding its lookups; throws when they do not fit together. */
  static fromColumns(c: FileColumns, timeline: Timeline, runIdOf: (i: number) => string, runs: number): FileTable {
    const n = c.ids.length;
    for (const k of ['seq', 'name', 'suffix', 'size', 'hash', 'keyKind', 'run'] as const) {
      if (!(Array.isArray(c[k]) || ArrayBuffer.isView(c[k])) || c[k].length !== n) throw new Error(`checkpoint file column ${k} is malformed`);
    }
    if (!(c.seq instanceof Int32Array && c.size instanceof Float64Array && c.keyKind instanceof Uint8Array && c.run instanceof Int32Array)) throw new Error('checkpoint file columns are malformed');
    const t = new FileTable(timeline, runIdOf, c.ids);
    for (const [i, key] of c.otherKeys) {
      if (!(Number.isInteger(i) && i >= 0 && i < n && c.keyKind[i] === KEY_OTHER && typeof key === 'string')) throw new Error(`checkpoint file ${i} is malformed`);
      t.#otherKeys.set(i, key);
    }
    const length = timeline.length;
    for (let i = 0; i < n; i++) {
      const seq = c.seq[i]!;
      if (seq === 0) continue;
      const name = c.name[i];
      const suffix = c.suffix[i];
      const size = c.size[i]!;
      const hash = c.hash[i];
      const kind = c.keyKind[i]!;
      const run = c.run[i]!;
      if (!(seq > 0 && seq <= length && typeof name === 'string' && typeof suffix === 'string' && (size === -1 || (size >= 0 && Number.isSafeInteger(size))) && (hash === null || typeof hash === 'string')
        && kind <= KEY_OTHER && (kind !== KEY_OTHER || t.#otherKeys.has(i)) && (hash !== null || kind === KEY_NONE || kind === KEY_OTHER) && run >= -1 && run < runs)) {
        throw new Error(`checkpoint file ${i} is malformed`);
      }
      c.suffix[i] = t.#intern(suffix);
      if (run >= 0) t.#produced++;
    }
    t.#seq = c.seq;
    t.#size = c.size;
    t.#keyKind = c.keyKind;
    t.#run = c.run;
    t.#name = c.name;
    t.#suffix = c.suffix;
    t.#hash = c.hash;
    t.#prevName = new Int32Array(n).fill(-1);
    t.#prevHash = new Int32Array(n).fill(-1);
    for (let i = 0; i < n; i++) {
      if (c.seq[i] === 0) continue;
      t.#prevName[i] = t.#byName.set(c.name[i]!, i);
      const hash = c.hash[i];
      if (hash !== null) t.#prevHash[i] = t.#byHash.set(hash!, i);
    }
    return t;
  }
}

function keyKindOf(key: string | undefined, hash: string | undefined): number {
  if (key === undefined) return KEY_NONE;
  if (hash !== undefined && key.endsWith(hash)) {
    const prefix = key.length - hash.length;
    if (prefix === 7 && key.startsWith('inline/')) return KEY_INLINE;
    if (prefix === 8 && key.startsWith('objects/')) return KEY_OBJECTS;
  }
  return KEY_OTHER;
}
