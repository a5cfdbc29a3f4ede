import { createHash } from 'node:crypto';

/**
 * SHA-256 (hex) of a string's UTF-8, as `createHash('sha256').update(text)` computes it, a slice at a
 * time: hashing a 20 MB string whole first encodes it into one fresh 20 MB buffer, whose page faults
 * cost several times the hashing. A slice never ends inside a surrogate pair (each half would then be
 * encoded as U+FFFD), so the bytes hashed are the same.
 */
export function sha256OfText(text: string, sliceChars = 1 << 16): string {
  const hash = createHash('sha256');
  for (let i = 0; i < text.length; ) {
    let end = Math.min(text.length, i + sliceChars);
    const last = text.charCodeAt(end - 1);
    const next = text.charCodeAt(end);
    if (last >= 0xd800 && last <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) end++;
    hash.update(text.slice(i, end));
    i = end;
  }
  return hash.digest('hex');
}
