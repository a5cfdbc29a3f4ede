import { ensure } from './columns.js';

/**
 * A hash index from strings to entries (dense integers) whose keys live elsewhere: it stores one
 * Int32 slot per bucket and each entry's hash code, and asks `keyOf(entry)` only to confirm a
 * match, so the strings are held once, by their table. At a load of 1M events this is about 12
 * bytes per key where a Map<string, …> took ~60, and growing it rehashes no string.
 */
export class StringIndex {
  readonly #keyOf: (entry: number) => string;
  /** entry + 1 per bucket (0: empty); open addressing with linear probing; at most half full. */
  #slots: Int32Array<ArrayBuffer>;
  #mask: number;
  #count = 0;
  /** The hash code of each entry's key, by entry. */
  #codes = new Int32Array(16);

  /** An index whose entry `e` has the key `keyOf(e)`, sized for about `expected` keys. */
  constructor(keyOf: (entry: number) => string, expected = 8) {
    this.#keyOf = keyOf;
    let n = 16;
    while (n < expected * 2) n *= 2;
    this.#slots = new Int32Array(n);
    this.#mask = n - 1;
  }

  /** How many keys the index holds. */
  get size(): number {
    return this.#count;
  }

  /** The entry of `key`, or -1. */
  get(key: string): number {
    return this.#find(key, hash(key));
  }

  /**
   * The entry of `key` in Unicode NFC, as `get(key.normalize('NFC'))` finds it: the hash's pass
   * over the key tells whether any code unit may need normalizing (none below U+0300 does), so
   * most keys are read once, not once to check and once to hash.
   */
  getNfc(key: string): number {
    const code = hash(key);
    if (wide) {
      const normal = key.normalize('NFC');
      if (normal !== key) return this.get(normal);
    }
    return this.#find(key, code);
  }

  /** The entry of `key`, whose hash code is `code`, or -1. */
  #find(key: string, code: number): number {
    const slots = this.#slots;
    const codes = this.#codes;
    const mask = this.#mask;
    for (let b = code & mask; ; b = (b + 1) & mask) {
      const s = slots[b]!;
      if (s === 0) return -1;
      if (codes[s - 1] === code && this.#keyOf(s - 1) === key) return s - 1;
    }
  }

  /** Maps `key` to `entry`: adds the key, or points an existing key at the new entry; returns the entry it had, or -1. */
  set(key: string, entry: number): number {
    const code = hash(key);
    const mask = this.#mask;
    if (entry >= this.#codes.length) this.#codes = ensure(this.#codes, entry + 1);
    this.#codes[entry] = code;
    let b = code & mask;
    for (;;) {
      const s = this.#slots[b]!;
      if (s === 0) break;
      if (this.#codes[s - 1] === code && this.#keyOf(s - 1) === key) {
        this.#slots[b] = entry + 1;
        return s - 1;
      }
      b = (b + 1) & mask;
    }
    this.#slots[b] = entry + 1;
    if (++this.#count * 2 > this.#slots.length) this.#grow();
    return -1;
  }

  #grow(): void {
    const old = this.#slots;
    const codes = this.#codes;
    const slots = new Int32Array(old.length * 2);
    const mask = slots.length - 1;
    for (let j = 0; j < old.length; j++) {
      const s = old[j]!;
      if (s === 0) continue;
      let b = codes[s - 1]! & mask;
      while (slots[b] !== 0) b = (b + 1) & mask;
      slots[b] = s;
    }
    this.#slots = slots;
    this.#mask = mask;
  }
}

/** Set by `hash()`: true when the key may hold a code unit at or above U+0300 (the OR of its code units is). */
let wide = false;

/** FNV-1a over the UTF-16 code units, with a final avalanche so that the low bits (the bucket) mix well. */
function hash(s: string): number {
  // Int32 throughout: an unsigned or too-large start would make `h` a heap number in the loop.
  let h = 0x811c9dc5 | 0;
  let any = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    any |= c;
    h = Math.imul(h ^ c, 0x01000193);
  }
  wide = any >= 0x300;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  return h ^ (h >>> 13);
}
