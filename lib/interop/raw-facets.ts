// Reading an OpenLineage event's JSON without parsing its large facets. A 200 KB Spark logical
// plan was parsed (JSON.parse), written back to bytes (jsonBytes) and hashed, only to be stored as
// those bytes: parsing it and writing it again cost several times the rest of its event. When the
// received text of a facet is already exactly what JSON.stringify would write for it, those bytes are
// the blob, and the facet is never parsed. Anything else (whitespace, an escape JSON.stringify would
// not write, a number it would write otherwise, duplicate or integer-like keys, anything in doubt)
// keeps the ordinary path: parse everything, write the facet again. Both give the same bytes.
//
// The scan works on the UTF-8 bytes, not on the decoded string: a byte loop over a typed array runs
// several times faster than charCodeAt over a (sliced) string, byte offsets are the blob's offsets
// with no counting of multi-byte characters, and a caller that has the bytes (a request body, a
// file) decodes only the small rest of the event.

import { isUtf8 } from 'node:buffer';
import { LARGE_FACET_BYTES } from './openlineage-records.js';
import { LEDGER_FACET } from './openlineage-model.js';
import { standardFacetNames } from './standard-facets.js';

// Facets the importer reads fields of (the run's parent and error, a job's version and source, a
// dataset's version and symlinks, our own), and the standard facets it validates against their own
// schemas (a large `schema` or `columnLineage`): parsed as usual whatever their size.
const READ_BY_IMPORT = new Set(['parent', 'errorMessage', 'sourceCodeLocation', 'version', 'symlinks', LEDGER_FACET.run, LEDGER_FACET.transform, LEDGER_FACET.file]);
const parsedAnyway = (name: string) => READ_BY_IMPORT.has(name) || standardFacetNames().has(name);

// The JSON bytes of a facet that was left unparsed, by the stub that stands for it in the parsed event.
const RAW = new WeakMap<object, Buffer>();

/** The JSON bytes of a large facet that `parseEventText` left unparsed, given the stub object that stands for it; undefined for any other value. */
export function rawFacetBytes(value: unknown): Buffer | undefined {
  return value !== null && typeof value === 'object' ? RAW.get(value) : undefined;
}

/**
 * Parses the JSON text of one OpenLineage event (with `parse`, JSON.parse by default). Each large
 * facet (over LARGE_FACET_BYTES) whose text is byte for byte what JSON.stringify writes for it is
 * not parsed: the event holds a stub of its `_producer`, `_schemaURL` and `_deleted` in its place
 * (all that validation reads of a facet), and `rawFacetBytes(stub)` gives its bytes. Text this cannot vouch
 * for, and invalid JSON, is parsed whole by `parse` (which reports the error as it always did).
 * `utf8`, when given, is the bytes that `text` was decoded from (kept unchanged from then on): when
 * they are valid UTF-8, a facet's bytes are a view of them rather than encoded again.
 */
export function parseEventText(text: string, parse: (text: string) => unknown = JSON.parse, utf8?: Uint8Array): unknown {
  if (text.length <= LARGE_FACET_BYTES) return parse(text);
  let bytes: Buffer;
  if (utf8 !== undefined && isUtf8(utf8)) bytes = Buffer.from(utf8.buffer, utf8.byteOffset, utf8.byteLength);
  // A lone surrogate has no UTF-8 (it would be encoded as U+FFFD): such text is parsed whole.
  else if (text.isWellFormed()) bytes = Buffer.from(text, 'utf8');
  else return parse(text);
  return readScanned(bytes, parse, () => text);
}

/**
 * `parseEventText` of the text whose UTF-8 is `bytes` (a line of a JSONL file read as bytes): only
 * what is left of the event once its large facets are set aside is decoded. Bytes that are not valid
 * UTF-8 are decoded whole (with replacement characters, as Buffer#toString does) and parsed whole.
 * A large facet's bytes are copied out of `bytes` (the caller's, which may change later).
 */
export function parseEventBytes(bytes: Uint8Array, parse: (text: string) => unknown = JSON.parse): unknown {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length <= LARGE_FACET_BYTES || !isUtf8(b)) return parse(b.toString('utf8'));
  return readScanned(b, parse, () => b.toString('utf8'), (view) => Buffer.from(view));
}

