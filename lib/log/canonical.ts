import stringify from 'fast-json-stable-stringify';

const PROTO = Object.prototype;

/**
 * Canonical JSON, byte for byte what fast-json-stable-stringify writes (keys in code-unit order,
 * non-finite numbers as null, undefined properties dropped), but without re-sorting keys that are
 * already in order: objects whose keys come in order are kept as they are, the others are copied
 * with their keys in order, and the native JSON.stringify writes the result, which is then the
 * same text. Anything unusual (a toJSON method, a class instance, a typed array, integer-like keys
 * that V8 would reorder) is written by a plain mirror of the reference instead.
 */
export function canonicalJson(value: unknown): string | undefined {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === PROTO) {
    const known = withKnownChild(value as Record<string, unknown>);
    if (known !== undefined) return known;
  }
  const ordered = order(value, 0);
  return ordered === CANNOT ? write(value, 0) : JSON.stringify(ordered);
}

/**
 * `value` with every object's keys in canonical order (objects already in order are shared, not
 * copied), so that JSON.stringify of it is its canonical JSON and a later canonicalJson of anything
 * holding it copies nothing; undefined for what only the mirror writes (see canonicalJson).
 */
export function canonicalOrdered<T>(value: T): T | undefined {
  const ordered = order(value, 0);
  return ordered === CANNOT ? undefined : (ordered as T);
}

// Canonical JSON already written, by the object it was written from (see knownCanonical).
const KNOWN = new WeakMap<object, string>();

/**
 * Remembers `text` as the canonical JSON of `value`, so that canonicalJson of an object holding
 * `value` as one of its properties writes the text instead of walking `value` again. `value` must
 * be an object of the caller's own that nobody changes afterwards.
 */
export function knownCanonical(value: object, text: string): void {
  KNOWN.set(value, text);
}

// An object with a property whose canonical JSON is known, written with that text; else undefined.
function withKnownChild(o: Record<string, unknown>): string | undefined {
  const keys = Object.keys(o);
  let any = false;
  for (let i = 0; i < keys.length; i++) {
    const v = o[keys[i]!];
    if (typeof v === 'object' && v !== null && KNOWN.has(v)) {
      any = true;
      break;
    }
  }
  if (!any || keys.includes('__proto__')) return undefined;
  keys.sort();
  let out = '';
  for (const k of keys) {
    const v = o[k];
    const text = (typeof v === 'object' && v !== null ? KNOWN.get(v) : undefined) ?? canonicalJson(v);
    if (text === undefined) continue;
    if (out) out += ',';
    out += `${JSON.stringify(k)}:${text}`;
  }
  return `{${out}}`;
}

// Deeper than any valid event (params nest at most 32 levels): treat as a cycle, as the reference does.
const MAX_DEPTH = 1000;
const CANNOT = Symbol('cannot');

function plain(o: object): boolean {
  const proto = Object.getPrototypeOf(o);
  return (proto === PROTO || proto === null) && typeof (o as { toJSON?: unknown }).toJSON !== 'function';
}

/** `node` itself when JSON.stringify already writes it canonically, else a copy with keys in order, or CANNOT. */
function order(node: unknown, depth: number): unknown {
  if (typeof node !== 'object' || node === null) return typeof node === 'bigint' ? CANNOT : node;
  if (depth > MAX_DEPTH) return CANNOT;
  if (Array.isArray(node)) {
    if (Object.getPrototypeOf(node) !== Array.prototype || typeof (node as { toJSON?: unknown }).toJSON === 'function') return CANNOT;
    let copy: unknown[] | undefined;
    for (let i = 0; i < node.length; i++) {
      const v = order(node[i], depth + 1);
      if (v === CANNOT) return CANNOT;
      if (v !== node[i]) (copy ??= node.slice())[i] = v;
    }
    return copy ?? node;
  }
  if (!plain(node)) return CANNOT;
  const o = node as Record<string, unknown>;
  const keys = Object.keys(o);
  let sorted = true;
  for (let i = 1; i < keys.length; i++) {
    if (!(keys[i - 1]! < keys[i]!)) {
      sorted = false;
      break;
    }
  }
  if (!sorted) keys.sort();
  // Copies are plain literals (fast properties, unlike null-prototype objects); a '__proto__' key
  // would set their prototype instead, so such objects go to the mirror.
  let copy: Record<string, unknown> | undefined = sorted ? undefined : {};
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = order(o[k], depth + 1);
    if (v === CANNOT || k === '__proto__') return CANNOT;
    if (copy === undefined && v !== o[k]) {
      // A changed child of an ordered object: copy the keys before it, in order.
      copy = {};
      for (let j = 0; j < i; j++) copy[keys[j]!] = o[keys[j]!];
    }
    if (copy !== undefined) copy[k] = v;
  }
  if (copy === undefined) return o;
  // Integer-like keys come first, in numeric order, whatever the insertion order.
  const got = Object.keys(copy);
  for (let i = 0; i < got.length; i++) if (got[i] !== keys[i]) return CANNOT;
  return copy;
}

function write(node: unknown, depth: number): string | undefined {
  switch (typeof node) {
    case 'string':
      return JSON.stringify(node);
    case 'number':
      return Number.isFinite(node) ? String(node) : 'null';
    case 'boolean':
      return node ? 'true' : 'false';
    case 'undefined':
      return undefined;
    case 'object':
      break;
    default:
      return stringify(node);
  }
  if (node === null) return 'null';
  if (depth > MAX_DEPTH) throw new TypeError('Converting circular structure to JSON');
  if (Array.isArray(node)) {
    if (Object.getPrototypeOf(node) !== Array.prototype || typeof (node as { toJSON?: unknown }).toJSON === 'function') return stringify(node);
    let out = '[';
    for (let i = 0; i < node.length; i++) {
      if (i) out += ',';
      out += write(node[i], depth + 1) ?? 'null';
    }
    return `${out}]`;
  }
  if (!plain(node)) return stringify(node);
  const keys = Object.keys(node);
  for (let i = 1; i < keys.length; i++) {
    if (!(keys[i - 1]! < keys[i]!)) {
      keys.sort();
      break;
    }
  }
  let out = '';
  for (const key of keys) {
    const v = write((node as Record<string, unknown>)[key], depth + 1);
    if (v === undefined) continue;
    if (out) out += ',';
    out += `${JSON.stringify(key)}:${v}`;
  }
  return `{${out}}`;
}
