import { createHash } from 'node:crypto';
import type { ClientBase, Pool } from 'pg';
import { LineageError } from '../errors.js';
import type { EventInput, EventType, LedgerEvent } from '../events/types.js';
import { validateEvent } from '../events/catalog.js';
import { LIMITS } from '../limits.js';
import { GENESIS_HASH, sealJson, unseal } from './envelope.js';
import type { Head, InlineBlob } from './event-log.js';

/** One append() call: its events (their data already canonical JSON), contents, and the client-made id that makes a retry of it idempotent. */
export interface PgJob {
  batch: string;
  events: EventInput[];
  versions: number[];
  /** canonicalJson of each event's data, made by the writer before the sequencing step. */
  data: string[];
  blobs: InlineBlob[];
  /** Its id was made by this process and it was never sent: no pass can have recorded it. */
  fresh?: boolean;
}

/** The ledger's head and its pending batches, as one pass reads them before sealing (or the pass before read them as it committed). */
export interface PassRead {
  /** The head: seq, hash and time of its event (times never go backwards). */
  tip: Head & { at: string };
  pending: PendingRow[];
}

interface PendingRow {
  id: string;
  batch: string;
  events: string;
  first_seq: string | null;
  last_seq: string | null;
}

/** What became of a job in a sequencing pass. */
export type JobOutcome =
  | { kind: 'written'; events: LedgerEvent[] }
  /** An earlier attempt (whose outcome was unknown) committed it: these seqs hold it. */
  | { kind: 'replayed'; first: number; last: number }
  | { kind: 'refused'; error: LineageError };

/** What a sequencing pass committed. */
export interface Pass {
  /** The outcome of each of the sequencer's own jobs, in order; undefined for one deferred to the next pass (more pending batches were waiting first). */
  own: (JobOutcome | undefined)[];
  /** Every batch the pass sequenced or answered, pending ones included: [batch, first, last]; 0, 0 for a refused one. */
  announced: [string, number, number][];
  /** Every event written, in seq order. */
  sealed: LedgerEvent[];
  /** The database's head before the pass. */
  tip: Head;
  /** True when it took as many pending batches as it could: another pass should follow at once. */
  full: boolean;
  /** The head after the pass and the batches pending as it committed, read in the same statement: the next pass may start from them. */
  next?: PassRead;
}

/** A connection error at COMMIT: the transaction may or may not have committed. */
export class CommitUnknown extends Error {
  constructor(override readonly cause: unknown) {
    super((cause as Error)?.message ?? String(cause));
  }
}

// Contents are stored in chunks, so that no single value nears PostgreSQL's 1 GB field limit or one huge message.
const CHUNK_BYTES = 1 << 20;
const BATCH_ID = /^[A-Za-z0-9_-]{8,64}$/;
// Pending batches one pass takes (each may hold many events): the rest wait for the next pass.
const PASS_BATCHES = 2000;
// PostgreSQL's NOTIFY payload limit is 8000 bytes.
const NOTIFY_BYTES = 7800;

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

/** INVALID_ARGUMENT unless every job's batch id is one the SQL below may hold as a literal. */
export function checkBatchIds(jobs: readonly PgJob[]): void {
  for (const j of jobs) if (!BATCH_ID.test(j.batch)) throw new LineageError('INVALID_ARGUMENT', `a batch id is 8 to 64 letters, digits, '_' or '-'`);
}

/** A job as a lineage_pending row's text: one line per event, `type TAB v TAB canonical data` (canonical JSON holds no raw newline or tab). */
export function pendingText(job: PgJob): string {
  let out = '';
  for (let k = 0; k < job.events.length; k++) out += `${k ? '\n' : ''}${job.events[k]!.type}\t${job.versions[k]!}\t${job.data[k]!}`;
  return out;
}

/**
 * A pending row's events, each parsed and validated against its type's schema at its version: the
 * row came from another process (or from anyone with INSERT on the table), and what the sequencer
 * seals goes into the chain for good. Throws INVALID_EVENT for a row that is not what pendingText writes.
 */
function parsePending(text: string): { type: EventType; v: number; dataJson: string; data: unknown }[] {
  return text.split('\n').map((line) => {
    const a = line.indexOf('\t');
    const b = line.indexOf('\t', a + 1);
    if (a < 0 || b < 0) throw new LineageError('INVALID_EVENT', 'a pending event is not `type TAB version TAB data`');
    const type = line.slice(0, a);
    const v = Number(line.slice(a + 1, b));
    const dataJson = line.slice(b + 1);
    let data: unknown;
    try {
      data = JSON.parse(dataJson);
    } catch {
      throw new LineageError('INVALID_EVENT', `a pending ${type} event's data is not JSON`);
    }
    validateEvent(type, v, data);
    return { type: type as EventType, v, dataJson, data };
  });
}

