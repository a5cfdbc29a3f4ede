import pg from 'pg';
import { LineageError } from '../errors.js';
import { upcast } from '../events/catalog.js';
import type { EventInput, LedgerEvent } from '../events/types.js';
import { newId } from '../ids.js';
import { GENESIS_HASH, sha256Hex, unseal } from './envelope.js';
import type { Head, InlineBlob, LedgerMeta, StoredEvent } from './event-log.js';
import { backoff, isLoginRefused, isTransient, sleep, unavailable } from './pg-errors.js';
import { migrate } from './pg-schema.js';
import { checkContinues } from './raw-append.js';
import { blobRows, CommitUnknown, commitGroup, lockKey, type JobOutcome, type PgJob } from './pg-sequencer.js';
import type { PgTarget } from './pg-url.js';
import type { LedgerLog } from './store.js';

const FORMAT = 1;
const MAX_GROUP_EVENTS = 4096;
const READ_BATCH = 1000;
// The safety net under LISTEN/NOTIFY: a lost notification (or a dropped listening connection) delays a follower by at most this.
const POLL_MS = 1000;
const HEX64 = /^[0-9a-f]{64}$/;

interface Job extends PgJob {
  resolve: (events: LedgerEvent[]) => void;
  reject: (err: unknown) => void;
}

/**
 * The hash-chained event log in PostgreSQL, shared by any number of processes on any number of hosts.
 * Appends are grouped per process into one transaction each (see pg-sequencer.ts) and acknowledged
 * after COMMIT; every process follows the events others append (LISTEN/NOTIFY, and a poll as a safety
 * net) and hands all events, its own and others', to `onCommit` in log order.
 */
export class PgLog implements LedgerLog {
  readonly #pool: pg.Pool;
  readonly #target: PgTarget;
  #info: LedgerMeta;
  // The last event handed to onCommit (or loaded at open): what this process has seen.
  #head: Head;
  #onCommit: (events: LedgerEvent[]) => void = () => {};
  #queue: Job[] = [];
  #writing: Promise<void> | null = null;
  // Deliveries to onCommit run one at a time, in log order.
  #delivery: Promise<void> = Promise.resolve();
  #closed = false;
  #following = false;
  #listener: pg.Client | undefined;
  #poll: NodeJS.Timeout | undefined;
  #stopListening: (() => void) | undefined;
  #listening: Promise<void> | undefined;
  readonly ledger: string;
  readonly location: string;

  private constructor(pool: pg.Pool, target: PgTarget, info: LedgerMeta, head: Head) {
    this.#pool = pool;
    this.#target = target;
    this.#info = info;
    this.#head = head;
    this.ledger = target.display;
    this.location = target.display;
  }

  /** Connects, brings the schema up to date, and creates the ledger if it is new. */
  static async open(target: PgTarget): Promise<PgLog> {
    const pool = new pg.Pool({ ...target.config, max: 4, connectionTimeoutMillis: 10_000, keepAlive: true });
    // An idle connection that breaks (the server restarted) must not crash the process: the next query reconnects.
    pool.on('error', () => {});
    pool.on('connect', (c) => c.on('error', () => {}));
    try {
      const info = await retrying(target, 'could not open the ledger', async () => {
        const client = await pool.connect();
        try {
          await migrate(client);
          const fresh: LedgerMeta = { format: FORMAT, ledgerId: newId(22), createdAt: new Date().toISOString() };
          await client.query('INSERT INTO lineage_ledgers (name, ledger_id, format, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING', [target.ledger, fresh.ledgerId, fresh.format, fresh.createdAt]);
          const { rows } = await client.query<{ ledger_id: string; format: number; created_at: string }>('SELECT ledger_id, format, created_at FROM lineage_ledgers WHERE name = $1', [target.ledger]);
          const r = rows[0]!;
          return { format: r.format, ledgerId: r.ledger_id, createdAt: r.created_at };
        } finally {
          client.release();
        }
      });
      if (info.format > FORMAT) throw new LineageError('LEDGER_FORMAT', `ledger format ${info.format} is newer than this version of lineage-ledger understands (${FORMAT}); upgrade lineage-ledger`);
      const log = new PgLog(pool, target, info, { seq: 0, hash: GENESIS_HASH });
      log.#head = await log.#databaseHead();
      return log;
    } catch (err) {
      await pool.end().catch(() => {});
      throw err;
    }
  }

