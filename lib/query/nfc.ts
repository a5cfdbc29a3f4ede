// A string of code units below U+0300 is already in NFC: none of them has a decomposition that NFC
// keeps apart, and none combines with what follows (the first combining mark is U+0300).
/** `s` in Unicode NFC; names in ASCII or Latin-1 (most of them) skip ICU's normalization. */
export function nfc(s: string): string {
  // A loop over code units: several times cheaper than a regular expression for names this short.
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x300) return s.normalize('NFC');
  return s;
}
