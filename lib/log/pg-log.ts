import pg from 'pg';
import { LineageError } from '../errors.js';
import { upcast } from '../events/catalog.js';
import type { EventInput, LedgerEvent } from '../events/types.js';
import { newId } from '../ids.js';
import { LIMITS } from '../limits.js';
import { GENESIS_HASH, sealedSize, sha256Hex, unseal } from './envelope.js';
import type { Head, InlineBlob, LedgerMeta, StoredEvent } from './event-log.js';
import { backoff, isLoginRefused, isTransient, sleep, unavailable } from './pg-errors.js';
import { copyRows } from './pg-copy.js';
import { migrate } from './pg-schema.js';
import { checkContinues } from './raw-append.js';
import { canonicalJson } from './canonical.js';
import { SequencerSeat } from './pg-lead.js';
import { blobRows, checkBatchIds, CommitUnknown, announcedBatches, announcedHead, lookUpBatches, type Pass, type PassRead, type PgJob, sequencePass, submitPending } from './pg-sequencer.js';
import type { PgTarget } from './pg-url.js';
import type { LedgerLog } from './store.js';

const FORMAT = 1;
const MAX_GROUP_EVENTS = 4096;
// How often a writer waiting for its seqs checks on them (and tries to take the sequencer over); after how long it looks them up, submits them again (a crash may have lost them) and how long an idle sequencer keeps its seat.
const WAIT_CHECK_MS = 250;
const STALLED_MS = 400;
const LOOK_UP_MS = 1500;
const LEAD_IDLE_MS = 10_000;
const READ_BATCH = 1000;
// The safety net under LISTEN/NOTIFY: a lost notification (or a dropped listening connection) delays a follower by at most this.
const POLL_MS = 1000;
const HEX64 = /^[0-9a-f]{64}$/;

interface Job extends PgJob {
  resolve: (events: LedgerEvent[]) => void;
  reject: (err: unknown) => void;
  /** When it was committed to lineage_pending (waiting for its seqs since). */
  since?: number;
  /** Its seqs, once announced. */
  range?: [number, number];
  /** When it was last looked up or submitted again. */
  checked?: number;
  /** A COMMIT of it was cut off: it may be recorded. */
  unknown?: boolean;
}

