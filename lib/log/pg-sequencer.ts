import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import { LineageError } from '../errors.js';
import type { EventInput, LedgerEvent } from '../events/types.js';
import { LIMITS } from '../limits.js';
import { GENESIS_HASH, seal, unseal } from './envelope.js';
import type { InlineBlob } from './event-log.js';

/** One append() call: its events and contents, and the client-made id that makes a retry of it idempotent. */
export interface PgJob {
  batch: string;
  events: EventInput[];
  versions: number[];
  blobs: InlineBlob[];
}

/** What became of a job in a group commit. */
export type JobOutcome =
  | { kind: 'written'; events: LedgerEvent[] }
  /** An earlier attempt (whose outcome was unknown) committed it: these seqs hold it. */
  | { kind: 'replayed'; first: number; last: number }
  | { kind: 'refused'; error: LineageError };

/** A connection error at COMMIT: the transaction may or may not have committed. */
export class CommitUnknown extends Error {
  constructor(override readonly cause: unknown) {
    super((cause as Error)?.message ?? String(cause));
  }
}

// Contents are stored in chunks, so that no single value nears PostgreSQL's 1 GB field limit or one huge message.
const CHUNK_BYTES = 1 << 20;
const BATCH_ID = /^[A-Za-z0-9_-]{8,64}$/;

/** Contents as rows of lineage_blobs: each cut into chunks of at most CHUNK_BYTES (an empty content is one empty chunk). */
export function blobRows(blobs: readonly InlineBlob[]): { hashes: string[]; chunks: number[]; bytes: Buffer[] } {
  const out = { hashes: [] as string[], chunks: [] as number[], bytes: [] as Buffer[] };
  for (const blob of blobs) {
    const value = Buffer.from(blob.value.buffer, blob.value.byteOffset, blob.value.byteLength);
    for (let c = 0, off = 0; off < value.length || c === 0; c++, off += CHUNK_BYTES) {
      out.hashes.push(blob.key);
      out.chunks.push(c);
      out.bytes.push(value.subarray(off, off + CHUNK_BYTES));
    }
  }
  return out;
}

/** The advisory lock key of a ledger: 64 bits of a hash of its name, as a signed bigint literal. */
export function lockKey(ledger: string): string {
  return createHash('sha256').update(`lineage-ledger:${ledger}`).digest().readBigInt64BE(0).toString();
}

/**
 * One group commit of this process's queued appends. Only the short sequencing step is serialised
 * across processes: under a transaction-scoped advisory lock per ledger, read the head, seal the jobs
 * onto it, insert them (events, batch ids, contents, and a notification to other processes) and commit.
 * `checkBatches` (on a retry after an unknown outcome) first looks the batch ids up.
 */
