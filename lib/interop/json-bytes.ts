// The bytes of JSON.stringify(value) as UTF-8, and their length, without building one large string.
// V8 builds a long JSON.stringify result as a rope of parts; turning it into bytes (Buffer.from,
// Buffer.byteLength, a hash) first copies it flat, which for a 200 KB Spark plan cost twice the
// stringify itself. Small parts are flat already, so a large value is written part by part instead.

const PROTO = Object.prototype;
// Printable ASCII but `"` and `\`: such a string's JSON is itself in quotes, one byte a character.
const PLAIN_TEXT = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
// A container with more children than this is written child by child; smaller ones in one piece.
const WIDE = 16;
// Below this depth every container is written child by child (a facet's own fields, the plan's list).
const SHALLOW = 2;
// Past this depth the rest is left to JSON.stringify (which also reports a cycle as it always did).
const DEEP = 64;

/** Whether JSON.stringify treats `o` as a plain object or array (no toJSON, no class): the cases written here. */
function plain(o: object): boolean {
  const proto = Object.getPrototypeOf(o);
  if (Array.isArray(o)) return proto === Array.prototype && typeof (o as { toJSON?: unknown }).toJSON !== 'function';
  return (proto === PROTO || proto === null) && typeof (o as { toJSON?: unknown }).toJSON !== 'function';
}

/** UTF-8 bytes of JSON.stringify(s) for a string. */
function stringBytes(s: string): number {
  return PLAIN_TEXT.test(s) ? s.length + 2 : Buffer.byteLength(JSON.stringify(s));
}

const TOO_LARGE = -1;
const UNKNOWN = -2;

/**
 * `Buffer.byteLength(JSON.stringify(value) ?? 'null')`, exactly, when it is at most `limit`; -1 when
 * it is larger (found without walking the rest). Values JSON.stringify writes in its own way (toJSON,
 * class instances, bigint) are measured by JSON.stringify itself.
 */
export function jsonSizeWithin(value: unknown, limit: number): number {
  const n = measure(value, limit, 0);
  if (n === UNKNOWN) return fit(Buffer.byteLength(JSON.stringify(value) ?? 'null'), limit);
  return n === undefined ? fit(4, limit) : n;
}

// Bytes of one value (undefined: JSON.stringify leaves it out), TOO_LARGE past `left`, or UNKNOWN.
function measure(v: unknown, left: number, depth: number): number | undefined {
  switch (typeof v) {
    case 'string':
      return fit(stringBytes(v), left);
    case 'number':
      return fit(Number.isFinite(v) ? String(v).length : 4, left);
    case 'boolean':
      return fit(v ? 4 : 5, left);
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'bigint':
      return UNKNOWN;
  }
  if (v === null) return fit(4, left);
  if (depth > DEEP || !plain(v as object)) return UNKNOWN;
  let n = 2;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      if (i > 0) n++;
      const c = measure(v[i], left - n, depth + 1);
      if (c === TOO_LARGE || c === UNKNOWN) return c;
      n += c ?? 4;
      if (n > left) return TOO_LARGE;
    }
    return fit(n, left);
  }
  let first = true;
  for (const key in v as object) {
    if (!Object.prototype.hasOwnProperty.call(v, key)) continue;
    const c = measure((v as Record<string, unknown>)[key], left - n, depth + 1);
    if (c === undefined) continue;
    if (c === TOO_LARGE || c === UNKNOWN) return c;
    n += (first ? 0 : 1) + stringBytes(key) + 1 + c;
    first = false;
    if (n > left) return TOO_LARGE;
  }
  return fit(n, left);
}

function fit(n: number, left: number): number {
  return n > left ? TOO_LARGE : n;
}

/** A growing byte buffer, reused between calls (its bytes are copied out at the end). */
class Writer {
  buf = Buffer.allocUnsafe(256 * 1024);
  n = 0;
  // Small parts are joined (join makes one flat string) and written some 32 K characters at a time.
  #parts: string[] = [];
  #length = 0;
  write(s: string): void {
    this.#parts.push(s);
    this.#length += s.length;
    if (this.#length > 32 * 1024) this.flush();
  }
  /** Starts over (also after a throw midway: a cycle, a bigint). */
  reset(): void {
    this.n = 0;
    this.#parts.length = 0;
    this.#length = 0;
  }
  flush(): void {
    if (this.#parts.length === 0) return;
    const s = this.#parts.length === 1 ? this.#parts[0]! : this.#parts.join('');
    this.#parts.length = 0;
    this.#length = 0;
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (this.n + s.length * 3 > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.n + s.length * 3));
      this.buf.copy(bigger, 0, 0, this.n);
      this.buf = bigger;
    }
    this.n += this.buf.write(s, this.n);
  }
}
const scratch = new Writer();

/**
 * Exactly the UTF-8 bytes of JSON.stringify(value) (`null` for what it leaves out), written a part at
 * a time into a reused buffer: wide or shallow containers child by child, the rest by JSON.stringify.
 */
export function jsonBytes(value: unknown): Buffer {
  scratch.reset();
  put(scratch, value, 0);
  scratch.flush();
  const out = Buffer.allocUnsafeSlow(scratch.n);
  scratch.buf.copy(out, 0, 0, scratch.n);
  // A one-off huge value does not keep its buffer alive.
  if (scratch.buf.length > 4 * 1024 * 1024) scratch.buf = Buffer.allocUnsafe(256 * 1024);
  return out;
}

// Writes the JSON of `v`, which JSON.stringify does not leave out (a container written in pieces, or a value whole).
function put(w: Writer, v: unknown, depth: number): void {
  if (!inPieces(v, depth)) {
    w.write(JSON.stringify(v) ?? 'null');
    return;
  }
  if (Array.isArray(v)) {
    w.write('[');
    for (let i = 0; i < v.length; i++) {
      if (i > 0) w.write(',');
      put(w, v[i], depth + 1);
    }
    w.write(']');
    return;
  }
  w.write('{');
  let first = true;
  for (const key of Object.keys(v as object)) {
    const c = (v as Record<string, unknown>)[key];
    const pieces = inPieces(c, depth + 1);
    // What JSON.stringify leaves out of an object (undefined, a function, a symbol, a toJSON giving undefined) is left out here.
    const whole = pieces ? undefined : JSON.stringify(c);
    if (!pieces && whole === undefined) continue;
    w.write(first ? `${JSON.stringify(key)}:` : `,${JSON.stringify(key)}:`);
    first = false;
    if (pieces) put(w, c, depth + 1);
    else w.write(whole!);
  }
  w.write('}');
}

// A plain container that is wide, or near the top: written child by child.
function inPieces(v: unknown, depth: number): boolean {
  if (v === null || typeof v !== 'object' || depth > DEEP || !plain(v)) return false;
  return depth < SHALLOW || (Array.isArray(v) ? v.length > WIDE : Object.keys(v).length > WIDE);
}