/**
 * One sequencing pass, run only by the process holding the ledger's sequencer lock (pg-lead.ts): read
 * the head and the pending batches (in order of arrival); seal them and this process's own jobs onto
 * the head (the bytes and chain of the folder store); then one statement, atomic on its own, deletes
 * those pending rows, inserts the events, batch ids and contents, notifies every process of the seqs
 * each batch got, and reads the batches pending by then. Passes that follow one another pass that
 * read on (`ahead`), so each takes one round trip: under load, each round trip waits for both
 * processes to be scheduled. Writers commit their pending batches in
 * parallel (PostgreSQL shares their WAL flushes), so the one serial step is this pass, which holds
 * many batches and flushes once. A batch id already recorded (a retry) is answered with its original
 * seqs. Only the seat's holder deletes pending rows, so what it read is still there when it writes;
 * and the primary key (ledger, seq) refuses any other writer's overlap (a copy), so the chain never
 * forks even if two passes ever raced.
 */
export async function sequencePass(client: ClientBase, ledger: string, own: readonly PgJob[], ahead?: PassRead): Promise<Pass> {
  checkBatchIds(own);
  // What the pass before read as it committed saves a round trip, when it holds work and no own job
  // may be recorded already (a caller's id, or one sent before): those are looked up.
  const read = ahead && (ahead.pending.length > 0 || own.length > 0) && own.every((j) => j.fresh) ? ahead : undefined;
  let committing = false;
  try {
    const recorded = new Map<string, [number, number]>();
    const { tip: start, pending } = read ?? (await readPass(client, ledger, own, recorded));
    for (const r of pending) if (r.first_seq !== null) recorded.set(r.batch, [Number(r.first_seq), Number(r.last_seq)]);

    let seq = start.seq;
    let hash = start.hash;
    const lastAt = start.at;
    const tip: Head = { seq, hash };
    let at = new Date().toISOString();
    // Times never go backwards in the log, whichever host's clock wrote the event before.
    if (at < lastAt) at = lastAt;
    const seqs: number[] = [];
    const bytes: Buffer[] = [];
    const sealed: LedgerEvent[] = [];
    const announced: [string, number, number][] = [];
    const fresh: [string, number, number][] = [];

    /** Seals one batch onto the head; its events, or the reason it is refused. */
    const sealBatch = (batch: string, items: { type: EventType; v: number; dataJson: string; data: unknown }[]): LedgerEvent[] | LineageError => {
      const done = recorded.get(batch);
      if (done) {
        announced.push([batch, done[0], done[1]]);
        return done[0] === 0 ? new LineageError('LIMIT_EXCEEDED', `the batch was refused by the ledger's limits`) : [];
      }
      if (items.length === 0) return refuse(batch, new LineageError('INVALID_ARGUMENT', 'the pending batch holds no readable event'));
      if (seq + items.length > LIMITS.events) return refuse(batch, new LineageError('LIMIT_EXCEEDED', `the ledger holds ${seq} events; ${items.length} more would pass the limit of ${LIMITS.events}`));
      const start = bytes.length;
      const out: LedgerEvent[] = [];
      let s = seq;
      let h = hash;
      for (const it of items) {
        const one = sealJson(++s, it.type, it.v, at, it.dataJson, it.data, h);
        if (one.bytes.length > LIMITS.eventBytes) {
          seqs.length = bytes.length = sealed.length = start;
          return refuse(batch, new LineageError('LIMIT_EXCEEDED', `a ${it.type} event would take ${one.bytes.length} bytes; the limit is ${LIMITS.eventBytes}`));
        }
        seqs.push(s);
        bytes.push(one.bytes);
        sealed.push(one.event);
        out.push(one.event);
        h = one.event.hash;
      }
      fresh.push([batch, seq + 1, s]);
      announced.push([batch, seq + 1, s]);
      recorded.set(batch, [seq + 1, s]);
      seq = s;
      hash = h;
      return out;
    };
    const refuse = (batch: string, error: LineageError): LineageError => {
      fresh.push([batch, 0, 0]);
      announced.push([batch, 0, 0]);
      recorded.set(batch, [0, 0]);
      return error;
    };

    for (const r of pending) {
      let items: ReturnType<typeof parsePending>;
      try {
        items = parsePending(r.events);
      } catch (err) {
        // Refused alone (its writer hears 0, 0); one bad row must not stop every pass after it.
        if (!(err instanceof LineageError)) throw err;
        items = [];
      }
      sealBatch(r.batch, items);
    }
    // Own jobs after every batch that arrived before them; when more pending batches wait, the next pass takes them first.
    const full = pending.length >= PASS_BATCHES;
    const outcomes: (JobOutcome | undefined)[] = own.map((job) => {
      if (full) return undefined;
      const before = recorded.get(job.batch);
      const r = sealBatch(job.batch, job.events.map((e, k) => ({ type: e.type, v: job.versions[k]!, dataJson: job.data[k]!, data: e.data })));
      if (r instanceof LineageError) return { kind: 'refused', error: r };
      if (before) return { kind: 'replayed', first: before[0], last: before[1] };
      return { kind: 'written', events: r };
    });
    const blobs = blobRows(own.flatMap((j, i) => (outcomes[i]?.kind === 'written' ? j.blobs : [])));
    let next: PassRead | undefined;
    if (pending.length > 0 || fresh.length > 0 || blobs.hashes.length > 0 || announced.length > 0) {
      committing = true;
      // One statement, atomic on its own; it also reads the batches pending now, for the next pass.
      // Its snapshot does not show its own changes: the rows it deletes are left out by id.
      const { rows } = await client.query<{ id: string | null; batch: string; events: string; first_seq: string | null; last_seq: string | null }>(
        `WITH d AS (DELETE FROM lineage_pending WHERE ledger = $1 AND id = ANY($11::bigint[])),
              e AS (INSERT INTO lineage_events (ledger, seq, bytes) SELECT $1, s, b FROM unnest($2::bigint[], $3::bytea[]) AS t(s, b)),
              j AS (INSERT INTO lineage_batches (ledger, batch, first_seq, last_seq) SELECT $1, b, f, l FROM unnest($4::text[], $5::bigint[], $6::bigint[]) AS t(b, f, l)),
              c AS (INSERT INTO lineage_blobs (hash, chunk, bytes) SELECT h, c, b FROM unnest($7::text[], $8::integer[], $9::bytea[]) AS t(h, c, b) ON CONFLICT DO NOTHING),
              n AS (SELECT count(pg_notify('lineage_ledger', p)) AS k FROM unnest($10::text[]) AS n(p))
         SELECT p.id, p.batch, p.events, b.first_seq, b.last_seq FROM n
           LEFT JOIN LATERAL (SELECT id, batch, events FROM lineage_pending WHERE ledger = $1 AND id <> ALL($11::bigint[]) ORDER BY id LIMIT ${PASS_BATCHES}) AS p ON n.k >= 0
           LEFT JOIN lineage_batches b ON b.ledger = $1 AND b.batch = p.batch ORDER BY p.id`,
        [ledger, seqs, bytes, fresh.map((f) => f[0]), fresh.map((f) => f[1]), fresh.map((f) => f[2]), blobs.hashes, blobs.chunks, blobs.bytes, announcements(ledger, seq, announced, bytes), pending.map((r) => r.id)],
      );
      const last = sealed[sealed.length - 1];
      next = { tip: { seq, hash, at: last ? last.at : lastAt }, pending: rows.filter((r): r is PendingRow => r.id !== null) };
    }
    return { own: outcomes, announced, sealed, tip, full, next };
  } catch (err) {
    // An error the server reported means the statement, and so its implicit transaction, did not
    // commit; a connection lost without an answer leaves it unknown.
    if (committing && (err as { severity?: string })?.severity === undefined) throw new CommitUnknown(err);
    throw err;
  }
}

