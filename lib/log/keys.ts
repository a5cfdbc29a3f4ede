/** Width of a sequence key: 16 decimal digits cover every safe integer, and byte order is numeric order. */
const WIDTH = 16;

/** The log key of sequence number `seq`. */
export function seqKey(seq: number): string {
  return String(seq).padStart(WIDTH, '0');
}

/** The sequence number of a log key. */
export function keySeq(key: string): number {
  return Number(key);
}
