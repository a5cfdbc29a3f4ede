import { LineageError } from '../errors.js';
import { validateEvent } from '../events/catalog.js';
import { GENESIS_HASH, sha256Hex } from '../log/envelope.js';
import type { Head } from '../log/event-log.js';

/** The first problem `verify()` found: the seq it concerns and why. */
export interface VerifyProblem {
  seq: number;
  reason: string;
}

/** What `ledger.verify()` returns. */
export interface VerifyResult {
  /** True when every stored event is intact, linked and contiguous (and matches `expectHead`, when given). */
  ok: boolean;
  /** Events read (up to and including the first bad one). */
  events: number;
  /** Where the walk stopped: the last event read that passed its own checks (the log's head when ok; seq 0 when none). */
  head: Head;
  /**
   * The first event the chain does not vouch for. An event's bytes are vouched for by the `prev` of the
   * next event, so an edit of event k in place shows up as k; the last event is vouched for only by an
   * exported head (`expectHead`).
   */
  firstBad?: VerifyProblem;
}

/** Options of `ledger.verify()`. */
export interface VerifyOptions {
  /** A head exported earlier (`lineage head`): the log must reach its seq with the same hash there. */
  expectHead?: Head;
  /** Called after each batch with the number of events checked so far and the head seq when known. */
  onProgress?: (progress: { done: number; total?: number }) => void;
}

/** One stored log entry: the seq its key names, and the stored bytes. */
export type RawEntry = readonly [seq: number, bytes: Uint8Array];

interface Envelope {
  seq: unknown;
  type: unknown;
  v: unknown;
  at: unknown;
  data: unknown;
  prev: unknown;
}

/**
 * Checks a hash chain fed in key order, batch by batch, in constant memory: keys contiguous from 1,
 * each key's seq equal to its envelope's, each `prev` equal to the SHA-256 of the previous stored
 * bytes, each event valid under its schema version, times never decreasing. Pure: no I/O.
 */
export class ChainChecker {
  #expected = 1;
  #prevHash = GENESIS_HASH;
  #prevAt = '';
  #events = 0;
  #bad: VerifyProblem | undefined;
  readonly #expectHead: Head | undefined;
  #hashAtExpected: string | undefined;

  constructor(expectHead?: Head) {
    this.#expectHead = expectHead;
  }

  /** True once a problem was found: later entries no longer matter. */
  get done(): boolean {
    return this.#bad !== undefined;
  }

  /** Events checked so far. */
  get events(): number {
    return this.#events;
  }

  /** Checks the next entries in key order. */
  push(batch: readonly RawEntry[]): void {
    for (const [seq, bytes] of batch) {
      if (this.#bad) return;
      this.#check(seq, bytes);
    }
  }

  #check(seq: number, bytes: Uint8Array): void {
    const expected = this.#expected;
    if (!Number.isSafeInteger(seq)) return this.#fail(expected, `a log key that is not a sequence number stands where event ${expected} should be`);
    if (seq < expected) return this.#fail(expected, `a stray log key for event ${seq} stands where event ${expected} should be`);
    if (seq > expected) return this.#fail(expected, `event ${expected} is missing: the next stored event is ${seq}`);
    this.#events++;
    let env: Envelope;
    try {
      env = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as Envelope;
    } catch {
      return this.#fail(seq, 'the stored bytes are not valid JSON');
    }
    if (env === null || typeof env !== 'object' || Array.isArray(env)) return this.#fail(seq, 'the stored value is not an event envelope');
    if (env.seq !== seq) return this.#fail(seq, `the event stored under key ${seq} says it is event ${String(env.seq)}`);
    if (env.prev !== this.#prevHash) {
      // The previous event's bytes no longer hash to what this event recorded: the previous event changed.
      return seq === 1
        ? this.#fail(1, 'the first event does not start the chain (prev is not 64 zeros)')
        : this.#fail(seq - 1, `the stored bytes of event ${seq - 1} do not hash to the prev recorded by event ${seq}: event ${seq - 1} was changed`);
    }
    if (typeof env.type !== 'string' || typeof env.v !== 'number' || typeof env.at !== 'string') return this.#fail(seq, 'the envelope lacks its type, version or time');
    try {
      validateEvent(env.type, env.v, env.data);
    } catch (err) {
      return this.#fail(seq, `the event fails its schema: ${(err as Error).message}`);
    }
    if (Number.isNaN(Date.parse(env.at)) || env.at < this.#prevAt) return this.#fail(seq, `its time ${env.at} is invalid or earlier than the previous event's`);
    this.#prevHash = sha256Hex(bytes);
    this.#prevAt = env.at;
    if (this.#expectHead && seq === this.#expectHead.seq) this.#hashAtExpected = this.#prevHash;
    this.#expected = seq + 1;
  }

  #fail(seq: number, reason: string): void {
    this.#bad = { seq, reason };
  }

  /** The verdict once every entry was pushed. */
  result(): VerifyResult {
    const head: Head = { seq: this.#expected - 1, hash: this.#prevHash };
    let bad = this.#bad;
    const want = this.#expectHead;
    if (!bad && want) {
      if (head.seq < want.seq) {
        bad = { seq: head.seq + 1, reason: `the log ends at event ${head.seq} but the exported head is at event ${want.seq}: the tail was cut off` };
      } else if (this.#hashAtExpected !== want.hash) {
        bad = { seq: want.seq, reason: `the hash of event ${want.seq} differs from the exported head: events up to ${want.seq} were changed and re-hashed` };
      }
    }
    return bad ? { ok: false, events: this.#events, head, firstBad: bad } : { ok: true, events: this.#events, head };
  }
}

/** Verifies a log read as batches of raw entries (`EventLog.readRaw()`), in bounded memory. */
export async function verifyChain(batches: AsyncIterable<readonly RawEntry[]>, options: VerifyOptions = {}, total?: number): Promise<VerifyResult> {
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') throw new LineageError('INVALID_ARGUMENT', 'verify({ onProgress }) takes a function');
  const checker = new ChainChecker(options.expectHead);
  for await (const batch of batches) {
    checker.push(batch);
    options.onProgress?.({ done: checker.events, total });
    if (checker.done) break;
  }
  return checker.result();
}

/** Checks an exported head (`{ seq, hash }`, extra fields ignored), or INVALID_ARGUMENT. */
export function checkHead(head: unknown): Head | undefined {
  if (head === undefined) return undefined;
  const h = head as { seq?: unknown; hash?: unknown } | null;
  if (h === null || typeof h !== 'object' || !Number.isSafeInteger(h.seq) || (h.seq as number) < 0 || typeof h.hash !== 'string' || !/^[0-9a-f]{64}$/.test(h.hash)) {
    throw new LineageError('INVALID_ARGUMENT', 'an expected head is { "seq": integer, "hash": 64 hex digits }, as `lineage head` prints it');
  }
  return { seq: h.seq as number, hash: h.hash };
}