  /** Runs `fn` with retries while the database is unreachable, up to the URL's retry_ms; then STORE_UNAVAILABLE. */
  #retrying<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return retrying(this.#target, what, fn, () => this.#closed);
  }

  /** The newest event in the database (its hash recomputed from its bytes). */
  async #databaseHead(): Promise<Head> {
    const { rows } = await this.#retrying('could not read the head', () => this.#pool.query<{ seq: string; bytes: Buffer }>('SELECT seq, bytes FROM lineage_events WHERE ledger = $1 ORDER BY seq DESC LIMIT 1', [this.#target.ledger]));
    const r = rows[0];
    return r ? { seq: Number(r.seq), hash: sha256Hex(r.bytes) } : { seq: 0, hash: GENESIS_HASH };
  }

  /** Also starts following other processes' appends (after the projection is loaded). */
  onCommit(fn: (events: LedgerEvent[]) => void): void {
    this.#onCommit = fn;
    this.#follow();
  }

  get head(): Head {
    return { ...this.#head };
  }

  get info(): LedgerMeta {
    return { ...this.#info };
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Appends events atomically, grouped with this process's other pending appends into one transaction;
   * resolves after COMMIT, once this process's projection has them. `batch` is the idempotency key (made here when not given).
   */
  append(events: EventInput[], versions: number[], blobs: InlineBlob[] = [], batch: string = newId(22)): Promise<LedgerEvent[]> {
    if (this.#closed) return Promise.reject(new LineageError('LEDGER_CLOSED', `ledger ${this.ledger} is closed; open it again to append`));
    if (events.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.#queue.push({ batch, events, versions, blobs, resolve, reject });
      this.#writing ??= this.#drain();
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const jobs: Job[] = [this.#queue.shift()!];
      let count = jobs[0]!.events.length;
      while (this.#queue.length > 0 && count + this.#queue[0]!.events.length <= MAX_GROUP_EVENTS) {
        const j = this.#queue.shift()!;
        count += j.events.length;
        jobs.push(j);
      }
      await this.#commit(jobs);
    }
    this.#writing = null;
  }

  /**
   * Commits a group, retrying while the database is unreachable: a failure before COMMIT recorded
   * nothing (seal again on the new head); one at COMMIT is retried with the batch ids looked up first,
   * so a batch that did commit is answered with its original seqs and never written twice.
   */
  async #commit(jobs: Job[]): Promise<void> {
    const started = Date.now();
    let unknown = false;
    let outcomes: JobOutcome[] | undefined;
    for (let attempt = 0; ; attempt++) {
      let client: pg.PoolClient | undefined;
      try {
        client = await this.#pool.connect();
        outcomes = await commitGroup(client, this.#target.ledger, jobs, unknown);
        client.release();
        break;
      } catch (err) {
        const cause = err instanceof CommitUnknown ? err.cause : err;
        // A batch id already recorded: a retry of a batch that committed before (here or in an earlier process). Look it up.
        if (!unknown && (cause as { constraint?: string })?.constraint === 'lineage_batches_pkey') {
          client?.release();
          unknown = true;
          continue;
        }
        client?.release(isTransient(cause) || err instanceof CommitUnknown ? (cause as Error) : undefined);
        if (err instanceof CommitUnknown) unknown = true;
        const transient = isTransient(cause) || err instanceof CommitUnknown;
        if (!transient || Date.now() - started >= this.#target.retryMs) {
          const e = err instanceof LineageError ? err
            : !transient && !isLoginRefused(cause) ? new LineageError('WRITE_FAILED', `ledger ${this.ledger}: the database refused the write and nothing was recorded (${(cause as Error)?.message ?? cause})`, { cause })
            : unavailable(this.ledger, unknown
              ? `the database became unreachable while the append was committed, and stayed so for ${this.#target.retryMs} ms: it may or may not be recorded; sync() once the database is back shows which`
              : `the database is unreachable; nothing was recorded (retried for ${this.#target.retryMs} ms)`, cause);
          for (const j of jobs) j.reject(e);
          return;
        }
        await sleep(backoff(attempt));
      }
    }
    await this.#settle(jobs, outcomes);
  }

  /** Hands the committed events to onCommit (after any other process's events before them), then resolves each job. */
  async #settle(jobs: Job[], outcomes: JobOutcome[]): Promise<void> {
    let last = 0;
    const own: LedgerEvent[] = [];
    for (const o of outcomes) {
      if (o.kind === 'written') {
        own.push(...o.events);
        last = Math.max(last, o.events[o.events.length - 1]!.seq);
      } else if (o.kind === 'replayed') last = Math.max(last, o.last);
    }
    try {
      if (last > 0) await this.#catchUp(last, own);
    } catch (err) {
      const e = unavailable(this.ledger, `the append was recorded (up to seq ${last}) but this process could not read the events before it; sync() once the database is back`, err);
      for (let i = 0; i < jobs.length; i++) {
        const o = outcomes[i]!;
        if (o.kind === 'refused') jobs[i]!.reject(o.error);
        else jobs[i]!.reject(e);
      }
      return;
    }
    for (let i = 0; i < jobs.length; i++) {
      const o = outcomes[i]!;
      if (o.kind === 'written') jobs[i]!.resolve(o.events);
      else if (o.kind === 'refused') jobs[i]!.reject(o.error);
      else {
        try {
          jobs[i]!.resolve((await this.getEvents(range(o.first, o.last))).map((s) => s.event));
        } catch (err) {
          jobs[i]!.reject(err);
        }
      }
    }
  }

  /**
   * Brings what this process has seen up to seq `to`: events this process just wrote (`own`) are handed
   * over as they are when nothing came between; anything else is read from the database, links checked.
   */
  #catchUp(to: number, own: LedgerEvent[] = []): Promise<void> {
    const run = this.#delivery.then(async () => {
      if (this.#head.seq >= to) return;
      const first = own[0];
      const start = first === undefined ? -1 : own.findIndex((e) => e.seq === this.#head.seq + 1);
      if (start >= 0 && own[own.length - 1]!.seq === to && own[start]!.prev === this.#head.hash) {
        this.#deliver(start === 0 ? own : own.slice(start));
        return;
      }
      for await (const batch of this.#readRange(this.#head.seq + 1, to, READ_BATCH, this.#head.hash)) {
        this.#deliver(batch.map(({ event }) => {
          const data = upcast(event.type, event.v, event.data);
          return data === event.data ? event : ({ ...event, data } as LedgerEvent);
        }));
      }
    });
    this.#delivery = run.catch(() => {});
    return run;
  }

  #deliver(events: LedgerEvent[]): void {
    if (events.length === 0) return;
    const last = events[events.length - 1]!;
    this.#head = { seq: last.seq, hash: last.hash };
    this.#onCommit(events);
  }

  /** Starts following the events other processes append: LISTEN/NOTIFY to wake, a poll as the safety net. */
  #follow(): void {
    if (this.#following || this.#closed) return;
    this.#following = true;
    this.#listening = this.#listen();
    this.#poll = setInterval(() => void this.#pollOnce(), POLL_MS);
    this.#poll.unref();
  }

  async #listen(): Promise<void> {
    for (let attempt = 0; !this.#closed; attempt++) {
      const client = new pg.Client(this.#target.config);
      client.on('error', () => {});
      try {
        const ended = new Promise<void>((resolve) => {
          client.once('end', resolve);
          this.#stopListening = resolve;
        });
        await client.connect();
        if (this.#closed) {
          await client.end().catch(() => {});
          return;
        }
        client.on('notification', (msg) => {
          const [name, seq] = (msg.payload ?? '').split(' ');
          if (name === this.#target.ledger && Number(seq) > this.#head.seq) this.#catchUp(Number(seq)).catch(() => {});
        });
        await client.query('LISTEN lineage_ledger');
        // The client is unref'd: following must not keep a process alive on its own.
        (client as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
        this.#listener = client;
        attempt = 0;
        // Whatever was appended while not listening.
        void this.#pollOnce();
        await ended;
      } catch {
        // Unreachable for now: the poll keeps trying too.
      } finally {
        this.#listener = undefined;
        await client.end().catch(() => {});
      }
      if (!this.#closed) await sleep(backoff(attempt + 3));
    }
  }

  async #pollOnce(): Promise<void> {
    if (this.#closed) return;
    try {
      const { rows } = await this.#pool.query<{ seq: string | null }>('SELECT max(seq) AS seq FROM lineage_events WHERE ledger = $1', [this.#target.ledger]);
      const seq = Number(rows[0]?.seq ?? 0);
      if (seq > this.#head.seq) await this.#catchUp(seq);
    } catch {
      // The next poll tries again.
    }
  }

  /** Waits until this process has seen every event committed anywhere before the call. */
  async sync(): Promise<void> {
    this.#assertOpen();
    await this.flush();
    const { rows } = await this.#retrying('could not read the head', () => this.#pool.query<{ seq: string | null }>('SELECT max(seq) AS seq FROM lineage_events WHERE ledger = $1', [this.#target.ledger]));
    await this.#catchUp(Number(rows[0]?.seq ?? 0));
  }

  /**
   * Appends events as another log stored them (a copy), with their contents, in one transaction under
   * the ledger's lock: each is checked to continue the chain as the database holds it, so a copy never
   * forks a ledger that another process writes to at the same time.
   */
  async appendRaw(bytes: readonly Uint8Array[], blobs: InlineBlob[] = []): Promise<Head> {
    this.#assertOpen();
    await this.flush();
    if (bytes.length === 0 && blobs.length === 0) return this.head;
    const l = this.#target.ledger;
    const events = await this.#retrying('could not copy events', async () => {
      const client = await this.#pool.connect();
      let committing = false;
      try {
        await client.query('BEGIN');
        await client.query(`SELECT pg_advisory_xact_lock(${lockKey(l)})`);
        const { rows } = await client.query<{ seq: string; bytes: Buffer }>('SELECT seq, bytes FROM lineage_events WHERE ledger = $1 ORDER BY seq DESC LIMIT 1', [l]);
        const tip: Head = rows[0] ? { seq: Number(rows[0].seq), hash: sha256Hex(rows[0].bytes) } : { seq: 0, hash: GENESIS_HASH };
        const checked = checkContinues(this.ledger, tip, bytes);
        const b = blobRows(blobs);
        await client.query(
          `WITH e AS (INSERT INTO lineage_events (ledger, seq, bytes) SELECT $1, s, b FROM unnest($2::bigint[], $3::bytea[]) AS t(s, b)),
                c AS (INSERT INTO lineage_blobs (hash, chunk, bytes) SELECT h, c, b FROM unnest($4::text[], $5::integer[], $6::bytea[]) AS t(h, c, b) ON CONFLICT DO NOTHING)
           SELECT pg_notify('lineage_ledger', $7)`,
          [l, checked.map((e) => e.seq), bytes.map((x) => Buffer.from(x.buffer, x.byteOffset, x.byteLength)), b.hashes, b.chunks, b.bytes, `${l} ${checked.at(-1)?.seq ?? tip.seq}`],
        );
        committing = true;
        await client.query('COMMIT');
        return checked;
      } catch (err) {
        // A COMMIT whose outcome is unknown is not retried: the copy reads the head again when run again.
        if (committing) throw new LineageError('STORE_UNAVAILABLE', `ledger ${this.ledger}: the connection broke while committing a copied batch; run the copy again to resume`, { cause: err });
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    });
    // This process sees its own copied events in order, after any it had not seen yet.
    if (events.length > 0) await this.#catchUp(events[events.length - 1]!.seq);
    return this.head;
  }

  /** Streams stored events with `from ≤ seq ≤ to` (at most up to what this process has seen), links checked. */
  read(from = 1, to = Number.MAX_SAFE_INTEGER, batch = READ_BATCH, after?: string): AsyncGenerator<StoredEvent[]> {
    this.#assertOpen();
    const start = Math.max(1, from);
    return this.#readRange(start, Math.min(to, this.#head.seq), batch, start === 1 ? GENESIS_HASH : after);
  }

  async *#readRange(from: number, to: number, batch: number, after: string | undefined): AsyncGenerator<StoredEvent[]> {
    let expect = from;
    let prev = after;
    const page = (at: number) => this.#retrying(`could not read events from seq ${at}`, () => this.#pool.query<{ seq: string; bytes: Buffer }>('SELECT seq, bytes FROM lineage_events WHERE ledger = $1 AND seq >= $2 AND seq <= $3 ORDER BY seq LIMIT $4', [this.#target.ledger, at, to, batch]));
    if (expect > to) return;
    let next = page(expect);
    for (;;) {
      const { rows } = await next;
      // Every seq up to `to` is known to exist (it is a head seen before): fewer rows is a gap.
      if (rows.length === 0) throw this.#corrupt(`event ${expect} is missing`);
      const more = expect + rows.length <= to;
      if (more) {
        next = page(expect + rows.length);
        next.catch(() => {});
      }
      const out = new Array<StoredEvent>(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const { seq: s, bytes } = rows[i]!;
        const seq = Number(s);
        let event: LedgerEvent;
        try {
          event = unseal(bytes);
        } catch (err) {
          throw this.#corrupt(`event ${seq} is not valid JSON`, err);
        }
        if (seq !== expect) throw this.#corrupt(`event ${expect} is missing (the next stored one is ${seq})`);
        if (event.seq !== seq) throw this.#corrupt(`the event stored as seq ${seq} says seq ${event.seq}`);
        if (prev !== undefined && event.prev !== prev) throw this.#corrupt(`event ${seq} does not link to event ${seq - 1} (its bytes, or those before it, changed)`);
        prev = event.hash;
        expect++;
        out[i] = { event, bytes };
      }
      yield out;
      if (!more) return;
    }
  }

  /** Streams every stored (seq, bytes) pair in the database in order, unchecked: for verification. */
  async *readRaw(from = 1, batch = READ_BATCH): AsyncGenerator<[number, Uint8Array][]> {
    this.#assertOpen();
    let at = Math.max(1, from);
    for (;;) {
      const { rows } = await this.#retrying(`could not read events from seq ${at}`, () => this.#pool.query<{ seq: string; bytes: Buffer }>('SELECT seq, bytes FROM lineage_events WHERE ledger = $1 AND seq >= $2 ORDER BY seq LIMIT $3', [this.#target.ledger, at, batch]));
      if (rows.length === 0) return;
      yield rows.map((r) => [Number(r.seq), r.bytes]);
      at = Number(rows[rows.length - 1]!.seq) + 1;
    }
  }

  async getEvents(seqs: readonly number[]): Promise<StoredEvent[]> {
    this.#assertOpen();
    if (seqs.length === 0) return [];
    const { rows } = await this.#retrying('could not read events', () => this.#pool.query<{ seq: string; bytes: Buffer }>('SELECT seq, bytes FROM lineage_events WHERE ledger = $1 AND seq = ANY($2::bigint[])', [this.#target.ledger, [...new Set(seqs)]]));
    const bySeq = new Map(rows.map((r) => [Number(r.seq), r.bytes]));
    return seqs.map((seq) => {
      const bytes = bySeq.get(seq);
      if (bytes === undefined) throw new LineageError('LEDGER_CORRUPT', `ledger ${this.ledger}: event ${seq} is missing; run \`lineage verify\``);
      try {
        return { event: unseal(bytes), bytes };
      } catch (err) {
        throw new LineageError('LEDGER_CORRUPT', `ledger ${this.ledger}: event ${seq} is not valid JSON; run \`lineage verify\``, { cause: err });
      }
    });
  }

  async getBytes(seq: number): Promise<Uint8Array | undefined> {
    this.#assertOpen();
    const { rows } = await this.#retrying(`could not read event ${seq}`, () => this.#pool.query<{ bytes: Buffer }>('SELECT bytes FROM lineage_events WHERE ledger = $1 AND seq = $2', [this.#target.ledger, seq]));
    return rows[0]?.bytes;
  }

  /** A content by its SHA-256, its chunks joined and the whole checked against the hash. */
  async getBlob(key: string): Promise<Uint8Array | undefined> {
    this.#assertOpen();
    const { rows } = await this.#retrying(`could not read content ${key}`, () => this.#pool.query<{ chunk: number; bytes: Buffer }>('SELECT chunk, bytes FROM lineage_blobs WHERE hash = $1 ORDER BY chunk', [key]));
    if (rows.length === 0) return undefined;
    const bytes = rows.length === 1 ? rows[0]!.bytes : Buffer.concat(rows.map((r) => r.bytes));
    if (rows.some((r, i) => r.chunk !== i) || (HEX64.test(key) && sha256Hex(bytes) !== key)) {
      throw new LineageError('INTEGRITY_MISMATCH', `ledger ${this.ledger}: the stored content ${key} does not match its hash: it was changed behind the ledger's back`);
    }
    return bytes;
  }

  /**
   * Deletes a content's chunks for good (an erase). Contents are shared by hash between the ledgers of
   * a database: the same bytes erased in one are gone for all of them, as personal data must be.
   */
  async deleteBlob(key: string): Promise<void> {
    this.#assertOpen();
    await this.#retrying(`could not erase content ${key}`, () => this.#pool.query('DELETE FROM lineage_blobs WHERE hash = $1', [key]));
  }

  async getMeta<T>(key: string): Promise<T | undefined> {
    this.#assertOpen();
    const { rows } = await this.#retrying('could not read meta', () => this.#pool.query<{ value: T }>('SELECT value FROM lineage_meta WHERE ledger = $1 AND key = $2', [this.#target.ledger, key]));
    return rows[0]?.value;
  }

  async putMeta(key: string, value: unknown): Promise<void> {
    this.#assertOpen();
    await this.#retrying('could not write meta', () => this.#pool.query('INSERT INTO lineage_meta (ledger, key, value) VALUES ($1, $2, $3) ON CONFLICT (ledger, key) DO UPDATE SET value = EXCLUDED.value', [this.#target.ledger, key, JSON.stringify(value)]));
  }

  async putCheckpointPieces(seq: number, from: number, pieces: readonly Uint8Array[]): Promise<void> {
    this.#assertOpen();
    const idx = pieces.map((_, i) => from + i);
    const bufs = pieces.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength));
    await this.#retrying('could not write a checkpoint', () => this.#pool.query(
      'INSERT INTO lineage_checkpoint_pieces (ledger, seq, piece, bytes) SELECT $1, $2, i, b FROM unnest($3::integer[], $4::bytea[]) AS t(i, b) ON CONFLICT (ledger, seq, piece) DO UPDATE SET bytes = EXCLUDED.bytes',
      [this.#target.ledger, seq, idx, bufs],
    ));
  }

  /** Makes the checkpoint at `seq` a stored one; older ones (and stray pieces) go. The newest stored checkpoint is the one loaded. */
  async commitCheckpoint(seq: number, header: string, pieces: number): Promise<void> {
    this.#assertOpen();
    const l = this.#target.ledger;
    await this.#retrying('could not write a checkpoint', async () => {
      const client = await this.#pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('INSERT INTO lineage_checkpoints (ledger, seq, header) VALUES ($1, $2, $3) ON CONFLICT (ledger, seq) DO UPDATE SET header = EXCLUDED.header', [l, seq, header]);
        await client.query('DELETE FROM lineage_checkpoint_pieces WHERE ledger = $1 AND (seq < $2 OR (seq = $2 AND piece >= $3))', [l, seq, pieces]);
        await client.query('DELETE FROM lineage_checkpoints WHERE ledger = $1 AND seq < $2', [l, seq]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    });
  }

  async checkpointHeader(): Promise<string | undefined> {
    this.#assertOpen();
    const { rows } = await this.#retrying('could not read the checkpoint', () => this.#pool.query<{ header: string }>('SELECT header FROM lineage_checkpoints WHERE ledger = $1 ORDER BY seq DESC LIMIT 1', [this.#target.ledger]));
    return rows[0]?.header;
  }

  async *checkpointPieces(seq: number, count = Number.MAX_SAFE_INTEGER): AsyncGenerator<Uint8Array> {
    this.#assertOpen();
    // A few pieces at a time: each is up to a few MB.
    for (let at = 0; at < count; ) {
      const { rows } = await this.#retrying('could not read the checkpoint', () => this.#pool.query<{ piece: number; bytes: Buffer }>('SELECT piece, bytes FROM lineage_checkpoint_pieces WHERE ledger = $1 AND seq = $2 AND piece >= $3 AND piece < $4 ORDER BY piece LIMIT 8', [this.#target.ledger, seq, at, Math.min(count, Number.MAX_SAFE_INTEGER)]));
      if (rows.length === 0) return;
      for (const r of rows) {
        if (r.piece !== at) return;
        at++;
        yield r.bytes;
      }
    }
  }

  async clearCheckpoint(): Promise<void> {
    this.#assertOpen();
    await this.#retrying('could not drop the checkpoint', async () => {
      await this.#pool.query('DELETE FROM lineage_checkpoints WHERE ledger = $1', [this.#target.ledger]);
      await this.#pool.query('DELETE FROM lineage_checkpoint_pieces WHERE ledger = $1', [this.#target.ledger]);
    });
  }

  /** @internal Overwrites one raw checkpoint entry (`header`, or `piece:SEQ:I` with 16-digit numbers): for tests that damage a checkpoint. */
  async putCheckpointEntry(key: string, value: string | Uint8Array): Promise<void> {
    const l = this.#target.ledger;
    if (key === 'header') {
      const seqText = /"seq":(\d+)/.exec(String(value))?.[1];
      const { rows } = await this.#pool.query<{ seq: string }>('SELECT seq FROM lineage_checkpoints WHERE ledger = $1 ORDER BY seq DESC LIMIT 1', [l]);
      await this.#pool.query('DELETE FROM lineage_checkpoints WHERE ledger = $1', [l]);
      await this.#pool.query('INSERT INTO lineage_checkpoints (ledger, seq, header) VALUES ($1, $2, $3)', [l, rows[0]?.seq ?? seqText ?? 0, String(value)]);
      return;
    }
    const m = /^piece:(\d+):(\d+)$/.exec(key);
    if (!m) throw new LineageError('INVALID_ARGUMENT', `not a checkpoint entry: ${key}`);
    await this.putCheckpointPieces(Number(m[1]), Number(m[2]), [typeof value === 'string' ? Buffer.from(value) : value]);
  }

  async flush(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    // Queued appends complete first.
    await this.flush();
    this.#closed = true;
    if (this.#poll) clearInterval(this.#poll);
    this.#stopListening?.();
    await this.#listener?.end().catch(() => {});
    await this.#listening;
    await this.#delivery;
    await this.#pool.end().catch(() => {});
  }

  #corrupt(what: string, err?: unknown): LineageError {
    const detail = err === undefined ? '' : ` (${(err as Error)?.message ?? String(err)})`;
    return new LineageError('LEDGER_CORRUPT', `ledger ${this.ledger} is damaged: ${what}${detail}; run \`lineage verify --db ${this.ledger}\``, { cause: err });
  }

  #assertOpen(): void {
    if (this.#closed) throw new LineageError('LEDGER_CLOSED', `ledger ${this.ledger} is closed; open it again`);
  }
}

/** Runs `fn`, retrying with backoff while the database is unreachable, up to `retryMs`; then STORE_UNAVAILABLE. */
async function retrying<T>(target: PgTarget, what: string, fn: () => Promise<T>, stopped: () => boolean = () => false): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof LineageError) throw err;
      if (isLoginRefused(err)) throw unavailable(target.display, `${what}: the database refused the login`, err);
      if (!isTransient(err)) throw err;
      if (stopped() || Date.now() - started >= target.retryMs) throw unavailable(target.display, `${what}: the database is unreachable (retried for ${target.retryMs} ms)`, err);
      await sleep(backoff(attempt));
    }
  }
}

function range(first: number, last: number): number[] {
  const out: number[] = [];
  for (let s = first; s <= last; s++) out.push(s);
  return out;
}
