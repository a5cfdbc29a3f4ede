import { LineageError } from '../errors.js';

/** Frames of a checkpoint download: each a 4-byte big-endian length and that many bytes (the header, then the pieces). */
export function frame(bytes: Uint8Array): Buffer[] {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.byteLength);
  return [length, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)];
}

/** The frames of a checkpoint download, back: the header, then the pieces. */
export function unframe(all: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < all.length) {
    if (at + 4 > all.length) throw new LineageError('CONNECTION_FAILED', 'the ledger server broke off its checkpoint');
    const n = all.readUInt32BE(at);
    if (at + 4 + n > all.length) throw new LineageError('CONNECTION_FAILED', 'the ledger server broke off its checkpoint');
    out.push(all.subarray(at + 4, at + 4 + n));
    at += 4 + n;
  }
  if (out.length === 0) throw new LineageError('CONNECTION_FAILED', 'the ledger server sent an empty checkpoint');
  return out;
}
