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
  // canonicalJson({ at, data, prev, seq, type, v }), written out: the envelope's keys are in order,
  // its strings and integers are written as JSON writes them, and `data` is written by canonicalJson
  // itself (which reuses a part written before, such as an OpenLineage event's digest text).
  const text = `{"at":${JSON.stringify(at)},"data":${canonicalJson(data)},"prev":${JSON.stringify(prev)},"seq":${seq},"type":${JSON.stringify(type)},"v":${v}}`;
  const bytes = Buffer.from(text, 'utf8');
  const hash = sha256Hex(bytes);
  return { event: { seq, type, v, at, data, prev, hash } as LedgerEvent, bytes };
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
