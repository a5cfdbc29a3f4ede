/** The typed arrays a checkpoint stores as raw bytes, by tag. */
const TYPED = { i32: Int32Array, f64: Float64Array, u8: Uint8Array } as const;
export type TypedTag = keyof typeof TYPED;
export type Typed = Int32Array<ArrayBuffer> | Float64Array<ArrayBuffer> | Uint8Array<ArrayBuffer>;
/** A view of a typed array, as a subarray gives it. */
type View = Int32Array | Float64Array | Uint8Array;

/** What a piece says about itself: its kind, its name, the index of its first entry, and how its body is stored. */
export interface PieceHead {
  /** 'counts', 'column' or 'edges'. */
  k: string;
  /** The column or relation. */
  n?: string;
  /** The index of the first entry (edge) of the piece in its column (relation). */
  i?: number;
  /** 'json', or the typed array the body holds (in this machine's byte order, which the header records). */
  t: 'json' | TypedTag;
}

/** A piece as stored: a 4-byte little-endian length, the head as JSON, and the body. Numbers stay binary: nothing to parse. */
export function encodePiece(head: PieceHead, body: unknown): Uint8Array {
  const h = Buffer.from(JSON.stringify(head));
  const b = head.t === 'json' ? Buffer.from(JSON.stringify(body)) : bytesOf(body as View);
  const out = Buffer.allocUnsafe(4 + h.length + b.length);
  out.writeUInt32LE(h.length, 0);
  h.copy(out, 4);
  b.copy(out, 4 + h.length);
  return out;
}

/** The head and body of a stored piece (a typed body copied to aligned memory); throws on a malformed piece. */
export function decodePiece(bytes: Uint8Array): { head: PieceHead; body: unknown } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 4) throw new Error('checkpoint piece is truncated');
  const n = buf.readUInt32LE(0);
  if (4 + n > buf.length) throw new Error('checkpoint piece is truncated');
  const head = JSON.parse(buf.toString('utf8', 4, 4 + n)) as PieceHead;
  if (head === null || typeof head !== 'object' || typeof head.k !== 'string') throw new Error('checkpoint piece head is malformed');
  const start = 4 + n;
  if (head.t === 'json') return { head, body: JSON.parse(buf.toString('utf8', start)) };
  const Type = TYPED[head.t as TypedTag];
  if (!Type || (buf.length - start) % Type.BYTES_PER_ELEMENT !== 0) throw new Error('checkpoint piece body is malformed');
  const copy = new Uint8Array(buf.length - start);
  copy.set(buf.subarray(start));
  return { head, body: new Type(copy.buffer, 0, copy.length / Type.BYTES_PER_ELEMENT) };
}

/** The tag of a typed array. */
export function tagOf(a: View): TypedTag {
  return a instanceof Int32Array ? 'i32' : a instanceof Float64Array ? 'f64' : 'u8';
}

/** Typed arrays joined, in order. */
export function joinTyped<T extends Typed>(parts: readonly View[]): T {
  if (parts.length === 1 && parts[0]!.byteOffset === 0) return parts[0] as T;
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new (parts[0]!.constructor as new (n: number) => T)(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function bytesOf(a: View): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}
