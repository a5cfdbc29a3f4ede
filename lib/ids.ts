import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** A random base62 id of `length` characters (16 by default: 95 bits, like lamindb's uids). */
export function newId(length = 16): string {
  const bytes = randomBytes(length);
  let out = '';
  // 248 = 4 * 62: rejecting bytes above it keeps the alphabet uniform.
  for (let i = 0; out.length < length; i++) {
    if (i === bytes.length) return out + newId(length - out.length);
    const b = bytes[i]!;
    if (b < 248) out += ALPHABET[b % 62];
  }
  return out;
}
