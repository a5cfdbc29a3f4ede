import { mkdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Level } from 'level';
import { MemoryLevel } from 'memory-level';
import { LineageError } from '../errors.js';
import { newId } from '../ids.js';
import { LIMITS } from '../limits.js';
import type { EventInput, LedgerEvent } from '../events/types.js';
import { GENESIS_HASH, seal, sha256Hex, unseal } from './envelope.js';
import { Journal, journalFiles, readJournal, removeJournal, type JournalGroup } from './journal.js';
import { keySeq, seqKey } from './keys.js';
import { checkContinues } from './raw-append.js';
import { isExactText, StoredText } from './stored-text.js';
import type { LedgerLog } from './store.js';

/**
 * How hard an append works to survive a crash before it is acknowledged. Every mode survives a
 * process crash (LevelDB's write-ahead log, or the ledger's own journal file, is written before an
 * append resolves). Against power loss: `'sync'` fsyncs each group commit (nothing acknowledged is
 * lost), `'batched'` and `'journal'` fsync at most `BATCHED_SYNC_MS` after a commit (a bounded
 * window), `'none'` leaves it to the OS. `'journal'` writes each group commit to `journal/`
 * synchronously on the main thread and acknowledges it there; LevelDB gets the events behind, in
 * groups, and the next open replays what it had not got. `'batched'` on disk does the same for
 * appends made with `appendEarly` (a `ledger.run` scope's), and acknowledges every other append
 * (a run's finish, an append outside a run) only once LevelDB holds it and everything before it.
 */
export type Durability = 'sync' | 'batched' | 'journal' | 'none';

/** In `'batched'` mode, the longest an acknowledged event waits for an fsync. */
export const BATCHED_SYNC_MS = 200;

/** The position of the log's last event. */
export interface Head {
  seq: number;
  hash: string;
}

/** The ledger's identity, written once when it is created. */
export interface LedgerMeta {
  format: number;
  ledgerId: string;
  createdAt: string;
}

/** A content blob written in the same atomic batch as the events that refer to it. */
export interface InlineBlob {
  key: string;
  value: Uint8Array;
}

/** One stored event: the parsed envelope and the exact stored bytes. */
export interface StoredEvent {
  event: LedgerEvent;
  bytes: Uint8Array;
}

const FORMAT = 1;
/** The file, next to `log/`, that holds the head as of the last clean close. */
export const CLOSED_HEAD = 'head.json';
// A group commit holds at most this many events; a single job larger than this is still one batch.
const MAX_GROUP_EVENTS = 4096;
const READ_BATCH = 1000;
// classic-level stops a nextv at 16 kB by default, about 50 events: a whole batch per call instead.
const READ_BATCH_BYTES = 1 << 20;
// 'journal' mode and 'batched' on disk: LevelDB gets acknowledged groups once this many bytes wait, or BEHIND_MS after the
// first of them, or at once when a reader, a flush or close waits: one round trip to LevelDB's thread
// (and one batch) per many awaited appends instead of one per append. The journal holds them meanwhile.
// Not more: a LevelDB batch past ~128 kB is a buffer malloc maps and unmaps afresh as it grows (page faults on every page).
const BEHIND_BYTES = 48 << 10;
const BEHIND_MS = 25;

interface Job {
  // Acknowledged once the journal holds it (else once LevelDB does).
  early: boolean;
  events: EventInput[];
  versions: number[];
  blobs: InlineBlob[];
  resolve: (events: LedgerEvent[]) => void;
  reject: (err: unknown) => void;
}

/** Jobs sealed together, to be written in one atomic batch: their events, stored bytes, and the group's last seq and hash. */
interface Group {
  jobs: Job[];
  events: LedgerEvent[][];
  bytes: Uint8Array[];
  count: number;
  at: string;
  seq: number;
  hash: string;
}

/** 'journal' mode and 'batched' on disk: an acknowledged group on its way to LevelDB, with only what LevelDB needs (nothing that keeps the jobs alive). */
interface Behind {
  seq: number;
  hash: string;
  bytes: Uint8Array[];
  blobs: InlineBlob[];
  size: number;
}

/** The bytes of a group's events and blobs. */
function sizeOf(bytes: readonly Uint8Array[], blobs: readonly InlineBlob[]): number {
  let size = 0;
  for (const b of bytes) size += b.length;
  for (const b of blobs) size += b.value.length;
  return size;
}

// abstract-level's generics do not survive sublevels of two backends well; the log keeps them internal.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = any;

// Ledgers open in this process. LevelDB's own check for a second open in the same process closes a
// descriptor of the LOCK file on its way out, and POSIX then drops the lock the first open holds:
// another process could open the ledger next and fork its chain. So a second open never reaches LevelDB.
const OPEN_HERE = new Set<string>();

/** Where a log lives: a folder on disk (level's `Level`: classic-level on Node), or memory (memory-level). */
export type LogLocation = { memory: true } | { memory?: false; path: string };

/** The append-only, hash-chained event log: the only module that talks to LevelDB. */
export class EventLog implements LedgerLog {
  #db: Db;
  #log: Db;
  #meta: Db;
  #blobs: Db;
  #checkpoint: Db;
  #durability: Durability;
  #head: Head = { seq: 0, hash: GENESIS_HASH };
  #lastAt = '';
  #queue: Job[] = [];
  #writing: Promise<void> | null = null;
  // The group sealed while the one before it is written, and the last event sealed (written or not).
  #next: Group | undefined;
  #tip = { seq: 0, hash: GENESIS_HASH, at: '' };
  #inFlight = false;
  // Options of the head's put in each commit, made once per sublevel.
  #metaPut: object = {};
  #closed = false;
  // Set by a failed write: LevelDB may have left a torn record in its write-ahead log.
  #damaged = false;
  #onCommit: (events: LedgerEvent[]) => void = () => {};
  #syncTimer: NodeJS.Timeout | undefined;
  #syncing: Promise<void> | undefined;
  #info: LedgerMeta | undefined;
  #claim: string | undefined;
  // Opened by openForAudit: its head was never loaded, so it must never record one.
  #auditOnly = false;
  // 'journal' mode and 'batched' on disk: the journal, groups acknowledged but not yet in LevelDB, and their blobs.
  #journal: Journal | undefined;
  #journalScheduled = false;
  #behind: Behind[] = [];
  #behindBlobs = new Map<string, Uint8Array>();
  #behindRunning: Promise<void> | null = null;
  #behindBytes = 0;
  #behindTimer: NodeJS.Timeout | undefined;
  // The last seq LevelDB holds, and callers waiting until it holds a seq.
  #levelSeq = 0;
  #waiters: { seq: number; resolve: () => void; reject: (err: unknown) => void }[] = [];
  // 'journal' mode: LevelDB refused events the journal holds: nothing more is taken until the ledger is reopened.
  #behindError: LineageError | undefined;
  // 'batched' on disk: the sealed group (and its blobs) that waits for LevelDB before it is
  // acknowledged; the jobs queued behind it are sealed once it is settled, so that none is ever
  // sealed on top of an event that may yet be refused.
  #level: { group: Group; blobs: InlineBlob[]; journaled: boolean } | undefined;
  // 'batched' on disk: groups that waited for LevelDB with no early group behind it, so the journal
  // skipped them (LevelDB's write was their durability), until LevelDB fsyncs them. The next frame
  // carries them first: a machine crash that costs LevelDB its unsynced tail never leaves the journal
  // continuing past a hole (its frames skip only events LevelDB has fsynced).
  #unjournaled: JournalGroup[] = [];
  readonly location: string;
  /** The ledger folder (or `:memory:`), as error messages name it. */
  readonly ledger: string;