/** A pass's first round trip: the head, the pending batches in order of arrival, and which of `own`'s ids are recorded already (into `recorded`). */
async function readPass(client: ClientBase, ledger: string, own: readonly PgJob[], recorded: Map<string, [number, number]>): Promise<PassRead> {
  let text = `SELECT seq, bytes FROM lineage_events WHERE ledger = '${ledger}' ORDER BY seq DESC LIMIT 1;
    SELECT p.id, p.batch, p.events, b.first_seq, b.last_seq FROM (SELECT id, batch, events FROM lineage_pending WHERE ledger = '${ledger}' ORDER BY id LIMIT ${PASS_BATCHES}) AS p
      LEFT JOIN lineage_batches b ON b.ledger = '${ledger}' AND b.batch = p.batch ORDER BY p.id;`;
  if (own.length > 0) text += ` SELECT batch, first_seq, last_seq FROM lineage_batches WHERE ledger = '${ledger}' AND batch IN (${own.map((j) => `'${j.batch}'`).join(', ')});`;
  const results = (await client.query(text)) as unknown as { rows: Record<string, unknown>[] }[];
  const tipRow = results[0]!.rows[0] as { seq: string; bytes: Buffer } | undefined;
  if (own.length > 0) for (const r of results[2]!.rows as { batch: string; first_seq: string; last_seq: string }[]) recorded.set(r.batch, [Number(r.first_seq), Number(r.last_seq)]);
  const event = tipRow ? unseal(tipRow.bytes) : undefined;
  return { tip: event ? { seq: Number(tipRow!.seq), hash: event.hash, at: event.at } : { seq: 0, hash: GENESIS_HASH, at: '' }, pending: results[1]!.rows as unknown as PendingRow[] };
}