// Parses the event whose valid UTF-8 is `bytes`, its large facets replaced by stubs; `text` gives the
// whole text for the ordinary path, `keep` what is kept of a facet's bytes (default: the view itself,
// not a copy: a fresh 200 KB buffer costs its page faults).
function readScanned(bytes: Buffer, parse: (text: string) => unknown, text: () => string, keep: (view: Buffer) => Buffer = (view) => view): unknown {
  let found: Found[];
  try {
    found = new Scanner(bytes).event();
  } catch {
    // Not JSON, or not an object: the parser says what is wrong, or parses it whole.
    return parse(text());
  }
  if (found.length === 0) return parse(text());
  let reduced = '';
  let from = 0;
  for (const f of found) {
    reduced += bytes.toString('utf8', from, f.start) + f.stub;
    from = f.end;
  }
  let value: unknown;
  try {
    value = parse(reduced + bytes.toString('utf8', from, bytes.length));
  } catch {
    return parse(text());
  }
  for (const f of found) {
    const stub = at(value, f.path);
    // The containers on the way have no duplicate keys (checked), so the stub is the one placed.
    if (stub === null || typeof stub !== 'object') return parse(text());
    RAW.set(stub, keep(bytes.subarray(f.start, f.end)));
  }
  return value;
}

function at(value: unknown, path: (string | number)[]): unknown {
  let node = value;
  for (const key of path) node = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[key] : undefined;
  return node;
}

/** A large facet found in the bytes: where its value is, the stub to put there, and its path in the event. */
interface Found {
  start: number;
  end: number;
  stub: string;
  path: (string | number)[];
}

// Where facets sit: the path from the event's top to a facets container, as `facetSlots` reads them.
type Place = 'top' | 'holder' | 'list' | 'item' | 'facets';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const UNDERSCORE = 0x5f;

/**
 * One pass over an event's bytes (valid UTF-8): checks that it is JSON and finds its large facets
 * whose bytes are exactly JSON.stringify's. The few containers on the way to facets are walked here
 * (their keys must be unique, so that a path names one value); everything else by `skipValue`.
 * Throws on anything that is not JSON.
 */
class Scanner {
  readonly #b: Buffer;
  #i = 0;
  readonly #found: Found[] = [];
  readonly #skip = new Skip();

  constructor(bytes: Buffer) {
    this.#b = bytes;
  }

