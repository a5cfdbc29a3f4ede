import type { LedgerEvent } from '../events/types.js';

// ignoreBOM keeps a leading byte-order mark in the text, so JSON.parse rejects it, as it does after
// Buffer#toString: bytes that are not a stored envelope never parse as one.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** Parses an event's stored bytes; its `hash` is left for the caller to compute from the same bytes. */
export function parseStored(bytes: Uint8Array): LedgerEvent {
  // TextDecoder reads any Uint8Array in place: no Buffer wrapper per event, as Buffer.from(...) made.
  return JSON.parse(decoder.decode(bytes)) as LedgerEvent;
}
