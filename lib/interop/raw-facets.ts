// Reading an OpenLineage event's JSON text without parsing its large facets. A 200 KB Spark logical
// plan was parsed (JSON.parse), written back to bytes (jsonBytes) and hashed, only to be stored as
// those bytes: parsing it and writing it again cost several times the rest of its event. When the
// received text of a facet is already exactly what JSON.stringify would write for it, those bytes are
// the blob, and the facet is never parsed. Anything else (whitespace, an escape JSON.stringify would
// not write, a number it would write otherwise, duplicate or integer-like keys, anything in doubt)
// keeps the ordinary path: parse everything, write the facet again. Both give the same bytes.

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
  let found: Found[];
  try {
    found = new Scanner(text).event();
  } catch {
    // Not JSON, or nested past the stack: the parser says what is wrong, or parses it whole.
    return parse(text);
  }
  if (found.length === 0) return parse(text);
  // Bytes that are not valid UTF-8 were decoded with replacement characters: offsets would not match.
  const bytes = utf8 !== undefined && isUtf8(utf8) ? utf8 : undefined;
  let reduced = '';
  let from = 0;
  for (const f of found) {
    reduced += text.slice(from, f.start) + f.stub;
    from = f.end;
  }
  const value = parse(reduced + text.slice(from));
  for (const f of found) {
    const stub = at(value, f.path);
    // The containers on the way have no duplicate keys (checked), so the stub is the one placed.
    if (stub === null || typeof stub !== 'object') return parse(text);
    // A view of the caller's bytes, not a copy: a fresh 200 KB buffer costs its page faults.
    RAW.set(stub, bytes ? Buffer.from(bytes.buffer, bytes.byteOffset + f.start + f.extraBefore, f.end + f.extraAfter - f.start - f.extraBefore) : Buffer.from(text.slice(f.start, f.end), f.encoding));
  }
  return value;
}

function at(value: unknown, path: (string | number)[]): unknown {
  let node = value;
  for (const key of path) node = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[key] : undefined;
  return node;
}

/** A large facet found in the text: where its value is, the stub to put there, and its path in the event. */
interface Found {
  start: number;
  end: number;
  stub: string;
  path: (string | number)[];
  /** How its text is written to bytes (its UTF-8 either way). */
  encoding: 'latin1' | 'utf8';
  /** UTF-8 bytes past one per character in the text before its start and before its end. */
  extraBefore: number;
  extraAfter: number;
}

// Where facets sit: the path from the event's top to a facets container, as `facetSlots` reads them.
type Place = 'top' | 'holder' | 'list' | 'item' | 'facets';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** What one scan of a text keeps track of (one per parseEventText call, so that scans never share state). */
class ScanState {
  /** Cleared by skipValue when the text it skipped is not exactly what JSON.stringify writes for its value. */
  exact = true;
  /** Cleared by skipString on a character past ASCII. */
  ascii = true;
  /** Counted by skipString: UTF-8 bytes past one per character, in the strings skipped so far (only strings hold characters past ASCII). */
  extra = 0;
  /** The level (in keyStart) of the facet being skipped, and where its own keys `_…` start in the text. */
  ownLevel = -1;
  readonly ownKeys: number[] = [];
  /** The containers open while skipping: 1 an object, 2 an array; for objects, the hashes of their keys so far. */
  readonly kinds: number[] = [];
  readonly keyStart: number[] = [];
  readonly keyHashes: number[] = [];
  readonly keySets: (Set<number> | undefined)[] = [];
}

/**
 * One pass over an event's text: checks that it is JSON and finds its large facets whose text is
 * exactly JSON.stringify's. The few containers on the way to facets are walked here (their keys
 * must be unique, so that a path names one value); everything else by `skipValue`. Throws on
 * anything that is not JSON.
 */
class Scanner {
  readonly #s: string;
  #i = 0;
  readonly #found: Found[] = [];
  readonly #st = new ScanState();

  constructor(text: string) {
    this.#s = text;
  }