/**
 * The hash-chained event log in PostgreSQL, shared by any number of processes on any number of hosts.
 * Appends go through the ledger's one sequencer (the process holding its seat, pg-lead.ts): writers
 * commit them to lineage_pending in parallel, the sequencer seals them all onto the chain in one
 * transaction (pg-sequencer.ts), and each is acknowledged once its seqs are committed and this
 * process's projection has them. Every process follows the events others append (LISTEN/NOTIFY, and a poll as a safety
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
  #pumping: Promise<void> | null = null;
  // Appends not yet resolved or rejected, and flush()es waiting for them all.
  #unsettled = 0;
  #idle: (() => void)[] = [];
  // A ref'd handle while any append is unsettled: the seat's and the listener's sockets are unref'd
  // (an idle ledger must not keep a process alive), so when the pool's connections broke (the
  // database restarted) an append waiting on the seat would otherwise let the process exit mid-await.
  #keepAlive: NodeJS.Timeout | undefined;
  // Appends committed to lineage_pending, waiting for their seqs, by batch id.
  #waiting = new Map<string, Job>();
  #waitTimer: NodeJS.Timeout | undefined;
  #checking = false;
  #submitPool: pg.Pool | undefined;
  #seat: SequencerSeat | undefined;
  // A writer notified a pending batch (or the seat was just taken): a pass is due.
  #pendingSignal = false;
  // What the last pass read as it committed, for the pass right after it (cleared when the seat goes idle or a pass fails).
  #ahead: PassRead | undefined;
  #triedLead = 0;
  // When this process last sequenced anything (it gives an idle seat up).
  #ledAt = 0;
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
   * Appends events atomically; resolves once they have seqs (committed by the ledger's sequencer)
   * and this process's projection has them. `batch` is the idempotency key (made here when not given).
   */
  append(events: EventInput[], versions: number[], blobs: InlineBlob[] = [], batch?: string): Promise<LedgerEvent[]> {
    if (this.#closed) return Promise.reject(new LineageError('LEDGER_CLOSED', `ledger ${this.ledger} is closed; open it again to append`));
    if (events.length === 0) return Promise.resolve([]);
    const id = batch ?? newId(22);
    // The same id given again while the first is in flight: answered (with its seqs) once the first is settled.
    if (batch !== undefined && (this.#waiting.has(id) || this.#queue.some((j) => j.batch === id))) return this.flush().then(() => this.append(events, versions, blobs, batch));
    let data: string[];
    try {
      checkBatchIds([{ batch: id } as PgJob]);
      // Canonical JSON here, in each writer, not in the sequencer's serial step.
      data = events.map((e) => canonicalJson(e.data)!);
      const digits = String(this.#head.seq + events.length).length;
      for (let k = 0; k < events.length; k++) {
        const size = sealedSize(events[k]!.type, versions[k]!, data[k]!, digits);
        if (size > LIMITS.eventBytes) throw new LineageError('LIMIT_EXCEEDED', `a ${events[k]!.type} event would take ${size} bytes; the limit is ${LIMITS.eventBytes}`);
      }
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.#unsettled++ === 0) this.#keepAlive = setInterval(() => {}, 1 << 30);
    return new Promise((resolve, reject) => {
      let done = false;
      const settle = () => {
        done = true;
        if (--this.#unsettled > 0) return;
        clearInterval(this.#keepAlive);
        this.#keepAlive = undefined;
        for (const w of this.#idle.splice(0)) w();
      };
      this.#queue.push({
        batch: id, events, versions, data, blobs, fresh: batch === undefined,
        resolve: (e) => done || (settle(), resolve(e)),
        reject: (e) => done || (settle(), reject(e)),
      });
      this.#wake();
    });
  }

  #wake(): void {
    this.#pumping ??= this.#pump();
  }

  /**
   * Moves queued appends on: while this process holds the ledger's sequencer seat, it seals them
   * itself, with every pending batch of other processes, in one pass; otherwise it commits them to
   * lineage_pending, where the seat's holder takes them, and waits for their seqs.
   */
  async #pump(): Promise<void> {
    for (;;) {
      if (this.#seat?.held) {
        // Once closing, other processes' batches are left to the next holder: close() must not wait on them.
        if (this.#queue.length === 0 && (!this.#pendingSignal || this.#closed)) {
          this.#ahead = undefined;
          break;
        }
        this.#pendingSignal = false;
        await this.#sequence(this.#takeGroup());
      } else {
        if (this.#queue.length === 0) break;
        // The first append tries for the seat; after that, only appends that wait too long do (#checkWaiting).
        if (this.#triedLead === 0 && (await this.#tryLead())) continue;
        await this.#submit(this.#takeGroup());
      }
    }
    this.#pumping = null;
  }

  #takeGroup(): Job[] {
    const jobs: Job[] = [];
    let count = 0;
    while (this.#queue.length > 0 && (jobs.length === 0 || count + this.#queue[0]!.events.length <= MAX_GROUP_EVENTS)) {
      const j = this.#queue.shift()!;
      count += j.events.length;
      jobs.push(j);
    }
    return jobs;
  }

  /** Tries (at most every 200 ms) to take the ledger's sequencer seat; true if this process holds it. */
  async #tryLead(): Promise<boolean> {
    if (this.#seat?.held) return true;
    const now = Date.now();
    if (this.#closed || now - this.#triedLead < 200) return false;
    this.#triedLead = now;
    this.#seat ??= new SequencerSeat(this.#target.config, this.#target.ledger, () => {
      this.#pendingSignal = true;
      this.#wake();
    });
    try {
      if (!(await this.#seat.take())) return false;
    } catch {
      // Unreachable: the submission retries and reports.
      return false;
    }
    // The first pass takes whatever waits in lineage_pending, this process's own included.
    this.#pendingSignal = true;
    this.#ledAt = Date.now();
    this.#wake();
    return true;
  }

  /** One sequencing pass with these jobs of this process (see sequencePass). */
  async #sequence(jobs: Job[]): Promise<void> {
    const seat = this.#seat!;
    const ahead = this.#ahead;
    this.#ahead = undefined;
    let pass: Pass;
    try {
      pass = await sequencePass(seat.client, this.#target.ledger, jobs, ahead);
    } catch (err) {
      // Sent once: whatever became of them, a retry looks their ids up.
      for (const j of jobs) j.fresh = false;
      const cause = err instanceof CommitUnknown ? err.cause : err;
      if (err instanceof CommitUnknown) for (const j of jobs) j.unknown = true;
      if (err instanceof LineageError) {
        for (const j of jobs) j.reject(err);
        return;
      }
      if ((cause as { constraint?: string })?.constraint === 'lineage_events_pkey') {
        // Another writer (a copy) appended meanwhile: the next pass seals onto the new head.
        this.#queue.unshift(...jobs);
        this.#pendingSignal = true;
        return;
      }
      // Whatever went wrong, the seat is given up (its transaction rolls back). The jobs go through
      // lineage_pending, whose submission retries, and whose sequencing answers a batch that did commit with its seqs.
      await seat.release();
      if (!isTransient(cause) && !(err instanceof CommitUnknown)) {
        const e = new LineageError('WRITE_FAILED', `ledger ${this.ledger}: the database refused the write and nothing was recorded (${(cause as Error)?.message ?? cause})`, { cause });
        for (const j of jobs) j.reject(e);
        // Leave the seat to another process for a while.
        this.#triedLead = Date.now() + 5000;
        return;
      }
      this.#queue.unshift(...jobs);
      return;
    }
    for (const j of jobs) j.fresh = false;
    if (pass.announced.length > 0) this.#ledAt = Date.now();
    this.#ahead = pass.next;
    if (pass.full || (pass.next?.pending.length ?? 0) > 0) this.#pendingSignal = true;
    const deferred = jobs.filter((_, i) => pass.own[i] === undefined);
    if (deferred.length > 0) this.#queue.unshift(...deferred);
    this.#announce(pass.announced);
    const last = pass.sealed.length > 0 ? pass.sealed[pass.sealed.length - 1]!.seq : 0;
    try {
      if (last > 0) await this.#catchUp(last, pass.sealed);
    } catch (err) {
      const e = unavailable(this.ledger, `the append was recorded (up to seq ${last}) but this process could not read the events before it; sync() once the database is back`, err);
      jobs.forEach((j, i) => {
        const o = pass.own[i];
        if (o?.kind === 'refused') j.reject(o.error);
        else if (o) j.reject(e);
      });
      return;
    }
    for (let i = 0; i < jobs.length; i++) {
      const o = pass.own[i];
      const j = jobs[i]!;
      if (!o) continue;
      if (o.kind === 'written') j.resolve(o.events);
      else if (o.kind === 'refused') j.reject(o.error);
      else this.getEvents(range(o.first, o.last)).then((s) => j.resolve(s.map((x) => x.event)), (err) => j.reject(err));
    }
  }

  /** Commits jobs to lineage_pending, retrying while the database is unreachable; they then wait for their seqs. */
  async #submit(jobs: Job[]): Promise<void> {
    for (const j of jobs) j.fresh = false;
    const started = Date.now();
    let reached = jobs.some((j) => j.unknown);
    for (let attempt = 0; ; attempt++) {
      let client: pg.PoolClient | undefined;
      try {
        client = await this.#submitter().connect();
        reached = true;
        await submitPending(client, this.#target.ledger, jobs);
        client.release();
        break;
      } catch (err) {
        client?.release(isTransient(err) ? (err as Error) : undefined);
        const transient = isTransient(err);
        if (err instanceof LineageError || !transient || Date.now() - started >= this.#target.retryMs) {
          const e = err instanceof LineageError ? err
            : !transient && !isLoginRefused(err) ? new LineageError('WRITE_FAILED', `ledger ${this.ledger}: the database refused the write and nothing was recorded (${(err as Error)?.message ?? err})`, { cause: err })
            : unavailable(this.ledger, reached
              ? `the database became unreachable while the append was submitted, and stayed so for ${this.#target.retryMs} ms: it may or may not be recorded; sync() once the database is back shows which`
              : `the database is unreachable; nothing was recorded (retried for ${this.#target.retryMs} ms)`, err);
          for (const j of jobs) j.reject(e);
          return;
        }
        await sleep(backoff(attempt));
      }
    }
    const now = Date.now();
    for (const j of jobs) {
      j.since ??= now;
      j.checked = now;
      this.#waiting.set(j.batch, j);
    }
    this.#waitTimer ??= setInterval(() => void this.#checkWaiting(), WAIT_CHECK_MS);
  }

  /** The pool of submissions: asynchronous commits (see submitPending), two connections. */
  #submitter(): pg.Pool {
    if (!this.#submitPool) {
      const options = [this.#target.config.options, '-c synchronous_commit=off'].filter(Boolean).join(' ');
      const pool = new pg.Pool({ ...this.#target.config, options, max: 2, connectionTimeoutMillis: 10_000, keepAlive: true });
      pool.on('error', () => {});
      pool.on('connect', (c) => c.on('error', () => {}));
      this.#submitPool = pool;
    }
    return this.#submitPool;
  }

  /** Batches whose seqs are now known: the ones this process waits for resolve once its projection has them. */
  #announce(batches: readonly [string, number, number][]): void {
    if (this.#waiting.size === 0) return;
    for (const [b, f, l] of batches) {
      const job = this.#waiting.get(b);
      if (!job || job.range) continue;
      if (f === 0) {
        this.#waiting.delete(b);
        job.reject(new LineageError('LIMIT_EXCEEDED', `ledger ${this.ledger}: the sequencer refused the append: an event passes the limit of ${LIMITS.eventBytes} bytes, or the ledger that of ${LIMITS.events} events`));
        continue;
      }
      job.range = [f, l];
      if (l <= this.#head.seq) this.#fetchResolve(job);
    }
    this.#stopWaitTimer();
  }

  /** Resolves a job whose events this process has already applied, reading them back. */
  #fetchResolve(job: Job): void {
    this.#waiting.delete(job.batch);
    const [f, l] = job.range!;
    this.getEvents(range(f, l)).then((s) => job.resolve(s.map((x) => x.event)), (err) => job.reject(err));
  }

  /**
   * Every WAIT_CHECK_MS while appends wait for seqs: tries to take the sequencer seat over (its
   * holder may have died); looks up batches waiting past LOOK_UP_MS (a notification may be lost)
   * and submits again those not sequenced (a crash may have lost them: the ids keep it idempotent);
   * past retry_ms, gives up on them with STORE_UNAVAILABLE.
   */
  async #checkWaiting(): Promise<void> {
    if (this.#checking) return;
    this.#checking = true;
    try {
      if (this.#waiting.size === 0) return;
      const now = Date.now();
      // No seqs for a while: the seat's holder may be gone (or there is none).
      if (!this.#seat?.held && [...this.#waiting.values()].some((j) => !j.range && now - j.checked! >= STALLED_MS)) await this.#tryLead();
      const stale = [...this.#waiting.values()].filter((j) => !j.range && now - j.checked! >= LOOK_UP_MS);
      if (stale.length > 0) {
        try {
          const found = await lookUpBatches(this.#pool, this.#target.ledger, stale.map((j) => j.batch));
          this.#announce(found);
          const top = Math.max(0, ...found.map((f) => f[2]));
          if (top > this.#head.seq) this.#catchUp(top).catch(() => {});
          const missing = stale.filter((j) => !j.range && this.#waiting.get(j.batch) === j);
          if (missing.length > 0) await submitPending(this.#submitter(), this.#target.ledger, missing);
          for (const j of stale) j.checked = Date.now();
        } catch {
          // Unreachable: the next check tries again, until retry_ms.
        }
      }
      for (const j of [...this.#waiting.values()]) {
        if (Date.now() - j.since! < this.#target.retryMs) continue;
        this.#waiting.delete(j.batch);
        j.reject(unavailable(this.ledger, j.range
          ? `the append was recorded (seqs ${j.range[0]} to ${j.range[1]}) but this process could not read the events before it within ${this.#target.retryMs} ms; sync() once the database is back`
          : `the append was submitted but not sequenced within ${this.#target.retryMs} ms (the database or its sequencer is unreachable): it may or may not be recorded; sync() once the database is back shows which`, undefined));
      }
    } finally {
      this.#checking = false;
      this.#stopWaitTimer();
    }
  }

  #stopWaitTimer(): void {
    if (this.#waiting.size > 0 || !this.#waitTimer) return;
    clearInterval(this.#waitTimer);
    this.#waitTimer = undefined;
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

  /**
   * Applies events a notification carried (their stored texts), in log order after whatever is
   * being delivered: the ones that continue what this process has seen, each link checked as a read
   * checks it; anything else is left to a read (the pass's last notification, or the poll).
   */
  #deliverTexts(texts: string[]): void {
    const run = this.#delivery.then(() => {
      const out: LedgerEvent[] = [];
      let { seq, hash } = this.#head;
      for (const text of texts) {
        const event = JSON.parse(text) as LedgerEvent;
        if (event.seq <= seq) continue;
        if (event.seq !== seq + 1 || event.prev !== hash) break;
        event.hash = sha256Hex(text);
        const data = upcast(event.type, event.v, event.data);
        out.push(data === event.data ? event : ({ ...event, data } as LedgerEvent));
        seq = event.seq;
        hash = event.hash;
      }
      this.#deliver(out);
    });
    this.#delivery = run.catch(() => {});
  }

  #deliver(events: LedgerEvent[]): void {
    if (events.length === 0) return;
    const last = events[events.length - 1]!;
    this.#head = { seq: last.seq, hash: last.hash };
    this.#onCommit(events);
    // Appends of this process that these events hold resolve now: their queries see them.
    if (this.#waiting.size === 0) return;
    const first = events[0]!.seq;
    for (const job of this.#waiting.values()) {
      const r = job.range;
      if (!r || r[1] > last.seq) continue;
      if (r[0] < first) this.#fetchResolve(job);
      else {
        this.#waiting.delete(job.batch);
        job.resolve(events.slice(r[0] - first, r[1] - first + 1));
      }
    }
    this.#stopWaitTimer();
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
          const payload = msg.payload ?? '';
          const nl = payload.indexOf('\n');
          const header = nl < 0 ? payload : payload.slice(0, nl);
          const a = announcedHead(this.#target.ledger, header);
          if (a === undefined) return;
          if (this.#waiting.size > 0) this.#announce(announcedBatches(header, this.#waiting.keys()));
          if (a.head <= this.#head.seq) return;
          if (nl >= 0) this.#deliverTexts(payload.slice(nl + 1).split('\n'));
          else if (!a.more) this.#catchUp(a.head).catch(() => {});
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
    if (this.#seat?.held) {
      // The seat's holder also looks at lineage_pending now and then (a notification may be lost), and gives an idle seat up.
      if (Date.now() - this.#ledAt > LEAD_IDLE_MS && this.#queue.length === 0 && !this.#pumping) void this.#seat.release();
      else {
        this.#pendingSignal = true;
        this.#wake();
      }
    }
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
        // The sequencer (or another copy) appended between the head read and the insert: the primary
        // key refused the overlap; reading the head again tells whether the copy still continues it.
        if ((err as { constraint?: string })?.constraint === 'lineage_events_pkey') return undefined;
        throw err;
      } finally {
        client.release();
      }
    });
    if (events === undefined) return this.appendRaw(bytes, blobs);
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
    // One COPY in binary for all the pieces: raw bytes, where a query would send them as hex text (twice
    // the size, decoded to a string, then parsed). A broken connection resumes after the last piece taken.
    const l = this.#target.ledger;
    let at = 0;
    let since = Date.now();
    for (let attempt = 0; at < count; attempt++) {
      const start = at;
      const client = await this.#retrying('could not read the checkpoint', () => this.#pool.connect());
      let broken: unknown;
      try {
        const select = `SELECT piece, bytes FROM lineage_checkpoint_pieces WHERE ledger = ${client.escapeLiteral(l)} AND seq = ${Math.trunc(seq)} AND piece >= ${at} AND piece < ${Math.min(count, 2 ** 31 - 1)} ORDER BY piece`;
        for await (const rows of copyRows(client, select)) {
          for (const [piece, bytes] of rows) {
            if (piece?.readInt32BE(0) !== at || !bytes) return;
            at++;
            yield bytes;
          }
        }
        return;
      } catch (err) {
        broken = err;
        if (!isTransient(err)) throw err;
      } finally {
        client.release(broken !== undefined);
      }
      // Asked again from the piece it stopped at, with the same patience as any read: retry_ms without progress.
      if (at > start) [since, attempt] = [Date.now(), 0];
      else if (this.#closed || Date.now() - since >= this.#target.retryMs) throw unavailable(this.#target.display, `could not read the checkpoint: the database is unreachable (retried for ${this.#target.retryMs} ms)`, broken);
      await sleep(backoff(attempt));
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

  /** Waits until every append made before the call is settled (resolved or rejected). */
  async flush(): Promise<void> {
    while (this.#unsettled > 0) await new Promise<void>((r) => this.#idle.push(r));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    // Queued appends complete first.
    await this.flush();
    this.#closed = true;
    if (this.#poll) clearInterval(this.#poll);
    if (this.#waitTimer) clearInterval(this.#waitTimer);
    // Giving the seat up lets a waiting writer of another process take it over at once.
    await this.#pumping;
    await this.#seat?.close();
    await this.#submitPool?.end().catch(() => {});
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