  private constructor(db: Db, durability: Durability, location: string, ledger: string) {
    this.#db = db;
    this.ledger = ledger;
    this.#durability = durability;
    this.location = location;
    this.#sublevels();
  }

  #sublevels(): void {
    this.#log = this.#db.sublevel('log', { keyEncoding: 'utf8', valueEncoding: 'view' });
    this.#meta = this.#db.sublevel('meta', { keyEncoding: 'utf8', valueEncoding: 'json' });
    this.#blobs = this.#db.sublevel('blobs', { keyEncoding: 'utf8', valueEncoding: 'view' });
    this.#checkpoint = this.#db.sublevel('checkpoint', { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    this.#metaPut = { sublevel: this.#meta };
  }

  /** Opens (creating if needed) the log; a log open elsewhere fails with LEDGER_LOCKED. */
  static async open(where: LogLocation, durability: Durability = 'batched'): Promise<EventLog> {
    let db: Db;
    let location: string;
    let claim: string | undefined;
    if (where.memory) {
      db = new MemoryLevel({ storeEncoding: 'view' });
      location = ':memory:';
    } else {
      location = join(where.path, 'log');
      claim = await makeFolder(where.path);
      if (OPEN_HERE.has(claim)) throw lockedError(where.path);
      OPEN_HERE.add(claim);
      db = new Level(location, { keyEncoding: 'utf8', valueEncoding: 'view' });
    }
    try {
      await db.open();
    } catch (err) {
      if (claim) OPEN_HERE.delete(claim);
      throw openError(err, where.memory ? ':memory:' : where.path);
    }
    const log = new EventLog(db, durability, location, where.memory ? ':memory:' : where.path);
    log.#claim = claim;
    try {
      await log.#load();
      if ((durability === 'journal' || durability === 'batched') && !where.memory) log.#journal = new Journal(where.path, log.#head.seq + 1);
      log.#levelSeq = log.#head.seq;
    } catch (err) {
      await log.#release();
      throw err;
    }
    return log;
  }

  async #release(): Promise<void> {
    try {
      await this.#db.close();
    } catch {
      // Closing a database that failed to load; the error that matters is the one being thrown.
    } finally {
      if (this.#claim) OPEN_HERE.delete(this.#claim);
    }
  }

  async #load(): Promise<void> {
    try {
      await this.#loadHead();
      await this.#replayJournal();
      await this.#checkClosedHead();
    } catch (err) {
      throw this.#corrupt('could not be read', err);
    }
  }

  /** A LEDGER_CORRUPT error that names the ledger and says what to do; a LineageError passes through. */
  #corrupt(what: string, err?: unknown): LineageError {
    if (err instanceof LineageError) return err;
    const detail = err === undefined ? '' : ` (${(err as Error)?.message ?? String(err)})`;
    return new LineageError('LEDGER_CORRUPT', `ledger ${this.ledger} is damaged: ${what}${detail}; run \`lineage repair --db ${this.ledger}\` (it keeps the intact events and sets the damaged ones aside) or restore a backup`, { cause: err });
  }

  async #loadHead(): Promise<void> {
    let info = (await this.#meta.get('info')) as LedgerMeta | undefined;
    if (!info) {
      info = { format: FORMAT, ledgerId: newId(22), createdAt: new Date().toISOString() };
      await this.#meta.put('info', info, { sync: this.#durability === 'sync' });
    }
    if (info.format > FORMAT) {
      throw new LineageError('LEDGER_FORMAT', `ledger format ${info.format} is newer than this version of lineage-ledger understands (${FORMAT}); upgrade lineage-ledger`);
    }
    this.#info = info;
    // The head is the log's last entry: it is written in the same batch as its event, so the two agree.
    for await (const [key, bytes] of this.#log.iterator({ reverse: true, limit: 1 })) {
      const event = unseal(bytes);
      if (event.seq !== keySeq(key)) throw this.#corrupt(`the event at key ${key} says seq ${event.seq}`);
      this.#head = { seq: event.seq, hash: event.hash };
      this.#lastAt = event.at;
      this.#tip = { seq: event.seq, hash: event.hash, at: event.at };
    }
    // The head is also recorded in the batch of each commit: a last event that was lost or changed shows here.
    const recorded = (await this.#meta.get('head')) as Head | undefined;
    if (recorded && (recorded.seq !== this.#head.seq || recorded.hash !== this.#head.hash)) {
      throw this.#corrupt(`the log ends at seq ${this.#head.seq}, but its recorded head is seq ${recorded.seq}${recorded.seq === this.#head.seq ? ' with another hash' : ''}`);
    }
  }

  // A ledger last written with a journal ('journal', or 'batched' on disk) and not closed cleanly: the journal's events past
  // LevelDB's head are written to LevelDB (each checked to continue the chain) and fsynced, then
  // the journal goes. A torn last frame was never acknowledged and is dropped; a damaged one stops the open.
  async #replayJournal(): Promise<void> {
    if (this.ledger === ':memory:' || journalFiles(this.ledger).length === 0) return;
    const read = readJournal(this.ledger);
    if (read.damaged) throw this.#corrupt(`its journal file ${read.damaged.file} is damaged at byte ${read.damaged.offset} (${read.damaged.reason})`);
    let { seq, hash } = this.#head;
    let at = this.#lastAt;
    const batch = this.#db.batch();
    let added = 0;
    for (const frame of read.frames) {
      let fresh = false;
      for (const bytes of frame.events) {
        let event: LedgerEvent;
        try {
          event = unseal(bytes);
        } catch (err) {
          await batch.close();
          throw this.#corrupt(`an event in its journal file ${frame.file} (frame at byte ${frame.offset}) is not valid JSON`, err);
        }
        if (event.seq < this.#head.seq) continue;
        if (event.seq === this.#head.seq) {
          if (event.hash !== this.#head.hash) {
            await batch.close();
            throw this.#corrupt(`its journal holds another event ${event.seq} than its log`);
          }
          continue;
        }
        if (event.seq !== seq + 1 || event.prev !== hash) {
          await batch.close();
          throw this.#corrupt(`event ${event.seq} in its journal file ${frame.file} does not continue the log at seq ${seq}`);
        }
        batch.put(this.#log.prefixKey(seqKey(event.seq), 'utf8'), bytes);
        seq = event.seq;
        hash = event.hash;
        at = event.at;
        fresh = true;
        added++;
      }
      if (fresh) for (const blob of frame.blobs) batch.put(this.#blobs.prefixKey(blob.key, 'utf8'), blob.value);
    }
    // Written (or already there) and fsynced before the journal goes, so that no crash falls between.
    batch.put('synced', seq, this.#metaPut);
    if (added > 0) batch.put('head', { seq, hash }, this.#metaPut);
    await batch.write({ sync: true });
    this.#head = { seq, hash };
    this.#lastAt = at;
    this.#tip = { seq, hash, at };
    removeJournal(this.ledger);
  }

  // LevelDB drops a damaged tail of its write-ahead log without a word (and the head recorded in the
  // same batch with it). The head written outside LevelDB at the last clean close still tells.
  async #checkClosedHead(): Promise<void> {
    if (this.ledger === ':memory:') return;
    let text: string;
    try {
      text = await readFile(join(this.ledger, CLOSED_HEAD), 'utf8');
    } catch {
      return;
    }
    let closed: Head;
    try {
      closed = JSON.parse(text) as Head;
    } catch {
      return;
    }
    if (!Number.isSafeInteger(closed?.seq) || closed.seq < 1) return;
    if (closed.seq > this.#head.seq) throw this.#corrupt(`it was closed at seq ${closed.seq}, but its log now ends at seq ${this.#head.seq}: events were lost`);
    const bytes = await this.#log.get(seqKey(closed.seq));
    if (!bytes || sha256Hex(bytes) !== closed.hash) throw this.#corrupt(`event ${closed.seq} is not the one it held when it was last closed`);
  }

  /** Called synchronously, in log order, after each group commit is durable and before appends resolve. */
  onCommit(fn: (events: LedgerEvent[]) => void): void {
    this.#onCommit = fn;
  }

  /** The last event's seq and hash (`seq` 0 for an empty log). */
  get head(): Head {
    return { ...this.#head };
  }

  /** Identity of the ledger (id, format, creation time). */
  get info(): LedgerMeta {
    return { ...this.#info! };
  }

  get durability(): Durability {
    return this.#durability;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Appends validated events atomically (all or none), with any inline blobs; resolves with the sealed events. */
  append(events: EventInput[], versions: number[], blobs: InlineBlob[] = []): Promise<LedgerEvent[]> {
    return this.#enqueue(events, versions, blobs, this.#durability === 'journal');
  }

  /**
   * Appends as `append` does, but resolves once the journal holds the events (in `'batched'` and
   * `'journal'` on disk; elsewhere as `append`): for the appends inside a run scope, whose run's
   * finish, appended with `append`, then waits until LevelDB holds them all.
   */
  appendEarly(events: EventInput[], versions: number[], blobs: InlineBlob[] = []): Promise<LedgerEvent[]> {
    return this.#enqueue(events, versions, blobs, true);
  }

  #enqueue(events: EventInput[], versions: number[], blobs: InlineBlob[], early: boolean): Promise<LedgerEvent[]> {
    if (this.#auditOnly) return Promise.reject(new LineageError('LEDGER_CLOSED', `ledger ${this.location} is open for auditing only`));
    if (this.#closed) return Promise.reject(new LineageError('LEDGER_CLOSED', `ledger ${this.location} is closed; open it again to append`));
    if (events.length === 0) return Promise.resolve([]);
    if (this.#journal) {
      if (this.#behindError) return Promise.reject(this.#behindError);
      return new Promise((resolve, reject) => {
        this.#queue.push({ early, events, versions, blobs, resolve, reject });
        // One that waits for LevelDB is sealed and its write started at once, as the writer queue does
        // without a journal; those that arrive while it is written are sealed once it is settled.
        if (!early && !this.#level) this.#journalCommit();
        // Appends made in the same tick share one frame (one write) of the journal.
        else if (!this.#journalScheduled) {
          this.#journalScheduled = true;
          queueMicrotask(() => this.#journalCommit());
        }
      });
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ early, events, versions, blobs, resolve, reject });
      if (!this.#writing) this.#writing = this.#drain();
      // Sealing is CPU work: do it while the group before is being written (and fsynced), not after.
      else if (this.#inFlight) this.#prepare();
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0 || this.#next) {
      this.#prepare();
      const group = this.#next;
      this.#next = undefined;
      if (!group || group.jobs.length === 0) {
        // Every job was refused (too large): nothing to write. Still yield, so that this never ends before append() keeps it.
        await undefined;
        continue;
      }
      this.#inFlight = true;
      try {
        await this.#commit(group);
      } finally {
        this.#inFlight = false;
      }
    }
    this.#writing = null;
  }

  /**
   * Seals queued jobs into the next group, on top of the last sealed event (written or not); with
   * `early`, only the jobs at the front of the queue that are (or are not) acknowledged early.
   */
  #prepare(early?: boolean): void {
    while (this.#queue.length > 0) {
      let group = this.#next;
      // A group holds at most MAX_GROUP_EVENTS events, unless a single job is larger.
      if (group && group.count > 0 && group.count + this.#queue[0]!.events.length > MAX_GROUP_EVENTS) return;
      if (early !== undefined && this.#queue[0]!.early !== early) return;
      const job = this.#queue.shift()!;
      if (!group) {
        let now = new Date().toISOString();
        // Times never go backwards in the log, so that "as of a time" is a binary search.
        if (now < this.#tip.at) now = this.#tip.at;
        group = this.#next = { jobs: [], events: [], bytes: [], count: 0, at: now, seq: this.#tip.seq, hash: this.#tip.hash };
      }
      this.#sealJob(group, job);
    }
  }

  /** Seals one job's events into `group`, or rejects the job (and leaves the group as it was). */
  #sealJob(group: Group, job: Job): void {
    const events: LedgerEvent[] = new Array(job.events.length);
    const start = group.bytes.length;
    let s = group.seq;
    let h = group.hash;
    if (s + job.events.length > LIMITS.events) {
      job.reject(new LineageError('LIMIT_EXCEEDED', `the ledger holds ${s} events; ${job.events.length} more would pass the limit of ${LIMITS.events}`));
      return;
    }
    for (let i = 0; i < job.events.length; i++) {
      const e = job.events[i]!;
      const one = seal(++s, e.type, job.versions[i]!, group.at, e.data, h);
      if (one.bytes.length > LIMITS.eventBytes) {
        group.bytes.length = start;
        job.reject(new LineageError('LIMIT_EXCEEDED', `a ${e.type} event would take ${one.bytes.length} bytes; the limit is ${LIMITS.eventBytes}`));
        return;
      }
      group.bytes.push(one.bytes);
      events[i] = one.event;
      h = one.event.hash;
    }
    group.jobs.push(job);
    group.events.push(events);
    group.count += events.length;
    group.seq = s;
    group.hash = h;
    this.#tip = { seq: s, hash: h, at: group.at };
  }

  /** Puts the jobs of the sealed next group back at the front of the queue: they were sealed on a write that failed. */
  #unprepare(): void {
    this.#tip = { ...this.#head, at: this.#lastAt };
    if (!this.#next) return;
    this.#queue.unshift(...this.#next.jobs);
    this.#next = undefined;
  }

  async #commit(group: Group): Promise<void> {
    if (this.#damaged && !(await this.#recover(group.jobs))) {
      this.#unprepare();
      return;
    }
    const { seq, hash } = group;
    try {
      // A chained batch hands each put to LevelDB directly: several times cheaper than an array of operations.
      // Keys carry their sublevel's prefix already: a put without options skips abstract-level's
      // per-operation sublevel handling, which costs more than the rest of the put (same stored keys).
      const batch = this.#db.batch();
      try {
        putEvents(batch, this.#log, seq - group.bytes.length + 1, group.bytes);
        for (const job of group.jobs) putBlobs(batch, this.#blobs, job.blobs);
        batch.put('head', { seq, hash }, this.#metaPut);
      } catch (err) {
        await batch.close();
        throw err;
      }
      await batch.write({ sync: this.#durability === 'sync' });
    } catch (err) {
      const e = this.#closed && !this.#db.status.startsWith('open')
        ? new LineageError('LEDGER_CLOSED', `ledger ${this.location} closed before the write completed; nothing was recorded`, { cause: err })
        : new LineageError('WRITE_FAILED', `ledger ${this.ledger}: the write failed and nothing was recorded (${(err as Error)?.message ?? err}); check disk space and permissions`, { cause: err });
      // Memory has no write-ahead log to tear.
      if (!this.#closed && this.ledger !== ':memory:') this.#damaged = true;
      this.#unprepare();
      for (const job of group.jobs) job.reject(e);
      return;
    }
    this.#head = { seq, hash };
    this.#lastAt = group.at;
    this.#acknowledge(group);
  }

  /**
   * 'journal' mode, and 'batched' on disk: seals the queued jobs, writes each group to the journal
   * synchronously, and acknowledges the early ones there; LevelDB gets them behind. A group of jobs
   * that wait for LevelDB ('batched': a run's finish, an append outside a run) is journaled only when
   * early groups are behind LevelDB (else its LevelDB write alone is its durability), then written to
   * LevelDB with every group before it and acknowledged once that write is done; nothing is sealed on
   * top of it meanwhile. A failed journal write records nothing of its group.
   */
  #journalCommit(): void {
    this.#journalScheduled = false;
    const journal = this.#journal!;
    // Appends queued while a group waited for LevelDB: the early ones first, in one frame, then the
    // others in one group, so that one LevelDB write takes every finish that waited, not one each.
    // They are concurrent and none is acknowledged yet, so no caller can tell their order.
    if (this.#durability === 'batched' && this.#queue.length > 1) this.#queue = earlyFirst(this.#queue);
    while (this.#queue.length > 0 && !this.#level) {
      const early = this.#queue[0]!.early;
      this.#prepare(early);
      const group = this.#next;
      this.#next = undefined;
      if (!group || group.jobs.length === 0) continue;
      const blobs: InlineBlob[] = [];
      for (const job of group.jobs) for (const blob of job.blobs) blobs.push(blob);
      // One that waits for LevelDB with nothing acknowledged early behind it: LevelDB's write alone
      // makes it durable, as without a journal (no frame: one write() fewer per append outside a run).
      const journaled = early || this.#behind.length > 0;
      try {
        if (journaled) this.#journalAppend(journal, group.bytes, blobs, group.seq);
      } catch (err) {
        this.#tip = { ...this.#head, at: this.#lastAt };
        const e = new LineageError('WRITE_FAILED', `ledger ${this.ledger}: the write to its journal failed and nothing was recorded (${(err as Error)?.message ?? err}); check disk space and permissions`, { cause: err });
        for (const job of group.jobs) job.reject(e);
        continue;
      }
      if (!early) {
        // Acknowledged by the LevelDB write that takes it (#writeBehind), with everything before it.
        this.#level = { group, blobs, journaled };
        this.#kickBehind(true);
        return;
      }
      this.#head = { seq: group.seq, hash: group.hash };
      this.#lastAt = group.at;
      const behind: Behind = { seq: group.seq, hash: group.hash, bytes: group.bytes, blobs, size: sizeOf(group.bytes, blobs) };
      this.#behind.push(behind);
      this.#behindBytes += behind.size;
      for (const blob of blobs) this.#behindBlobs.set(blob.key, blob.value);
      this.#kickBehind(false);
      this.#acknowledge(group);
    }
  }

  /** Writes a frame to the journal, after the frames of the groups it skipped that LevelDB has not fsynced. */
  #journalAppend(journal: Journal, bytes: readonly Uint8Array[], blobs: readonly InlineBlob[], seq: number): void {
    journal.append(bytes, blobs, seq, this.#unjournaled);
    if (this.#unjournaled.length > 0) this.#unjournaled = [];
  }

  /** Records a written group as the head, hands its events to the projection, and resolves its appends. */
  #acknowledge(group: Group): void {
    if (this.#durability === 'batched' || this.#durability === 'journal') this.#scheduleSync();
    try {
      this.#onCommit(group.events.length === 1 ? group.events[0]! : group.events.flat());
    } finally {
      for (let i = 0; i < group.jobs.length; i++) group.jobs[i]!.resolve(group.events[i]!);
    }
  }

  /** Starts the write behind now (`now`, or enough waits), or within BEHIND_MS. */
  #kickBehind(now: boolean): void {
    if (this.#behindRunning || (this.#behind.length === 0 && !this.#level)) return;
    if (now || this.#level || this.#behindBytes >= BEHIND_BYTES) {
      if (this.#behindTimer) {
        clearTimeout(this.#behindTimer);
        this.#behindTimer = undefined;
      }
      this.#behindRunning = this.#writeBehind();
    } else if (!this.#behindTimer) {
      this.#behindTimer = setTimeout(() => {
        this.#behindTimer = undefined;
        this.#kickBehind(true);
      }, BEHIND_MS);
      // An exit without close() loses nothing: the next open replays the journal.
      this.#behindTimer.unref();
    }
  }

  /**
   * Writes the acknowledged groups to LevelDB in batches (the group waiting for LevelDB, if any, in
   * the last), and drops the journal files LevelDB holds. 'journal' mode: a refused write stops
   * every append until the ledger is reopened. 'batched': it rejects the waiting group, whose frame
   * is cut from the journal (nothing of it is recorded); the acknowledged groups stay in the journal
   * and in memory, and the next write (after LevelDB is reopened) takes them again.
   */
  async #writeBehind(): Promise<void> {
    let failed = false;
    try {
      // Groups acknowledged during a write follow at once only if someone waits for them or enough wait; else the timer takes them.
      for (let first = true; (this.#behind.length > 0 || this.#level) && (first || this.#level || this.#waiters.length > 0 || this.#closed || this.#behindBytes >= BEHIND_BYTES); first = false) {
        // About BEHIND_BYTES a batch (a group is never split).
        let take = 0;
        for (let bytes = 0; take < this.#behind.length && (take === 0 || bytes + this.#behind[take]!.size <= BEHIND_BYTES); take++) bytes += this.#behind[take]!.size;
        const groups = this.#behind.slice(0, take);
        // The waiting group goes with the last of the groups before it.
        const level = take === this.#behind.length ? this.#level : undefined;
        const last = level ? level.group : groups[groups.length - 1]!;
        try {
          if (this.#damaged) await this.#reopen();
          const batch = this.#db.batch();
          for (const group of groups) putEvents(batch, this.#log, group.seq - group.bytes.length + 1, group.bytes);
          for (const group of groups) putBlobs(batch, this.#blobs, group.blobs);
          if (level) {
            putEvents(batch, this.#log, level.group.seq - level.group.bytes.length + 1, level.group.bytes);
            putBlobs(batch, this.#blobs, level.blobs);
          }
          batch.put('head', { seq: last.seq, hash: last.hash }, this.#metaPut);
          await batch.write({ sync: false });
        } catch (err) {
          failed = true;
          this.#refused(err, level);
          break;
        }
        this.#behind.splice(0, groups.length);
        for (const group of groups) this.#behindBytes -= group.size;
        this.#levelSeq = last.seq;
        for (const group of groups) for (const blob of group.blobs) this.#behindBlobs.delete(blob.key);
        if (level) {
          this.#level = undefined;
          if (!level.journaled) this.#unjournaled.push({ events: level.group.bytes, blobs: level.blobs, seq: last.seq });
          this.#head = { seq: last.seq, hash: last.hash };
          this.#lastAt = level.group.at;
          this.#acknowledge(level.group);
        }
        this.#waiters = this.#waiters.filter((w) => (w.seq <= last.seq ? (w.resolve(), false) : true));
        const retire = this.#journal!.retireUpTo;
        if (retire > 0 && retire <= last.seq) {
          // A file that stays (the fsync failed) is harmless: the next open skips the events LevelDB holds.
          const synced = await this.#meta.put('synced', last.seq, { sync: true }).then(() => true, () => false);
          if (synced) this.#journal!.retire(last.seq);
        }
        // Appends queued behind the group just acknowledged: journaled now (another waiting group is taken by the next turn).
        if (level) this.#journalCommit();
      }
    } finally {
      this.#behindRunning = null;
    }
    if (this.#behindError) return;
    // A group sealed after a refusal is tried at once (each try settles one); else after a refusal the
    // next attempt waits for the next append, read or flush: no loop against a full disk.
    if (this.#level) this.#kickBehind(true);
    else if (!failed) this.#kickBehind(false);
  }

  /** A write behind that LevelDB refused: see #writeBehind. */
  #refused(err: unknown, level: { group: Group; journaled: boolean } | undefined): void {
    const detail = (err as Error)?.message ?? err;
    if (this.#durability === 'journal') {
      this.#behindError = new LineageError('WRITE_FAILED', `ledger ${this.ledger}: LevelDB could not take events its journal holds (${detail}); they are safe in the journal and the next open writes them; close and reopen the ledger`, { cause: err });
      for (const w of this.#waiters.splice(0)) w.reject(this.#behindError);
      return;
    }
    // LevelDB's write-ahead log may end in a torn record: the next write reopens it first.
    if (!this.#closed) this.#damaged = true;
    const closed = this.#closed && !this.#db.status.startsWith('open');
    if (level) {
      // Sealed last, journaled last (if at all): its frame is the journal's last, and nothing was sealed on top of it.
      if (level.journaled) this.#journal!.undoLast();
      this.#level = undefined;
      this.#tip = { ...this.#head, at: this.#lastAt };
      const e = closed
        ? new LineageError('LEDGER_CLOSED', `ledger ${this.location} closed before the write completed; nothing was recorded`, { cause: err })
        : new LineageError('WRITE_FAILED', `ledger ${this.ledger}: the write failed and nothing was recorded (${detail}); check disk space and permissions`, { cause: err });
      for (const job of level.group.jobs) job.reject(e);
    }
    const behind = new LineageError('WRITE_FAILED', `ledger ${this.ledger}: LevelDB could not take events its journal holds (${detail}); they are safe in the journal, and the next write or open writes them; check disk space and permissions`, { cause: err });
    for (const w of this.#waiters.splice(0)) w.reject(behind);
    if (level) this.#journalCommit();
  }

  // 'journal' mode and 'batched' on disk: reads and other writes of LevelDB wait until it holds every
  // event acknowledged so far (not those acknowledged meanwhile: a steady stream of appends must not starve them).
  #caughtUp(): Promise<void> {
    if (this.#behindError) return Promise.reject(this.#behindError);
    const seq = this.#head.seq;
    if (!this.#journal || this.#levelSeq >= seq) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#waiters.push({ seq, resolve, reject });
      this.#kickBehind(true);
    });
  }

  // A small synchronous write fsyncs LevelDB's log file, and with it every earlier write.
  #scheduleSync(): void {
    if (this.#syncTimer) return;
    this.#syncTimer = setTimeout(() => {
      this.#syncTimer = undefined;
      this.#syncing = this.#syncNow();
    }, BATCHED_SYNC_MS);
    this.#syncTimer.unref();
  }

  async #syncNow(): Promise<void> {
    try {
      if (this.#journal) await this.#journal.sync();
      // 'batched': what LevelDB holds is fsynced too (the journal's files go only once LevelDB has fsynced their events).
      if (this.#durability !== 'journal') {
        const upTo = this.#levelSeq;
        await this.#meta.put('synced', upTo, { sync: true });
        // The groups the journal skipped are safe in LevelDB against a machine crash now: no frame needs to carry them.
        if (this.#unjournaled.length > 0) this.#unjournaled = this.#unjournaled.filter((g) => g.seq > upTo);
      }
    } catch {
      // A failed background fsync loses nothing a process crash would; the next commit schedules another.
    } finally {
      this.#syncing = undefined;
    }
  }

  /**
   * After a failed write, LevelDB's write-ahead log may end in a torn record; a later record written
   * after it in the same block would be dropped with it on recovery, acknowledged or not. Reopening
   * the database recovers the log (dropping only the torn record) and starts a fresh one.
   */
  async #recover(jobs: Job[]): Promise<boolean> {
    try {
      await this.#reopen();
      return true;
    } catch (err) {
      const e = new LineageError('WRITE_FAILED', `ledger ${this.ledger}: it could not recover from an earlier failed write (${(err as { cause?: Error })?.cause?.message ?? (err as Error)?.message ?? err}); nothing was recorded; free disk space, or close and reopen the ledger`, { cause: err });
      for (const job of jobs) job.reject(e);
      return false;
    }
  }

  async #reopen(): Promise<void> {
    await this.#db.close();
    await this.#db.open();
    // Sublevels stay closed when their database closes; new ones follow the reopened database.
    this.#sublevels();
    this.#damaged = false;
  }

  /** Appends events as another log stored them (a copy), each checked to continue this chain, with their contents: one atomic batch. */
  async appendRaw(bytes: readonly Uint8Array[], blobs: InlineBlob[] = []): Promise<Head> {
    this.#assertOpen();
    if (this.#auditOnly) throw new LineageError('LEDGER_CLOSED', `ledger ${this.location} is open for auditing only`);
    if (this.#durability === 'journal') throw new LineageError('INVALID_ARGUMENT', `ledger ${this.location}: a copy writes in 'sync' or 'batched' mode, not 'journal'`);
    // Appends queued before this one are written first: the chain is checked against the real head.
    await this.flush();
    if (this.#damaged) throw new LineageError('WRITE_FAILED', `ledger ${this.ledger}: an earlier write failed; open the ledger again`);
    const events = checkContinues(this.ledger, this.#head, bytes);
    if (events.length === 0) return this.head;
    const last = events[events.length - 1]!;
    if (last.seq > LIMITS.events) throw new LineageError('LIMIT_EXCEEDED', `the ledger would hold ${last.seq} events; the limit is ${LIMITS.events}`);
    const batch = this.#db.batch();
    try {
      putEvents(batch, this.#log, events[0]!.seq, bytes);
      putBlobs(batch, this.#blobs, blobs);
      batch.put('head', { seq: last.seq, hash: last.hash }, this.#metaPut);
    } catch (err) {
      await batch.close();
      throw err;
    }
    try {
      // 'batched' on disk: the journal stays contiguous (a machine crash may cost LevelDB its unsynced tail; the journal's replay restores it).
      if (this.#journal) this.#journalAppend(this.#journal, bytes, blobs, last.seq);
    } catch (err) {
      await batch.close();
      throw new LineageError('WRITE_FAILED', `ledger ${this.ledger}: the write to its journal failed and nothing was recorded (${(err as Error)?.message ?? err}); check disk space and permissions`, { cause: err });
    }
    try {
      await batch.write({ sync: this.#durability !== 'batched' });
    } catch (err) {
      this.#journal?.undoLast();
      throw new LineageError('WRITE_FAILED', `ledger ${this.ledger}: the write failed and nothing was recorded (${(err as Error)?.message ?? err}); check disk space and permissions`, { cause: err });
    }
    this.#head = { seq: last.seq, hash: last.hash };
    this.#lastAt = last.at > this.#lastAt ? last.at : this.#lastAt;
    this.#tip = { ...this.#head, at: this.#lastAt };
    this.#levelSeq = last.seq;
    if (this.#durability === 'batched') this.#scheduleSync();
    this.#onCommit(events);
    return this.head;
  }

  /** Reads one inline blob, or undefined. */
  async getBlob(key: string): Promise<Uint8Array | undefined> {
    this.#assertOpen();
    const behind = this.#behindBlobs.get(key);
    if (behind) return behind;
    try {
      return (await this.#blobs.get(key)) ?? undefined;
    } catch (err) {
      throw this.#corrupt(`content ${key} could not be read`, err);
    }
  }

  /** Removes one inline blob (a file's content erased by a `file.erased` event): the events stay, the bytes go. */
  async deleteBlob(key: string): Promise<void> {
    this.#assertOpen();
    // With a journal the blob (and the erase's own event) may still be on their way to LevelDB:
    // once LevelDB holds them, deleting there is final, and a crash's replay never brings the bytes back.
    await this.flush();
    await this.#blobs.del(key);
  }

  /** The stored bytes of event `seq`, or undefined. */
  async getBytes(seq: number): Promise<Uint8Array | undefined> {
    this.#assertOpen();
    for (const group of this.#behind) {
      const first = group.seq - group.bytes.length + 1;
      if (seq >= first && seq <= group.seq) return group.bytes[seq - first];
    }
    return (await this.#log.get(seqKey(seq))) ?? undefined;
  }

  /**
   * Streams stored events with `from ≤ seq ≤ to` in order, reading in batches. A missing event, a key
   * that disagrees with its event, or a broken prev link is LEDGER_CORRUPT: a reader never sees a gap
   * or a changed event (each event is hashed: about 0.4 µs, a few percent of a replay). The next
   * batch is read from LevelDB while this one is checked and used.
   */
  async *read(from = 1, to = Number.MAX_SAFE_INTEGER, batch = READ_BATCH, after?: string): AsyncGenerator<StoredEvent[]> {
    this.#assertOpen();
    await this.#caughtUp();
    let expect = Math.max(1, from);
    // `after`: the hash of event from - 1, when the caller knows it (a checkpoint), so the first link is checked too.
    let prev: string | undefined = expect === 1 ? GENESIS_HASH : after;
    // On disk, LevelDB hands the values over as text, decoded natively: no buffer per event to make,
    // decode and collect (a quarter of a replay). Text is used only where it is exactly the stored bytes.
    const asText = this.ledger !== ':memory:';
    const it = this.#log.iterator({ gte: seqKey(expect), lte: seqKey(to), highWaterMarkBytes: READ_BATCH_BYTES, ...(asText ? { valueEncoding: 'utf8' } : {}) });
    let next = readAhead(it, batch);
    try {
      for (;;) {
        let entries: [string, Uint8Array | string][];
        try {
          entries = await next;
        } catch (err) {
          throw this.#corrupt(`events from seq ${expect} could not be read`, err);
        }
        if (entries.length === 0) return;
        next = readAhead(it, batch);
        const out = new Array<StoredEvent>(entries.length);
        for (let i = 0; i < entries.length; i++) {
          const key = entries[i]![0];
          let value = entries[i]![1];
          if (typeof value === 'string' && !isExactText(value)) value = await this.#storedBytes(key);
          let stored: StoredEvent;
          try {
            stored = typeof value === 'string' ? new StoredText(value) : { event: unseal(value), bytes: value };
          } catch (err) {
            throw this.#corrupt(`the event at key ${key} is not valid JSON`, err);
          }
          const { event } = stored;
          const seq = keySeq(key);
          if (seq !== expect) throw this.#corrupt(`event ${expect} is missing (the next stored key is ${key})`);
          if (event.seq !== seq) throw this.#corrupt(`the event at key ${key} says seq ${event.seq}`);
          if (prev !== undefined && event.prev !== prev) throw this.#corrupt(`event ${seq} does not link to event ${seq - 1} (its bytes, or those before it, changed)`);
          prev = event.hash;
          expect++;
          out[i] = stored;
        }
        yield out;
      }
    } finally {
      await it.close().catch(() => {});
    }
  }

  // The stored bytes under a log key that read() got as inexact text.
  async #storedBytes(key: string): Promise<Uint8Array> {
    let bytes: Uint8Array | undefined;
    try {
      bytes = await this.#log.get(key);
    } catch (err) {
      throw this.#corrupt(`the event at key ${key} could not be read`, err);
    }
    if (bytes === undefined) throw this.#corrupt(`the event at key ${key} vanished while it was read`);
    return bytes;
  }

  /** Streams raw (key, stored bytes) pairs in key order, for verification; the next batch is read while this one is checked. */
  async *readRaw(from = 1, batch = READ_BATCH): AsyncGenerator<[number, Uint8Array][]> {
    this.#assertOpen();
    await this.#caughtUp();
    const it = this.#log.iterator({ gte: seqKey(Math.max(1, from)), highWaterMarkBytes: READ_BATCH_BYTES });
    let next = readAhead(it, batch);
    try {
      for (;;) {
        const entries = await next;
        if (entries.length === 0) return;
        next = readAhead(it, batch);
        yield entries.map(([key, bytes]) => [keySeq(key), bytes]);
      }
    } finally {
      await it.close();
    }
  }

  /** The stored events with these seqs, in the order given (read together); a missing seq is LEDGER_CORRUPT. */
  async getEvents(seqs: readonly number[]): Promise<StoredEvent[]> {
    this.#assertOpen();
    await this.#caughtUp();
    const values: (Uint8Array | undefined)[] = await this.#log.getMany(seqs.map(seqKey));
    return values.map((bytes, i) => {
      if (bytes === undefined) throw new LineageError('LEDGER_CORRUPT', `ledger ${this.location}: event ${seqs[i]} is missing; run \`lineage verify\``);
      try {
        return { event: unseal(bytes), bytes };
      } catch (err) {
        throw new LineageError('LEDGER_CORRUPT', `ledger ${this.location}: event ${seqs[i]} is not valid JSON; run \`lineage verify\``, { cause: err });
      }
    });
  }

  /**
   * Opens an existing on-disk log for auditing only (`lineage verify`): no head, format or JSON checks,
   * so that a damaged log can still be walked. Nothing is created; do not append to it.
   */
  static async openForAudit(path: string): Promise<EventLog> {
    const location = join(path, 'log');
    // Same-process claim first: LevelDB's own same-process lock check would release the owner's lock.
    let claim: string | undefined;
    try {
      claim = await realpath(path);
    } catch {
      claim = undefined;
    }
    if (claim && OPEN_HERE.has(claim)) throw lockedError(path);
    if (claim) OPEN_HERE.add(claim);
    const db: Db = new Level(location, { keyEncoding: 'utf8', valueEncoding: 'view', createIfMissing: false });
    try {
      await db.open();
    } catch (err) {
      if (claim) OPEN_HERE.delete(claim);
      throw openError(err, path);
    }
    const log = new EventLog(db, 'none', location, path);
    log.#claim = claim;
    log.#auditOnly = true;
    log.#info = ((await log.#meta.get('info').catch(() => undefined)) as LedgerMeta | undefined) ?? { format: FORMAT, ledgerId: '', createdAt: '' };
    return log;
  }

  /** Reads a value from the ledger's meta sublevel. */
  async getMeta<T>(key: string): Promise<T | undefined> {
    this.#assertOpen();
    await this.#caughtUp();
    return ((await this.#meta.get(key)) as T | undefined) ?? undefined;
  }

  /** Writes a value to the ledger's meta sublevel (never the log). */
  async putMeta(key: string, value: unknown): Promise<void> {
    this.#assertOpen();
    await this.#caughtUp();
    await this.#meta.put(key, value, { sync: this.#durability === 'sync' });
  }

  /** Writes pieces `from`, `from + 1`, … of the checkpoint at `seq` (its header comes last, in commitCheckpoint). */
  async putCheckpointPieces(seq: number, from: number, pieces: readonly Uint8Array[]): Promise<void> {
    this.#assertOpen();
    await this.#caughtUp();
    const ops = pieces.map((value, i) => ({ type: 'put', key: pieceKey(seq, from + i), value, valueEncoding: 'view' }));
    await this.#checkpoint.batch(ops, { sync: this.#durability === 'sync' });
  }

  /** Makes the checkpoint at `seq` the stored one (its pieces are written), and drops any other's pieces. */
  async commitCheckpoint(seq: number, header: string, pieces: number): Promise<void> {
    this.#assertOpen();
    await this.#caughtUp();
    await this.#checkpoint.put('header', header, { sync: this.#durability === 'sync' });
    // Pieces past the count are an earlier checkpoint's at the same seq (one of another format).
    await this.#checkpoint.clear({ gte: pieceKey(seq, pieces), lte: pieceKey(seq, Number.MAX_SAFE_INTEGER) });
    await this.#checkpoint.clear({ gte: 'piece:', lt: pieceKey(seq, 0) });
    await this.#checkpoint.clear({ gt: pieceKey(seq, Number.MAX_SAFE_INTEGER), lt: 'piece;' });
  }

  /** The stored checkpoint's header, or undefined. */
  async checkpointHeader(): Promise<string | undefined> {
    this.#assertOpen();
    await this.#caughtUp();
    return ((await this.#checkpoint.get('header')) as string | undefined) ?? undefined;
  }

  /** Streams the first `count` pieces of the checkpoint at `seq`, in order. */
  async *checkpointPieces(seq: number, count = Number.MAX_SAFE_INTEGER): AsyncGenerator<Uint8Array> {
    this.#assertOpen();
    await this.#caughtUp();
    yield* this.#checkpoint.values({ gte: pieceKey(seq, 0), lt: pieceKey(seq, count), valueEncoding: 'view' });
  }

  /** Drops the stored checkpoint: the next open replays the whole log. */
  async clearCheckpoint(): Promise<void> {
    this.#assertOpen();
    await this.#caughtUp();
    await this.#checkpoint.clear();
  }

  /** @internal Overwrites one raw checkpoint entry: for tests that damage a checkpoint. */
  async putCheckpointEntry(key: string, value: string | Uint8Array): Promise<void> {
    await this.#checkpoint.put(key, value, typeof value === 'string' ? {} : { valueEncoding: 'view' });
  }

  /** Waits until every queued append is written. */
  async flush(): Promise<void> {
    while (this.#writing) await this.#writing;
    // A journal commit queued as a microtask runs before this await resumes.
    if (this.#journalScheduled) await undefined;
    // A group waiting for LevelDB, and the appends queued behind it (sealed once it is settled).
    while (this.#level && this.#behindRunning) await this.#behindRunning;
    await this.#caughtUp();
  }

  /** Completes queued appends, refuses new ones, and releases the database. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      // A background write LevelDB refused leaves its events in the journal: close all the same.
      await this.flush().catch(() => {});
      if (this.#behindTimer) {
        clearTimeout(this.#behindTimer);
        this.#behindTimer = undefined;
      }
      if (this.#syncTimer) {
        clearTimeout(this.#syncTimer);
        this.#syncTimer = undefined;
        if (this.#durability === 'batched') await this.#syncNow();
      }
      await this.#syncing;
      if (this.#journal) {
        // The journal goes only once LevelDB holds every event and has fsynced them.
        let held = !this.#behindError && this.#behind.length === 0 && !this.#level;
        if (held) await this.#meta.put('synced', this.#head.seq, { sync: true }).catch(() => (held = false));
        this.#journal.close(held);
      }
      await this.#db.close();
      // Best effort: without it the next open merely cannot tell a silently shortened log.
      if (this.ledger !== ':memory:' && !this.#auditOnly && !this.#behindError && this.#behind.length === 0) await writeHead(this.ledger, this.#head, this.#durability === 'sync').catch(() => {});
    } finally {
      if (this.#claim) OPEN_HERE.delete(this.#claim);
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new LineageError('LEDGER_CLOSED', `ledger ${this.location} is closed; open it again`);
  }
}

/**
 * Starts reading the iterator's next batch. The read runs on LevelDB's thread while the caller works
 * on the batch before; a failure is seen where the batch is awaited, or never if the reader stops first.
 */
function readAhead(it: Db, batch: number): Promise<[string, Uint8Array][]> {
  const next: Promise<[string, Uint8Array][]> = it.nextv(batch);
  next.catch(() => {});
  return next;
}

/** The jobs acknowledged early, then the others, each in their order (the queue itself when already so). */
function earlyFirst(queue: Job[]): Job[] {
  let sorted = true;
  for (let i = 1; i < queue.length && sorted; i++) if (queue[i]!.early && !queue[i - 1]!.early) sorted = false;
  return sorted ? queue : [...queue.filter((j) => j.early), ...queue.filter((j) => !j.early)];
}

/** Puts events `first`, `first + 1`, … into a chained batch, under keys that carry the log sublevel's prefix already. */
function putEvents(batch: Db, log: Db, first: number, bytes: readonly Uint8Array[]): void {
  // A put without options skips abstract-level's per-operation sublevel handling, which costs more than the rest of the put (same stored keys).
  for (let i = 0; i < bytes.length; i++) batch.put(log.prefixKey(seqKey(first + i), 'utf8'), bytes[i]);
}

/** Puts inline blobs into a chained batch, as putEvents does events. */
function putBlobs(batch: Db, blobs: Db, values: readonly InlineBlob[]): void {
  for (const blob of values) batch.put(blobs.prefixKey(blob.key, 'utf8'), blob.value);
}

/** The key of piece `i` of the checkpoint at `seq`. */
function pieceKey(seq: number, i: number): string {
  return `piece:${seqKey(seq)}:${seqKey(i)}`;
}

function openError(err: unknown, path: string): LineageError {
  const cause = (err as { cause?: { code?: string } })?.cause;
  const code = cause?.code ?? (err as { code?: string })?.code;
  if (code === 'LEVEL_LOCKED') return lockedError(path, err);
  const detail = (cause as Error | undefined)?.message ?? (err as Error)?.message ?? String(err);
  const what = code === 'LEVEL_CORRUPTION' ? 'is damaged' : 'could not be opened';
  return new LineageError('LEDGER_CORRUPT', `ledger ${path} ${what}: ${detail}; run \`lineage repair --db ${path}\` (it keeps the intact events and sets the damaged ones aside) or restore a backup`, { cause: err });
}

function lockedError(path: string, cause?: unknown): LineageError {
  return new LineageError('LEDGER_LOCKED', `ledger ${path} is already open (in another process, or earlier in this one); close it there first`, { cause });
}

/** Records `head` in the ledger folder, outside LevelDB: the next open checks the log still reaches it. */
export async function writeHead(ledger: string, head: Head, sync: boolean): Promise<void> {
  await writeFile(join(ledger, CLOSED_HEAD), `${JSON.stringify(head)}\n`, { flush: sync });
}

/** Creates the ledger folder and returns its real path, or a coded error that says why it cannot be. */
async function makeFolder(path: string): Promise<string> {
  try {
    await mkdir(path, { recursive: true });
    return await realpath(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException)?.code;
    const notFolder = code === 'EEXIST' || code === 'ENOTDIR';
    return Promise.reject(new LineageError(notFolder ? 'INVALID_ARGUMENT' : 'WRITE_FAILED', `cannot make the ledger folder ${path} (${code ?? (err as Error)?.message}); ${notFolder ? 'the path, or a part of it, is a file' : 'check the path and its permissions'}`, { cause: err }));
  }
}