  event(): Found[] {
    this.#i = skipSpace(this.#st, this.#s, this.#i);
    if (this.#s.charCodeAt(this.#i) !== 0x7b) throw new SyntaxError('not an object');
    this.#object('top', []);
    this.#i = skipSpace(this.#st, this.#s, this.#i);
    if (this.#i !== this.#s.length) throw new SyntaxError('text after the value');
    return this.#found;
  }

  // A value at `place`, at `path`: containers on the way to facets are walked, the rest skipped.
  #value(place: Place | undefined, path: (string | number)[]): void {
    const s = this.#s;
    this.#i = skipSpace(this.#st, s, this.#i);
    const c = s.charCodeAt(this.#i);
    if (place !== undefined && c === 0x7b) this.#object(place, path);
    else if (place === 'list' && c === 0x5b) this.#list(path);
    else this.#i = skipValue(this.#st, s, this.#i);
  }

  #object(place: Place, path: (string | number)[]): void {
    const s = this.#s;
    this.#i = skipSpace(this.#st, s, this.#i + 1);
    if (s.charCodeAt(this.#i) === 0x7d) {
      this.#i++;
      return;
    }
    const keys = new Set<string>();
    for (;;) {
      this.#i = skipSpace(this.#st, s, this.#i);
      const k0 = this.#i;
      this.#i = skipString(this.#st, s, k0);
      const rawKey = s.slice(k0 + 1, this.#i - 1);
      if (keys.has(rawKey)) throw new SyntaxError('duplicate key on the way to facets');
      keys.add(rawKey);
      this.#i = skipSpace(this.#st, s, this.#i);
      if (s.charCodeAt(this.#i) !== 0x3a) throw new SyntaxError('expected :');
      this.#i++;
      if (place === 'facets') this.#facet(path, rawKey);
      else {
        const next = nextPlace(place, path, rawKey);
        this.#value(next, next === undefined ? path : [...path, rawKey]);
      }
      this.#i = skipSpace(this.#st, s, this.#i);
      const c = s.charCodeAt(this.#i++);
      if (c === 0x7d) return;
      if (c !== 0x2c) throw new SyntaxError('expected , or }');
    }
  }

  #list(path: (string | number)[]): void {
    const s = this.#s;
    this.#i = skipSpace(this.#st, s, this.#i + 1);
    if (s.charCodeAt(this.#i) === 0x5d) {
      this.#i++;
      return;
    }
    for (let n = 0; ; n++) {
      this.#value('item', [...path, n]);
      this.#i = skipSpace(this.#st, s, this.#i);
      const c = s.charCodeAt(this.#i++);
      if (c === 0x5d) return;
      if (c !== 0x2c) throw new SyntaxError('expected , or ]');
    }
  }

  // The facet named `rawKey` (as written) of the facets container at `path`.
  #facet(path: (string | number)[], rawKey: string): void {
    const s = this.#s;
    const start = (this.#i = skipSpace(this.#st, s, this.#i));
    this.#st.exact = true;
    this.#st.ascii = true;
    // The facet's own keys are those of the object skipValue opens first.
    this.#st.ownLevel = this.#st.kinds.length + 1;
    this.#st.ownKeys.length = 0;
    const extraBefore = this.#st.extra;
    const end = (this.#i = skipValue(this.#st, s, start));
    const extraAfter = this.#st.extra;
    this.#st.ownLevel = -1;
    if (!this.#st.exact || s.charCodeAt(start) !== 0x7b || end - start <= LARGE_FACET_BYTES) return;
    const name = JSON.parse(`"${rawKey}"`) as string;
    if (parsedAnyway(name)) return;
    const stub = stubOf(this.#st, s, this.#st.ownKeys);
    this.#st.extra = extraAfter;
    // Latin-1 writes an ASCII slice as it is, many times faster than UTF-8 writes a sliced string.
    if (stub !== undefined) this.#found.push({ start, end, stub, path: [...path, name], encoding: this.#st.ascii ? 'latin1' : 'utf8', extraBefore, extraAfter });
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


function skipSpace(st: ScanState, s: string, i: number): number {
  for (let c = s.charCodeAt(i); c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = s.charCodeAt(++i)) st.exact = false;
  return i;
}

const OBJECT = 1;
const ARRAY = 2;
// Keys of one object compared one by one up to this many, then through a set of their hashes.
const FEW_KEYS = 16;

/**
 * The end of the JSON value at `i` of `s` (iteratively: any depth). Clears `st.exact` when its text is
 * not what JSON.stringify would write for the parsed value: whitespace, escapes it would not write,
 * numbers it would write otherwise, and (conservatively) keys that repeat or share a hash, keys
 * that start with a digit (V8 orders integer keys first), `__proto__` and `constructor`.
 */
function skipValue(st: ScanState, s: string, i: number): number {
  const { kinds, keyStart, keySets, keyHashes } = st;
  const base = kinds.length;
  const hashBase = keyHashes.length;
  try {
    for (;;) {
      // A value.
      i = skipSpace(st, s, i);
      let c = s.charCodeAt(i);
      if (c === 0x7b || c === 0x5b) {
        i = skipSpace(st, s, i + 1);
        const close = c === 0x7b ? 0x7d : 0x5d;
        if (s.charCodeAt(i) === close) i++;
        else {
          kinds.push(c === 0x7b ? OBJECT : ARRAY);
          keyStart.push(keyHashes.length);
          keySets.push(undefined);
          if (c === 0x7b) i = key(st, s, i);
          continue;
        }
      } else if (c === QUOTE) i = skipString(st, s, i);
      else if (c === 0x74) i = literal(s, i, 'true');
      else if (c === 0x66) i = literal(s, i, 'false');
      else if (c === 0x6e) i = literal(s, i, 'null');
      else i = skipNumber(st, s, i);
      // After a value: close what ends here, until a comma or the end.
      for (;;) {
        if (kinds.length === base) return i;
        i = skipSpace(st, s, i);
        c = s.charCodeAt(i++);
        const kind = kinds[kinds.length - 1];
        if (c === 0x2c) {
          if (kind === OBJECT) i = key(st, s, i);
          break;
        }
        if (c !== (kind === OBJECT ? 0x7d : 0x5d)) throw new SyntaxError('expected , or a closing bracket');
        kinds.pop();
        keyHashes.length = keyStart.pop()!;
        keySets.pop();
      }
    }
  } finally {
    kinds.length = base;
    keyStart.length = base;
    keySets.length = base;
    keyHashes.length = hashBase;
  }
}

// A key and its colon, checked against the other keys of its object; returns where its value starts.
function key(st: ScanState, s: string, i: number): number {
  const { keyStart, keySets, keyHashes } = st;
  i = skipSpace(st, s, i);
  const k0 = i;
  i = skipString(st, s, i);
  // The hash of the key as written (collisions only make it look repeated: the ordinary path then).
  let h = 0;
  for (let j = k0 + 1; j < i - 1; j++) h = (Math.imul(h, 31) + s.charCodeAt(j)) | 0;
  const first = s.charCodeAt(k0 + 1);
  if ((first >= 0x30 && first <= 0x39) || ((first === 0x5f || first === 0x63) && (s.startsWith('"__proto__"', k0) || s.startsWith('"constructor"', k0)))) st.exact = false;
  if (keyStart.length === st.ownLevel && first === 0x5f) st.ownKeys.push(k0);
  const top = keyStart.length - 1;
  const from = keyStart[top]!;
  let set = keySets[top];
  if (set) {
    if (set.has(h)) st.exact = false;
    set.add(h);
  } else {
    for (let j = from; j < keyHashes.length; j++) if (keyHashes[j] === h) st.exact = false;
    keyHashes.push(h);
    if (keyHashes.length - from > FEW_KEYS) keySets[top] = set = new Set(keyHashes.slice(from));
  }
  i = skipSpace(st, s, i);
  if (s.charCodeAt(i) !== 0x3a) throw new SyntaxError('expected :');
  return i + 1;
}

function literal(s: string, i: number, word: string): number {
  if (!s.startsWith(word, i)) throw new SyntaxError('unexpected token');
  return i + word.length;
}

function skipNumber(st: ScanState, s: string, i: number): number {
  const start = i;
  if (s.charCodeAt(i) === 0x2d) i++;
  const d0 = i;
  while (isDigit(s.charCodeAt(i))) i++;
  if (i === d0) throw new SyntaxError('unexpected token');
  if (s.charCodeAt(d0) === 0x30 && i - d0 > 1) throw new SyntaxError('leading zero');
  let plain = true;
  if (s.charCodeAt(i) === 0x2e) {
    plain = false;
    const f0 = ++i;
    while (isDigit(s.charCodeAt(i))) i++;
    if (i === f0) throw new SyntaxError('bad fraction');
  }
  let c = s.charCodeAt(i);
  if (c === 0x65 || c === 0x45) {
    plain = false;
    c = s.charCodeAt(++i);
    if (c === 0x2b || c === 0x2d) i++;
    const e0 = i;
    while (isDigit(s.charCodeAt(i))) i++;
    if (i === e0) throw new SyntaxError('bad exponent');
  }
  // A short integer (not -0) is written back as it is; anything else only if it reads back the same.
  if (plain && i - d0 <= 15 && !(d0 > start && s.charCodeAt(d0) === 0x30)) return i;
  const token = s.slice(start, i);
  if (String(Number(token)) !== token) st.exact = false;
  return i;
}

// The end of the string at `i`.
function skipString(st: ScanState, s: string, i: number): number {
  if (s.charCodeAt(i) !== QUOTE) throw new SyntaxError('expected a string');
  i++;
  for (;;) {
    const c = s.charCodeAt(i);
    if (c === QUOTE) break;
    if (c === BACKSLASH) {
      const e = s.charCodeAt(i + 1);
      if (e === QUOTE || e === BACKSLASH || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) i += 2;
      else if (e === 0x2f) {
        // `\/`: JSON.stringify writes a plain `/`.
        st.exact = false;
        i += 2;
      } else if (e === 0x75) {
        const hex = s.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new SyntaxError('bad \\u escape');
        const code = parseInt(hex, 16);
        // JSON.stringify escapes only control characters without a short form, in lower case
        // (lone surrogates too, but telling those apart is left to the ordinary path).
        if (!(code < 0x20 && code !== 0x08 && code !== 0x09 && code !== 0x0a && code !== 0x0c && code !== 0x0d && hex === hex.toLowerCase())) st.exact = false;
        i += 6;
      } else throw new SyntaxError('bad escape');
      continue;
    }
    // NaN past the end: not `>= 0x20` either.
    if (!(c >= 0x20)) throw new SyntaxError(Number.isNaN(c) ? 'unterminated string' : 'control character in a string');
    if (c >= 0x80) {
      st.ascii = false;
      // Two bytes up to U+07FF, three in the rest of the BMP, four for a surrogate pair (two characters).
      st.extra += c < 0x800 ? 1 : c >= 0xd800 && c <= 0xdbff ? 1 : 2;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      // A lone surrogate is escaped by JSON.stringify: only a well-formed pair is written as it is.
      const d = s.charCodeAt(i + 1);
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        st.extra++;
        i += 2;
      } else {
        st.exact = false;
        i++;
      }
      continue;
    }
    i++;
  }
  return i + 1;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/**
 * The stub that stands for a facet in the parsed event: its `_producer`, `_schemaURL` and `_deleted`
 * members as written (what validation reads of a facet), from its own keys that start with `_` (at
 * `keys` in `s`); undefined when one of them is a container.
 */
function stubOf(st: ScanState, s: string, keys: readonly number[]): string | undefined {
  const parts: string[] = [];
  for (const k0 of keys) {
    const name = ['"_producer":', '"_schemaURL":', '"_deleted":'].find((n) => s.startsWith(n, k0));
    if (name === undefined) continue;
    const end = scalarEnd(st, s, k0 + name.length);
    if (end === undefined) return undefined;
    parts.push(s.slice(k0, end));
  }
  return `{${parts.join(',')}}`;
}

// Where a string, number or literal starting at `i` of compact JSON ends; undefined for a container.
function scalarEnd(st: ScanState, text: string, i: number): number | undefined {
  const c = text.charCodeAt(i);
  if (c === 0x7b || c === 0x5b) return undefined;
  if (c !== QUOTE) {
    let j = i;
    while (j < text.length && text.charCodeAt(j) !== 0x2c && text.charCodeAt(j) !== 0x7d) j++;
    return j;
  }
  return skipString(st, text, i);
}