export async function commitGroup(client: PoolClient, ledger: string, jobs: readonly PgJob[], checkBatches: boolean): Promise<JobOutcome[]> {
  const outcomes: (JobOutcome | undefined)[] = new Array(jobs.length);
  for (const j of jobs) if (!BATCH_ID.test(j.batch)) throw new LineageError('INVALID_ARGUMENT', `a batch id is 8 to 64 letters, digits, '_' or '-'`);
  // The ledger name and batch ids are checked against strict patterns: safe as literals, and one
  // round trip (each statement of a simple query sees what committed before it: the head after the lock).
  let text = `BEGIN; SELECT pg_advisory_xact_lock(${lockKey(ledger)}); SELECT seq, bytes FROM lineage_events WHERE ledger = '${ledger}' ORDER BY seq DESC LIMIT 1;`;
  if (checkBatches) text += ` SELECT batch, first_seq, last_seq FROM lineage_batches WHERE ledger = '${ledger}' AND batch IN (${jobs.map((j) => `'${j.batch}'`).join(', ')});`;
  let committing = false;
  try {
    const results = (await client.query(text)) as unknown as { rows: Record<string, unknown>[] }[];
    const tipRow = results[2]!.rows[0] as { seq: string; bytes: Buffer } | undefined;
    if (checkBatches) {
      for (const r of results[3]!.rows as { batch: string; first_seq: string; last_seq: string }[]) {
        const i = jobs.findIndex((j) => j.batch === r.batch);
        if (i >= 0) outcomes[i] = { kind: 'replayed', first: Number(r.first_seq), last: Number(r.last_seq) };
      }
    }
    let seq = 0;
    let hash = GENESIS_HASH;
    let lastAt = '';
    if (tipRow) {
      const tip = unseal(tipRow.bytes);
      seq = Number(tipRow.seq);
      hash = tip.hash;
      lastAt = tip.at;
    }
    let at = new Date().toISOString();
    // Times never go backwards in the log, whichever host's clock wrote the event before.
    if (at < lastAt) at = lastAt;
    const seqs: number[] = [];
    const bytes: Buffer[] = [];
    const batchIds: string[] = [];
    const firsts: number[] = [];
    const lasts: number[] = [];
    const blobHashes: string[] = [];
    const blobChunks: number[] = [];
    const blobBytes: Buffer[] = [];
    for (let i = 0; i < jobs.length; i++) {
      if (outcomes[i]) continue;
      const job = jobs[i]!;
      if (seq + job.events.length > LIMITS.events) {
        outcomes[i] = { kind: 'refused', error: new LineageError('LIMIT_EXCEEDED', `the ledger holds ${seq} events; ${job.events.length} more would pass the limit of ${LIMITS.events}`) };
        continue;
      }
      const sealed: LedgerEvent[] = [];
      const start = bytes.length;
      let s = seq;
      let h = hash;
      let refused: LineageError | undefined;
      for (let k = 0; k < job.events.length; k++) {
        const e = job.events[k]!;
        const one = seal(++s, e.type, job.versions[k]!, at, e.data, h);
        if (one.bytes.length > LIMITS.eventBytes) {
          refused = new LineageError('LIMIT_EXCEEDED', `a ${e.type} event would take ${one.bytes.length} bytes; the limit is ${LIMITS.eventBytes}`);
          break;
        }
        seqs.push(s);
        bytes.push(one.bytes);
        sealed.push(one.event);
        h = one.event.hash;
      }
      if (refused) {
        seqs.length = start;
        bytes.length = start;
        outcomes[i] = { kind: 'refused', error: refused };
        continue;
      }
      batchIds.push(job.batch);
      firsts.push(seq + 1);
      lasts.push(s);
      const rows = blobRows(job.blobs);
      blobHashes.push(...rows.hashes);
      blobChunks.push(...rows.chunks);
      blobBytes.push(...rows.bytes);
      seq = s;
      hash = h;
      outcomes[i] = { kind: 'written', events: sealed };
    }
    if (seqs.length > 0) {
      await client.query(
        `WITH e AS (INSERT INTO lineage_events (ledger, seq, bytes) SELECT $1, s, b FROM unnest($2::bigint[], $3::bytea[]) AS t(s, b)),
              j AS (INSERT INTO lineage_batches (ledger, batch, first_seq, last_seq) SELECT $1, b, f, l FROM unnest($4::text[], $5::bigint[], $6::bigint[]) AS t(b, f, l)),
              c AS (INSERT INTO lineage_blobs (hash, chunk, bytes) SELECT h, c, b FROM unnest($7::text[], $8::integer[], $9::bytea[]) AS t(h, c, b) ON CONFLICT DO NOTHING)
         SELECT pg_notify('lineage_ledger', $10)`,
        [ledger, seqs, bytes, batchIds, firsts, lasts, blobHashes, blobChunks, blobBytes, `${ledger} ${seq}`],
      );
    }
    committing = true;
    await client.query('COMMIT');
    return outcomes as JobOutcome[];
  } catch (err) {
    if (committing) throw new CommitUnknown(err);
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
