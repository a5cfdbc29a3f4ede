import type { Ledger } from '../lib/ledger.js';
import { GENESIS_HASH, sha256Hex } from '../lib/log/envelope.js';

/** What a verify walk reports. */
export interface WalkResult {
  ok: boolean;
  events: number;
  firstBad?: number;
}

/**
 * The walk that `ledger.verify()` does, over the stored bytes: read in batches, hash each value,
 * check its seq against its key and its `prev` against the previous hash. Kept here until
 * `ledger.verify()` lands, so the benchmark measures the same work either way.
 */
export async function verifyWalk(ledger: Ledger): Promise<WalkResult> {
  const verify = (ledger as unknown as { verify?: () => Promise<WalkResult> }).verify;
  if (typeof verify === 'function') return verify.call(ledger);
  const decoder = new TextDecoder();
  let prev = GENESIS_HASH;
  let expected = 1;
  for await (const batch of ledger.log.readRaw()) {
    for (const [seq, bytes] of batch) {
      const env = JSON.parse(decoder.decode(bytes)) as { seq: number; prev: string };
      if (seq !== expected || env.seq !== seq || env.prev !== prev) return { ok: false, events: expected - 1, firstBad: expected };
      prev = sha256Hex(bytes);
      expected++;
    }
  }
  return { ok: true, events: expected - 1 };
}