/**
 * Notification payloads of a pass, delivered in this order at COMMIT: `LEDGER HEAD + batch:first:last …`
 * (each batch's seqs), then `LEDGER HEAD +` followed by the events themselves, one stored text a line
 * (canonical JSON holds no raw newline), as many as fit in a payload, so that followers apply them
 * without reading them back; last `LEDGER HEAD`, on which a follower reads whatever did not come
 * (an event too large for a payload, or a payload it missed). `+` says more payloads follow.
 */
function announcements(ledger: string, head: number, batches: readonly [string, number, number][], events: readonly Buffer[]): string[] {
  const out: string[] = [];
  const more = `${ledger} ${head} +`;
  let cur = more;
  for (const [b, f, l] of batches) {
    const item = ` ${b}:${f}:${l}`;
    if (cur.length + item.length > NOTIFY_BYTES) {
      out.push(cur);
      cur = more;
    }
    cur += item;
  }
  if (cur !== more) out.push(cur);
  const parts: string[] = [];
  let size = more.length;
  for (const e of events) {
    if (more.length + 1 + e.length > NOTIFY_BYTES) break;
    if (size + 1 + e.length > NOTIFY_BYTES) {
      out.push(`${more}\n${parts.join('\n')}`);
      parts.length = 0;
      size = more.length;
    }
    parts.push(e.toString('utf8'));
    size += 1 + e.length;
  }
  if (parts.length > 0) out.push(`${more}\n${parts.join('\n')}`);
  out.push(`${ledger} ${head}`);
  return out;
}

/** The head a notification payload's first line announces, and whether more payloads of its pass follow; undefined for another ledger's. */
export function announcedHead(ledger: string, header: string): { head: number; more: boolean } | undefined {
  const parts = header.split(' ', 3);
  if (parts[0] !== ledger) return undefined;
  return { head: Number(parts[1]), more: parts[2] === '+' };
}

/** The seqs a payload announces for these batch ids (every process parses every payload: only its own are looked for). */
export function announcedBatches(payload: string, batches: Iterable<string>): [string, number, number][] {
  const out: [string, number, number][] = [];
  for (const b of batches) {
    const at = payload.indexOf(` ${b}:`);
    if (at < 0) continue;
    const start = at + b.length + 2;
    const end = payload.indexOf(' ', start);
    const [f, l] = payload.slice(start, end < 0 ? undefined : end).split(':');
    out.push([b, Number(f), Number(l)]);
  }
  return out;
}

/**
 * Commits a writer's jobs to lineage_pending (with their contents) and wakes the sequencer, in one
 * statement. The connection commits asynchronously (synchronous_commit off): nothing is acknowledged
 * until the sequencer's own commit, which is synchronous and flushes the WAL past these rows too; a
 * batch a crash loses before that is submitted again by its writer (see PgLog), idempotently.
 */
export async function submitPending(client: ClientBase | Pool, ledger: string, jobs: readonly PgJob[]): Promise<void> {
  checkBatchIds(jobs);
  const b = blobRows(jobs.flatMap((j) => j.blobs));
  await client.query(
    `WITH p AS (INSERT INTO lineage_pending (ledger, batch, events) SELECT $1, b, e FROM unnest($2::text[], $3::text[]) AS t(b, e) ON CONFLICT DO NOTHING),
          c AS (INSERT INTO lineage_blobs (hash, chunk, bytes) SELECT h, c, b FROM unnest($4::text[], $5::integer[], $6::bytea[]) AS t(h, c, b) ON CONFLICT DO NOTHING)
     SELECT pg_notify('lineage_pending', $1)`,
    [ledger, jobs.map((j) => j.batch), jobs.map(pendingText), b.hashes, b.chunks, b.bytes],
  );
}

/** The seqs recorded for these batch ids (0, 0 for a refused one); ids not yet sequenced are absent. */
export async function lookUpBatches(client: ClientBase | Pool, ledger: string, batches: readonly string[]): Promise<[string, number, number][]> {
  const { rows } = await client.query<{ batch: string; first_seq: string; last_seq: string }>('SELECT batch, first_seq, last_seq FROM lineage_batches WHERE ledger = $1 AND batch = ANY($2::text[])', [ledger, batches]);
  return rows.map((r) => [r.batch, Number(r.first_seq), Number(r.last_seq)]);
}
