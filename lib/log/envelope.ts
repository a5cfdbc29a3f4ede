import * as crypto from 'node:crypto';
import { canonicalJson } from './canonical.js';
import type { EventType, LedgerEvent } from '../events/types.js';
import { parseStored } from './stored.js';

/** The `prev` of the first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** An event sealed for storage: the exact bytes to store, and their hash. */
export interface Sealed {
  event: LedgerEvent;
  bytes: Buffer;
}

/** Serializes the envelope once to canonical bytes and hashes exactly those bytes. */
export function seal(seq: number, type: EventType, v: number, at: string, data: unknown, prev: string): Sealed {
  return sealJson(seq, type, v, at, canonicalJson(data)!, data, prev);
}

/**
 * The same sealing, with the data already written as canonical JSON (`dataJson`, which `data` parses
 * to): the envelope's keys (at, data, prev, seq, type, v) are in order, so its canonical text is
 * this concatenation, byte for byte what canonicalJson writes. It lets a writer canonicalise its
 * events before the sequencing step, which then only joins and hashes.
 */
export function sealJson(seq: number, type: EventType, v: number, at: string, dataJson: string, data: unknown, prev: string): Sealed {
  const bytes = Buffer.from(`{"at":${JSON.stringify(at)},"data":${dataJson},"prev":${JSON.stringify(prev)},"seq":${seq},"type":${JSON.stringify(type)},"v":${v}}`, 'utf8');
  const hash = sha256Hex(bytes);
  return { event: { seq, type, v, at, data, prev, hash } as LedgerEvent, bytes };
}

/** The length in bytes of what sealJson writes for an event whose seq has `seqDigits` digits (the time is always 24 characters). */
export function sealedSize(type: string, v: number, dataJson: string, seqDigits: number): number {
  return 135 + Buffer.byteLength(dataJson) + Buffer.byteLength(JSON.stringify(type)) + seqDigits + String(v).length;
}

/** Parses stored bytes back into an event; `hash` is recomputed from the bytes, never trusted. */
export function unseal(bytes: Uint8Array): LedgerEvent {
  const env = parseStored(bytes);
  env.hash = sha256Hex(bytes);
  return env;
}

// A namespace lookup, so that Node versions before 20.12 (no crypto.hash) still load this module.
const oneShot = (crypto as { hash?: typeof crypto.hash }).hash;

/** SHA-256 of bytes (of a string: of its UTF-8), as lower-case hex. */
export function sha256Hex(bytes: Uint8Array | string): string {
  // crypto.hash (Node ≥ 20.12) hashes in one call, about twice as fast for event-sized inputs.
  return oneShot ? oneShot('sha256', bytes, 'hex') : crypto.createHash('sha256').update(bytes).digest('hex');
}
