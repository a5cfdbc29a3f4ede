// A string of code units below U+0300 is already in NFC: none of them has a decomposition that NFC
// keeps apart, and none combines with what follows (the first combining mark is U+0300).
const MAYBE_NOT_NFC = /[^\u0000-\u02ff]/;

/** `s` in Unicode NFC; names in ASCII or Latin-1 (most of them) skip ICU's normalization. */
export function nfc(s: string): string {
  return MAYBE_NOT_NFC.test(s) ? s.normalize('NFC') : s;
}
