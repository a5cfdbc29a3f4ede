import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

// One system call fills a pool for hundreds of ids: a call per id cost about 5% of an add() here.
const pool = Buffer.alloc(4096);
let next = pool.length;

function randomByte(): number {
  if (next === pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  return pool[next++]!;
}

/** A random base62 id of `length` characters (16 by default: 95 bits, like lamindb's uids). */
export function newId(length = 16): string {
  let out = '';
  while (out.length < length) {
    const b = randomByte();
    // 248 = 4 * 62: rejecting bytes above it keeps the alphabet uniform.
    if (b < 248) out += ALPHABET[b % 62];
  }
  return out;
}
