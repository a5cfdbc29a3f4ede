import type { LedgerEvent } from '../events/types.js';
import { sha256Hex } from './envelope.js';

/**
 * Whether `text`, a stored value as LevelDB (classic-level) decoded it, is exactly the stored bytes
 * in UTF-8. The decoder keeps every valid UTF-8 sequence (a byte-order mark too) and puts U+FFFD for
 * each invalid one; UTF-8 is one-to-one on valid sequences. So text without U+FFFD encodes back to the
 * very bytes that were stored, and its SHA-256 is theirs; text with U+FFFD may not, and is not used.
 */
export function isExactText(text: string): boolean {
  return !text.includes('\uFFFD');
}

/** One stored event read as text (see isExactText): its bytes are the text's UTF-8, made when asked for. */
export class StoredText {
  readonly event: LedgerEvent;
  readonly #text: string;

  /** Parses `text` and hashes its UTF-8, that is the stored bytes; throws on JSON that does not parse. */
  constructor(text: string) {
    const env = JSON.parse(text) as LedgerEvent;
    env.hash = sha256Hex(text);
    this.event = env;
    this.#text = text;
  }

  get bytes(): Uint8Array {
    return Buffer.from(this.#text, 'utf8');
  }
}