  event(): Found[] {
    this.#i = skipSpace(this.#b, this.#i, this.#skip);
    if (this.#b[this.#i] !== OPEN_OBJECT) throw new SyntaxError('not an object');
    this.#object('top', []);
    this.#i = skipSpace(this.#b, this.#i, this.#skip);
    if (this.#i !== this.#b.length) throw new SyntaxError('text after the value');
    return this.#found;
  }

  // A value at `place`, at `path`: containers on the way to facets are walked, the rest skipped.
  #value(place: Place | undefined, path: (string | number)[]): void {
    const b = this.#b;
    this.#i = skipSpace(b, this.#i, this.#skip);
    const c = b[this.#i];
    if (place !== undefined && c === OPEN_OBJECT) this.#object(place, path);
    else if (place === 'list' && c === OPEN_ARRAY) this.#list(path);
    else this.#i = skipValue(b, this.#i, this.#skip);
  }

  #object(place: Place, path: (string | number)[]): void {
    const b = this.#b;
    const skip = this.#skip;
    this.#i = skipSpace(b, this.#i + 1, skip);
    if (b[this.#i] === CLOSE_OBJECT) {
      this.#i++;
      return;
    }
    const keys = new Set<string>();
    for (;;) {
      this.#i = skipSpace(b, this.#i, skip);
      const k0 = this.#i;
      this.#i = skipString(b, k0, skip);
      const rawKey = b.toString('utf8', k0 + 1, this.#i - 1);
      if (keys.has(rawKey)) throw new SyntaxError('duplicate key on the way to facets');
      keys.add(rawKey);
      this.#i = skipSpace(b, this.#i, skip);
      if (b[this.#i] !== COLON) throw new SyntaxError('expected :');
      this.#i++;
      if (place === 'facets') this.#facet(path, rawKey);
      else {
        const next = nextPlace(place, path, rawKey);
        this.#value(next, next === undefined ? path : [...path, rawKey]);
      }
      this.#i = skipSpace(b, this.#i, skip);
      const c = b[this.#i++];
      if (c === CLOSE_OBJECT) return;
      if (c !== COMMA) throw new SyntaxError('expected , or }');
    }
  }

  #list(path: (string | number)[]): void {
    const b = this.#b;
    this.#i = skipSpace(b, this.#i + 1, this.#skip);
    if (b[this.#i] === CLOSE_ARRAY) {
      this.#i++;
      return;
    }
    for (let n = 0; ; n++) {
      this.#value('item', [...path, n]);
      this.#i = skipSpace(b, this.#i, this.#skip);
      const c = b[this.#i++];
      if (c === CLOSE_ARRAY) return;
      if (c !== COMMA) throw new SyntaxError('expected , or ]');
    }
  }

  // The facet named `rawKey` (as written) of the facets container at `path`.
  #facet(path: (string | number)[], rawKey: string): void {
    const b = this.#b;
    const skip = this.#skip;
    const start = (this.#i = skipSpace(b, this.#i, skip));
    skip.exact = true;
    skip.own.length = 0;
    const end = (this.#i = skipValue(b, start, skip));
    if (!skip.exact || b[start] !== OPEN_OBJECT || end - start <= LARGE_FACET_BYTES) return;
    const name = JSON.parse(`"${rawKey}"`) as string;
    if (parsedAnyway(name)) return;
    const stub = stubOf(b, skip.own);
    if (stub !== undefined) this.#found.push({ start, end, stub, path: [...path, name] });
  }
}

// Where the value of key `rawKey` of an object at `place` stands, when it is on the way to facets.
function nextPlace(place: Place, path: (string | number)[], rawKey: string): Place | undefined {
  if (place === 'top') return rawKey === 'run' || rawKey === 'job' || rawKey === 'dataset' ? 'holder' : rawKey === 'inputs' || rawKey === 'outputs' ? 'list' : undefined;
  if (place === 'holder') return rawKey === 'facets' ? 'facets' : undefined;
  if (place === 'item') {
    const side = path[0];
    return rawKey === 'facets' || (side === 'inputs' && rawKey === 'inputFacets') || (side === 'outputs' && rawKey === 'outputFacets') ? 'facets' : undefined;
  }
  return undefined;
}

// Keys of one object compared one by one up to this many, then through a set of their hashes.
const FEW_KEYS = 16;

/** The state of one scan's skipping, per call (the scan is synchronous, but nothing is shared between calls). */
class Skip {
  /** Cleared when the bytes skipped since it was set are not exactly what JSON.stringify writes for their value. */
  exact = true;
  /** Where the keys starting with `_` of the outermost object of the last value skipped start. */
  readonly own: number[] = [];
  /** Per open container: 1 an object, 2 an array. */
  kinds = new Uint8Array(64);
  /** Per open object: where its key hashes start in `hashes`. */
  starts = new Int32Array(64);
  /** Per open object with more than FEW_KEYS keys: a set of their hashes (the first FEW_KEYS + 1 are also in `hashes`). */
  readonly sets: (Set<number> | undefined)[] = [];
  hashes: Int32Array = new Int32Array(256);

  /** Room for one more container at `depth`. */
  deeper(depth: number): void {
    if (depth < this.kinds.length) return;
    const kinds = new Uint8Array(this.kinds.length * 2);
    kinds.set(this.kinds);
    this.kinds = kinds;
    const starts = new Int32Array(this.starts.length * 2);
    starts.set(this.starts);
    this.starts = starts;
  }

  /** Twice the room for key hashes. */
  wider(): Int32Array {
    const hashes = new Int32Array(this.hashes.length * 2);
    hashes.set(this.hashes);
    return (this.hashes = hashes);
  }
}

const OBJECT = 1;
const ARRAY = 2;

// JSON's whitespace, which JSON.stringify never writes.
function skipSpace(b: Uint8Array, i: number, st: Skip): number {
  let c = b[i]!;
  if (c > 0x20) return i;
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
    st.exact = false;
    c = b[++i]!;
  }
  return i;
}

/**
 * The end of the JSON value at `i` of `b` (iteratively: any depth). Clears `st.exact` when its bytes
 * are not what JSON.stringify would write for the parsed value: whitespace, escapes it would not
 * write, numbers it would write otherwise, and (conservatively) keys that repeat or share a hash,
 * keys that start with a digit (V8 orders integer keys first), `__proto__` and `constructor`.
 */
function skipValue(b: Uint8Array, i: number, st: Skip): number {
  let depth = 0;
  let nh = 0;
  for (;;) {
    // A value (white space is rare: tested here before a call).
    let c = b[i]!;
    if (c <= 0x20) c = b[(i = skipSpace(b, i, st))]!;
    if (c === OPEN_OBJECT) {
      i = skipSpace(b, i + 1, st);
      if (b[i] === CLOSE_OBJECT) i++;
      else {
        st.deeper(depth);
        st.kinds[depth] = OBJECT;
        st.starts[depth] = nh;
        st.sets[depth] = undefined;
        depth++;
        i = key(b, i, st, depth, nh++);
        continue;
      }
    } else if (c === OPEN_ARRAY) {
      i = skipSpace(b, i + 1, st);
      if (b[i] === CLOSE_ARRAY) i++;
      else {
        st.deeper(depth);
        st.kinds[depth] = ARRAY;
        depth++;
        continue;
      }
    } else if (c === QUOTE) i = skipString(b, i, st);
    else if (c === 0x74) i = literal(b, i, 0x72, 0x75, 0x65, 4);
    else if (c === 0x66) i = literal(b, i, 0x61, 0x6c, 0x73, 5);
    else if (c === 0x6e) i = literal(b, i, 0x75, 0x6c, 0x6c, 4);
    else i = skipNumber(b, i, st);
    // After a value: close what ends here, until a comma or the end.
    for (;;) {
      if (depth === 0) return i;
      c = b[i]!;
      if (c <= 0x20) c = b[(i = skipSpace(b, i, st))]!;
      i++;
      const kind = st.kinds[depth - 1];
      if (c === COMMA) {
        if (kind === OBJECT) i = key(b, i, st, depth, nh++);
        break;
      }
      if (c !== (kind === OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY)) throw new SyntaxError('expected , or a closing bracket');
      depth--;
      if (kind === OBJECT) nh = st.starts[depth]!;
    }
  }
}

// A key (the `n`th hash of the scan) of the object open at `depth` and its colon, checked against the
// object's other keys; returns where its value starts.
function key(b: Uint8Array, i: number, st: Skip, depth: number, n: number): number {
  if (b[i]! <= 0x20) i = skipSpace(b, i, st);
  if (b[i] !== QUOTE) throw new SyntaxError('expected a string');
  const k0 = i;
  // The hash of the key as written (collisions only make it look repeated: the ordinary path then).
  let h = 0;
  for (i++; ; ) {
    let c = b[i]!;
    while (c > QUOTE && c !== BACKSLASH) {
      h = (Math.imul(h, 31) + c) | 0;
      c = b[++i]!;
    }
    if (c === QUOTE) break;
    if (c === BACKSLASH) {
      const e = escape(b, i, st);
      for (; i < e; i++) h = (Math.imul(h, 31) + b[i]!) | 0;
      continue;
    }
    if (!(c >= 0x20)) throw new SyntaxError(c === undefined ? 'unterminated string' : 'control character in a string');
    h = (Math.imul(h, 31) + c) | 0;
    i++;
  }
  i++;
  const first = b[k0 + 1]!;
  if (first >= 0x30 && first <= 0x39) st.exact = false;
  else if (first === UNDERSCORE) {
    if (b[k0 + 2] === UNDERSCORE && i - k0 === 11 && isWord(b, k0, '"__proto__"')) st.exact = false;
    else if (depth === 1) st.own.push(k0);
  } else if (first === 0x63 && i - k0 === 13 && isWord(b, k0, '"constructor"')) st.exact = false;
  // Against the object's other keys.
  const from = st.starts[depth - 1]!;
  if (n - from > FEW_KEYS) {
    const set = st.sets[depth - 1]!;
    if (set.has(h)) st.exact = false;
    set.add(h);
  } else {
    let hashes = st.hashes;
    for (let j = from; j < n; j++) if (hashes[j] === h) st.exact = false;
    while (n >= hashes.length) hashes = st.wider();
    hashes[n] = h;
    if (n - from === FEW_KEYS) st.sets[depth - 1] = new Set(hashes.subarray(from, n + 1));
  }
  if (b[i] === COLON) return i + 1;
  i = skipSpace(b, i, st);
  if (b[i] !== COLON) throw new SyntaxError('expected :');
  return i + 1;
}

function isWord(b: Uint8Array, at: number, word: string): boolean {
  for (let j = 0; j < word.length; j++) if (b[at + j] !== word.charCodeAt(j)) return false;
  return true;
}

// `true`, `false` or `null` at `i` (its first byte checked by the caller, three more given here, then its end).
function literal(b: Uint8Array, i: number, c1: number, c2: number, c3: number, length: number): number {
  if (b[i + 1] !== c1 || b[i + 2] !== c2 || b[i + 3] !== c3 || (length === 5 && b[i + 4] !== 0x65)) throw new SyntaxError('unexpected token');
  return i + length;
}

function skipNumber(b: Uint8Array, i: number, st: Skip): number {
  const start = i;
  if (b[i] === 0x2d) i++;
  const d0 = i;
  while (isDigit(b[i]!)) i++;
  if (i === d0) throw new SyntaxError('unexpected token');
  if (b[d0] === 0x30 && i - d0 > 1) throw new SyntaxError('leading zero');
  let plain = true;
  if (b[i] === 0x2e) {
    plain = false;
    const f0 = ++i;
    while (isDigit(b[i]!)) i++;
    if (i === f0) throw new SyntaxError('bad fraction');
  }
  let c = b[i];
  if (c === 0x65 || c === 0x45) {
    plain = false;
    c = b[++i];
    if (c === 0x2b || c === 0x2d) i++;
    const e0 = i;
    while (isDigit(b[i]!)) i++;
    if (i === e0) throw new SyntaxError('bad exponent');
  }
  // A short integer (not -0) is written back as it is; anything else only if it reads back the same.
  if (plain && i - d0 <= 15 && !(d0 > start && b[d0] === 0x30)) return i;
  const token = String.fromCharCode(...b.subarray(start, i));
  if (String(Number(token)) !== token) st.exact = false;
  return i;
}

// The end of the string at `i`. Bytes past ASCII are left as they are: the whole is valid UTF-8
// (checked first), so they are characters JSON.stringify writes as they are, never lone surrogates.
function skipString(b: Uint8Array, i: number, st: Skip): number {
  if (b[i] !== QUOTE) throw new SyntaxError('expected a string');
  i++;
  for (;;) {
    let c = b[i]!;
    // Most bytes are above `"` and not `\`: two comparisons each (past the end, undefined, stops it too).
    while (c > QUOTE && c !== BACKSLASH) c = b[++i]!;
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH) i = escape(b, i, st);
    // Past the end (undefined) is not `>= 0x20` either.
    else if (!(c >= 0x20)) throw new SyntaxError(c === undefined ? 'unterminated string' : 'control character in a string');
    else i++;
  }
}

// The end of the escape at `i` (a backslash) of a string.
function escape(b: Uint8Array, i: number, st: Skip): number {
  const e = b[i + 1];
  if (e === QUOTE || e === BACKSLASH || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) return i + 2;
  if (e === 0x2f) {
    // `\/`: JSON.stringify writes a plain `/`.
    st.exact = false;
    return i + 2;
  }
  if (e !== 0x75) throw new SyntaxError('bad escape');
  let code = 0;
  let lower = true;
  for (let j = i + 2; j < i + 6; j++) {
    const h = b[j]!;
    const v = h >= 0x30 && h <= 0x39 ? h - 0x30 : h >= 0x61 && h <= 0x66 ? h - 0x57 : h >= 0x41 && h <= 0x46 ? ((lower = false), h - 0x37) : -1;
    if (v < 0) throw new SyntaxError('bad \\u escape');
    code = code * 16 + v;
  }
  // JSON.stringify escapes only control characters without a short form, in lower case
  // (lone surrogates too, but telling those apart is left to the ordinary path).
  if (!(code < 0x20 && code !== 0x08 && code !== 0x09 && code !== 0x0a && code !== 0x0c && code !== 0x0d && lower)) st.exact = false;
  return i + 6;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/**
 * The stub that stands for a facet in the parsed event: its `_producer`, `_schemaURL` and `_deleted`
 * members as written (what validation reads of a facet), from its own keys that start with `_` (at
 * `keys` in `b`); undefined when one of them is a container.
 */
function stubOf(b: Buffer, keys: readonly number[]): string | undefined {
  const parts: string[] = [];
  for (const k0 of keys) {
    const name = STUB_KEYS.find((n) => isWord(b, k0, n));
    if (name === undefined) continue;
    const end = scalarEnd(b, k0 + name.length);
    if (end === undefined) return undefined;
    parts.push(b.toString('utf8', k0, end));
  }
  return `{${parts.join(',')}}`;
}
const STUB_KEYS = ['"_producer":', '"_schemaURL":', '"_deleted":'];

// Where a string, number or literal starting at `i` of compact JSON ends; undefined for a container.
function scalarEnd(b: Uint8Array, i: number): number | undefined {
  const c = b[i];
  if (c === OPEN_OBJECT || c === OPEN_ARRAY) return undefined;
  if (c !== QUOTE) {
    let j = i;
    while (j < b.length && b[j] !== COMMA && b[j] !== CLOSE_OBJECT) j++;
    return j;
  }
  let j = i + 1;
  while (b[j] !== QUOTE) j += b[j] === BACKSLASH ? 2 : 1;
  return j + 1;
}
