import { AsyncLocalStorage } from 'node:async_hooks';
import { basename, resolve } from 'node:path';
import { detectEntryScript, type EntryScript } from './context/entry-script.js';
import { runEnvironment } from './context/environment.js';
import { type Context, RunContext, runScoped } from './context/run-context.js';
import { checkHead, verifyChain, type VerifyOptions, type VerifyResult } from './audit/verify.js';
import { LineageError } from './errors.js';
import { validateInput } from './events/catalog.js';
import type { EventInput, LabeledKind, LedgerEvent, RequestKeyed, RunEnvironment, TransformType } from './events/types.js';
import { newId } from './ids.js';
import { LIMITS } from './limits.js';
import { type Durability, EventLog, type Head, type InlineBlob } from './log/event-log.js';
import { isPgUrl, parsePgUrl } from './log/pg-url.js';
import type { LedgerLog } from './log/store.js';
import { type Binding, type LoadOptions, loadTarget, ownedBy } from './model/binding.js';
import { File, type FileInit, type LineageRecord, Run, type RunInit, suffixOf, Transform } from './model/records.js';
import { cleanName, cleanParams, describe } from './model/sanitize.js';
import { labelsToChange, type MetaCommands, referenceOption, sameReference } from './model/meta.js';
import type { RunReference, SourceRef } from './state/projection.js';
import { show } from './util/show.js';
import { Reader } from './reader.js';
import { Snapshot } from './snapshot.js';
import type { Projection } from './state/projection.js';
import { CHECKPOINT_EVERY, type LoadReport, loadProjection, saveCheckpoint } from './checkpoint.js';
import { View } from './state/view.js';
import { ObjectStore, type PreparedContent } from './storage/object-store.js';
import { closest } from './util/closest.js';
import { KeyedLock } from './util/keyed-lock.js';
import type { LedgerApi } from './ledger-api.js';
import type { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { type ContentsReport, verifyContents } from './audit/contents.js';
import type { RecordKindName } from './events/lifecycle.js';
import { cleanDescription, cleanKey, erasedError, type RecordWrites } from './model/lifecycle.js';
import { checkRestore, type PendingVersions, planVersion, type VersionPlan } from './model/versioning.js';

/** Options of `open()`. */
export interface OpenOptions {
  /** The ledger folder (default: `$LINEAGE_DB`, set by `lineage exec` for its command, else `.lineage`), or a PostgreSQL URL `postgres://user@host:port/db?ledger=NAME` (see README, "Beyond one machine"). */
  path?: string;
  /** Keep everything in memory (memory-level); nothing touches the disk. */
  memory?: boolean;
  /** `'sync'` fsyncs each group commit; `'batched'` (default) acknowledges a run scope's appends from its journal file and a run's finish (and appends outside a run) once LevelDB holds it and all before it, fsynced within 200 ms; `'journal'` acknowledges every append from its journal file (fsynced within 200 ms) with LevelDB written behind; `'none'` never fsyncs; all survive a process crash. */
  durability?: Durability;
  /** The folder that holds large contents (default: the ledger folder). */
  storage?: string;
  /** Called while the log is replayed on open, with the events replayed so far and their total (for progress bars). */
  onProgress?: (done: number, total: number) => void;
  /**
   * The run that runs started here are children of, when they have no parent of their own
   * (default: `$LINEAGE_RUN`, set by `lineage exec` for its command). A run id from the environment
   * that this ledger does not know is ignored (it was set for another ledger); one passed here is RUN_NOT_FOUND.
   */
  parentRun?: string;
}

/** Options of `track()` and `ledger.run()`. */
export interface RunOptions {
  params?: Record<string, unknown>;
  /** A name for the run. */
  name?: string;
  /** What the run is for, in words (a `record.described` event in the run's first batch). */
  description?: string;
  /** An external reference of the run (lamindb's `Run.reference`): a Nextflow run id, a URL; recorded with its start. */
  reference?: string;
  /** What the reference is (lamindb's `reference_type`), e.g. `nextflow`, `url`. */
  referenceType?: string;
}

/** Options of `track()`. */
export interface TrackOptions extends RunOptions {
  /** The script to register when no transform is given (default: the process's entry script). */
  script?: string;
}

/** Options of `finish()`. */
export interface FinishOptions {
  status?: 'completed' | 'failed';
  error?: string;
  /** The run to end, instead of the context's (e.g. one started by `ledger.add(new Run(...))` or another process). */
  run?: Run;
}

const DURABILITIES: readonly Durability[] = ['sync', 'batched', 'journal', 'none'];

/**
 * The folder of `open()` without a path: `$LINEAGE_DB`, so that a child of `lineage exec` lands in its
 * parent's ledger. Under `lineage exec --url` only `$LINEAGE_URL` is set: a local ./.lineage would
 * silently split the lineage in two, so the caller is told to connect() instead.
 */
function defaultPath(): string {
  const db = process.env.LINEAGE_DB;
  if (db) return db;
  const url = process.env.LINEAGE_URL;
  if (url) {
    throw new LineageError(
      'LEDGER_IS_REMOTE',
      `open() without a path: $LINEAGE_URL is set (${url}) and $LINEAGE_DB is not, so this ledger is held by \`lineage serve\`; use connect(process.env.LINEAGE_URL), or pass open() a path`,
    );
  }
  return '.lineage';
}

/** Opens a ledger: `open()` (`$LINEAGE_DB`, else `.lineage`), `open('.lineage')`, `open('postgres://…?ledger=NAME')`, `open({ memory: true })`, `open(path, { durability })`. */
export async function open(pathOrOptions?: string | OpenOptions, options: OpenOptions = {}): Promise<Ledger> {
  const opts: OpenOptions = typeof pathOrOptions === 'string' ? { ...options, path: pathOrOptions } : { ...(pathOrOptions ?? {}), ...options };
  return Ledger.open(opts);
}

/**
 * A lineage ledger: an append-only, hash-chained event log with in-memory projections.
 * Reads at the head are live; `session()` and `asOf()` give snapshots.
 */
export class Ledger extends Reader implements LedgerApi {
  readonly #log: LedgerLog;
  readonly #projection: Projection;
  readonly #store: ObjectStore;
  readonly #ctx = new RunContext();
  readonly #binding: Binding;
  readonly #locks = new KeyedLock();
  readonly #path: string | undefined;
  // Whether the log outlives the process (a folder or a database): only then is a checkpoint worth writing.
  readonly #lasting: boolean;
  #closing: Promise<void> | undefined;
  #loaded: LoadReport = { from: 0 };
  #parentRun: string | undefined;
  #checkpointSeq = 0;
  readonly #appended = new Set<(seq: number) => void>();
  // The server request (its Idempotency-Key) that the commands running in this async scope are for.
  readonly #request = new AsyncLocalStorage<Omit<RequestKeyed, 'events'>>();
  readonly #meta: MetaCommands = {
    changeLabels: (kind, id, labels, add) => this.labelsFor(kind, id, labels, add),
    setReference: (runId, reference) => this.referenceFor(runId, reference),
    readSource: (t, ref) => this.#readSource(t.name, ref),
  };

  private constructor(log: LedgerLog, projection: Projection, store: ObjectStore, path: string | undefined, lasting: boolean) {
    super();
    this.#log = log;
    this.#lasting = lasting;
    this.#projection = projection;
    this.#store = store;
    this.#path = path;
    const writes: RecordWrites = {
      trash: (kind, id) => this.trashFor(kind, id),
      restore: (kind, id) => this.restoreFor(kind, id),
      erase: (id) => this.eraseFor(id),
      describe: (kind, id, d) => this.describeFor(kind, id, d),
    };
    this.#binding = { view: new View(projection), owner: this, load: (id, o) => this.#load(id, o), writes, meta: this.#meta };
    log.onCommit((events) => {
      for (const e of events) projection.apply(e);
      for (const listener of this.#appended) listener(projection.seq);
    });
  }

  /** @internal Use `open()`. */
  static async open(options: OpenOptions): Promise<Ledger> {
    if (options === null || typeof options !== 'object') throw new LineageError('INVALID_ARGUMENT', 'open() takes a path or an options object');
    const durability = options.durability ?? 'batched';
    if (!DURABILITIES.includes(durability)) throw new LineageError('INVALID_ARGUMENT', `durability is one of ${DURABILITIES.join(', ')}, not ${show(durability)}`);
    const memory = options.memory === true;
    if (options.path !== undefined && typeof options.path !== 'string') throw new LineageError('INVALID_ARGUMENT', `path must be a string, not ${describe(options.path)}`);
    if (options.onProgress !== undefined && typeof options.onProgress !== 'function') throw new LineageError('INVALID_ARGUMENT', 'onProgress must be a function');
    const target = memory ? undefined : (options.path ?? defaultPath());
    const pg = target !== undefined && isPgUrl(target) ? parsePgUrl(target) : undefined;
    const path = target === undefined || pg ? undefined : resolve(target);
    // On PostgreSQL every content is stored in the database (chunked), so that every host can read it.
    // pg loads only for a PostgreSQL ledger (~60 ms): a `lineage exec` step on a folder never pays for it.
    const log: LedgerLog = pg ? await (await import('./log/pg-log.js')).PgLog.open(pg) : await EventLog.open(memory ? { memory: true } : { path: path! }, durability);
    try {
      let loaded: Awaited<ReturnType<typeof loadProjection>>;
      try {
        loaded = await loadProjection(log, options.onProgress);
      } catch (err) {
        if (err instanceof LineageError) throw err;
        throw new LineageError('LEDGER_CORRUPT', `ledger ${log.ledger}: ${(err as Error)?.message ?? err}; run \`lineage verify\``, { cause: err });
      }
      const storeDir = memory || pg ? undefined : resolve(options.storage ?? path!);
      const store = new ObjectStore(log, storeDir, durability === 'sync');
      const ledger = new Ledger(log, loaded.projection, store, path, !memory);
      ledger.#loaded = loaded.report;
      ledger.#checkpointSeq = loaded.report.from;
      ledger.#parentRun = ledger.#adoptParent(options.parentRun);
      return ledger;
    } catch (err) {
      await log.close().catch(() => {});
      throw err;
    }
  }

  /** @internal */
  protected get binding(): Binding {
    return this.#binding;
  }

  /** The ledger folder, or undefined in memory and on PostgreSQL. */
  get path(): string | undefined {
    return this.#path;
  }

  /** Where the ledger lives, as messages name it: its folder, `:memory:`, or its URL without a password. */
  get location(): string {
    return this.#log.ledger;
  }

  /**
   * Waits until this ledger's queries see every event committed before the call, by any process
   * (a shared PostgreSQL ledger); on a folder or in memory, until queued appends are written.
   */
  async sync(): Promise<void> {
    this.#assertOpen();
    await (this.#log.sync ? this.#log.sync() : this.#log.flush());
  }

  /** The last event's seq and hash: export it to check the log against later. */
  get head(): Head {
    return { seq: this.#projection.seq, hash: this.#projection.hash };
  }

  /** The transform and run that operations are attributed to, here (a scoped run's, else the global one). */
  get context(): Readonly<Context> {
    const c = this.#ctx.current();
    return { transform: c.transform, run: c.run };
  }

  /**
   * Starts a run and makes it the context: of the entry script (no argument), of a Transform
   * (registered if new), or of a registered transform's name. The context's previous run finishes first.
   */
  async track(transform?: Transform | string, options: TrackOptions = {}): Promise<Run> {
    this.#assertOpen();
    checkOptions(options, 'track()');
    const params = cleanRunParams(options.params);
    const name = options.name === undefined ? undefined : cleanName(options.name, 'run name');
    const reference = referenceOption(options);
    const description = cleanDescription(options.description, false) ?? undefined;
    const t = await this.#ensureTransform(transform, options.script);
    const ctx = this.#ctx.current();
    if (ctx.run && this.#isStarted(ctx.run.id)) await this.#finishRun(ctx.run.id, 'completed');
    const run = await this.#startRun(t.id, params, name, undefined, { description, reference });
    ctx.transform = t;
    ctx.run = run;
    return run;
  }

  /** Ends the context's run (completed unless told otherwise). */
  async finish(options: FinishOptions = {}): Promise<Run | undefined> {
    this.#assertOpen();
    const status = checkFinish(options);
    const ctx = this.#ctx.current();
    const run = runToFinish(options, ctx, this);
    if (this.#isStarted(run.id)) await this.#finishRun(run.id, status, options.error);
    if (ctx.run?.id === run.id) ctx.run = undefined;
    return run;
  }

  /**
   * A scoped run for orchestrators: inside `fn` and everything it awaits, the context is this run,
   * whatever other scoped runs do meanwhile. It finishes as completed, or failed when `fn` throws.
   */
  async run<T>(transform: Transform | string, fn: (run: Run) => Promise<T> | T, options: RunOptions = {}): Promise<T> {
    this.#assertOpen();
    if (typeof fn !== 'function') throw new LineageError('INVALID_ARGUMENT', 'run(transform, fn): fn must be a function');
    checkOptions(options, 'run()');
    const params = cleanRunParams(options.params);
    const name = options.name === undefined ? undefined : cleanName(options.name, 'run name');
    const reference = referenceOption(options);
    const description = cleanDescription(options.description, false) ?? undefined;
    // A saved transform (the usual case) needs no write: no async step on the way to the run's start.
    const t = transform instanceof Transform && ownedBy(Transform.boundOf(transform), this, 'transform') ? Transform.bind(this.#binding, transform.id) : await this.#ensureTransform(transform, undefined);
    const outer = this.#ctx.current().run;
    const parent = outer && this.#isStarted(outer.id) ? outer.id : undefined;
    // The start is the scope's first append: acknowledged as the scope's others are, and held by LevelDB once its finish resolves.
    const run = await this.#startRun(t.id, params, name, parent, { description, reference, early: true });
    return runScoped(this.#ctx, { transform: t, run }, () => fn(run), (r, error) => this.#finishRun(r, error === undefined ? 'completed' : 'failed', error));
  }

  /**
   * Saves records (one, or an array, in order) and returns them saved; saving a saved record is a
   * no-op. An array is saved atomically, in one write: all of its records or, on any error, none.
   */
  async add<T extends LineageRecord | readonly LineageRecord[]>(records: T): Promise<T> {
    this.#assertOpen();
    if (Array.isArray(records)) return (await this.#addMany(records)) as unknown as T;
    // Returned, not awaited here: one async layer fewer on the path of every add.
    return this.#addOne(records as LineageRecord) as Promise<T>;
  }

  /** A consistent read snapshot at the head: later appends do not change what it sees. */
  session(): Snapshot {
    this.#assertOpen();
    return new Snapshot(this.#projection, this.#projection.seq, this, (id, o) => this.#load(id, o), this.#log, this.#meta);
  }

  /** A read-only snapshot as the ledger was right after event `seq`, or after the last event at or before a time. */
  asOf(at: number | Date): Snapshot {
    this.#assertOpen();
    const seq = seqAt(this.#projection, at);
    return new Snapshot(this.#projection, seq, this, (id, o) => this.#load(id, o), this.#log, this.#meta);
  }

  /** Counts by table and event type, the head, and the time span of the log. */
  stats(): LedgerStats {
    return statsOf(this.#projection);
  }

  /** Identity of the ledger: its id, format and creation time. */
  get info(): { ledgerId: string; format: number; createdAt: string } {
    return this.#log.info;
  }

  /** Finishes the context's open run as completed, completes queued appends, and releases the ledger. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const run = this.#ctx.global.run;
    try {
      if (run && this.#isStarted(run.id)) await this.#finishRun(run.id, 'completed');
    } finally {
      this.#ctx.global.run = undefined;
      if (this.#lasting && this.#projection.seq - this.#checkpointSeq >= CHECKPOINT_EVERY) {
        // A checkpoint only speeds up the next open: failing to write one must not fail the close.
        await this.#log.flush();
        await this.checkpoint().catch(() => {});
      }
      await this.#log.close();
    }
  }

  /** @internal How the projection was loaded at open: from a checkpoint (and at which seq), or by a full replay. */
  get loadReport(): LoadReport {
    return { ...this.#loaded };
  }

  /** @internal Stores a checkpoint of the projection at the head now (close does it after enough new events). */
  async checkpoint(): Promise<void> {
    if (this.#log.closed) throw new LineageError('LEDGER_CLOSED', `ledger ${this.#log.ledger} is closed; open it again`);
    await this.#log.flush();
    this.#checkpointSeq = await saveCheckpoint(this.#log, this.#projection);
  }

  /** @internal The log, for audit and tooling modules. */
  get log(): LedgerLog {
    return this.#log;
  }

  /** @internal The projection, for audit and tooling modules. */
  get projection(): Projection {
    return this.#projection;
  }

  /** @internal */
  protected get eventLog(): LedgerLog {
    return this.#log;
  }

  /**
   * Walks the whole log over its stored bytes in batches: recomputes each hash, checks each `prev`
   * link, that seqs are contiguous from 1, and, with `expectHead` (exported earlier), that the log still
   * reaches that seq with that hash. Reports the first event the chain does not vouch for.
   */
  async verify(options: VerifyOptions = {}): Promise<VerifyResult> {
    this.#assertOpen();
    checkOptions(options, 'verify()');
    return verifyChain(this.#log.readRaw(), { ...options, expectHead: checkHead(options.expectHead) }, this.#projection.seq);
  }

  /**
   * Checks every file's stored content against its recorded hash (streamed: large ones never sit in
   * memory whole): erased by an event is told apart from missing or changed behind the ledger's back.
   */
  async verifyContents(): Promise<ContentsReport> {
    this.#assertOpen();
    const store = this.#store;
    return verifyContents(new View(this.#projection, this.#projection.seq), {
      present: (key) => store.has(key),
      check: async (key, hash, name) => {
        let stream: Readable;
        try {
          stream = await store.stream(key, name);
        } catch (err) {
          if (err instanceof LineageError && err.code === 'CONTENT_MISSING') return 'missing';
          throw err;
        }
        const hasher = createHash('sha256');
        for await (const chunk of stream) hasher.update(chunk as Buffer);
        return hasher.digest('hex') === hash ? 'ok' : 'corrupt';
      },
    });
  }

  // ── commands ──────────────────────────────────────────────────────────────

  // Not async: with AsyncLocalStorage in use every promise and every await pays its hooks, and each
  // layer of async function on the path of an awaited call adds two or three promises. Callers
  // await it inside async functions, so a validation error thrown here rejects them all the same.
  // `early`: acknowledged once the log's journal holds the events (the appends of a run scope, by
  // default; see Durability in the README), not once LevelDB does: a run's finish passes false, and
  // so waits until LevelDB holds the run's events and everything before them.
  #append(events: EventInput[], blobs: InlineBlob[] = [], early = this.#ctx.scoped): Promise<LedgerEvent[]> {
    const request = this.#request.getStore();
    // In the same batch: the key is in the log exactly when what the request did is.
    if (request && events.length > 0) events = [...events, { type: 'request.keyed', data: { ...request, events: events.length } }];
    const versions = new Array<number>(events.length);
    for (let i = 0; i < events.length; i++) versions[i] = validateInput(events[i]!);
    return early && this.#log.appendEarly ? this.#log.appendEarly(events, versions, blobs) : this.#log.append(events, versions, blobs);
  }

  #view(): View {
    return this.#binding.view;
  }

  #isStarted(runId: string): boolean {
    const runs = this.#projection.runs;
    return runs.isOpen(runs.indexOf(runId));
  }

  #addOne(record: LineageRecord): Promise<LineageRecord> {
    if (record instanceof Transform) return this.#ensureTransform(record, undefined);
    if (record instanceof Run) return this.#saveRun(record);
    if (record instanceof File) return this.#saveFile(record);
    return Promise.reject(new LineageError('INVALID_ARGUMENT', `add() takes Transform, Run and File records, not ${describe(record)}`));
  }

  async #ensureTransform(arg: Transform | string | undefined, script: string | undefined): Promise<Transform> {
    const view = this.#view();
    if (arg === undefined) return this.#trackScript(script);
    if (typeof arg === 'string') {
      const name = cleanName(arg, 'transform name');
      const ids = view.transformsNamed(name);
      if (ids.length === 0) {
        const names = view.transformIds().map((id) => view.transform(id)!.name);
        const near = closest(name, names);
        throw new LineageError('TRANSFORM_NOT_FOUND', `no transform named "${name}"${near.length ? `; closest: ${near.map((n) => `"${n}"`).join(', ')}` : ' (the ledger has none)'}; register it with track(new Transform({ name }))`);
      }
      return Transform.bind(this.#binding, ids[ids.length - 1]!);
    }
    if (!(arg instanceof Transform)) throw new LineageError('INVALID_ARGUMENT', `expected a Transform or a transform name, not ${describe(arg)}`);
    if (ownedBy(Transform.boundOf(arg), this, 'transform')) return Transform.bind(this.#binding, arg.id);
    const spec = transformSpec(arg);
    const id = await this.#locks.run(`t\0${spec.name}`, async () => {
      const found = this.#registered(spec);
      if (found) return found;
      const tid = newId();
      await this.#append([transformRegistered(tid, spec), ...described('transform', tid, spec.description)]);
      return tid;
    });
    Transform.attach(arg, this.#binding, id);
    return Transform.bind(this.#binding, id);
  }

  /** The id of the registered transform `spec` names (no version: the latest of that name), if any. */
  #registered(spec: TransformSpec): string | undefined {
    const view = this.#view();
    const rows = view.transformsNamed(spec.name).map((tid) => view.transform(tid)!);
    return (spec.version === undefined ? rows[rows.length - 1] : rows.find((r) => r.version === spec.version))?.id;
  }

  /**
   * Saves an array of records in one atomic append: the events of every record it needs (transforms,
   * runs, files; in order, what a record refers to first) are planned under the locks of the names
   * and contents involved, then written as one job, and only then are the records marked saved.
   */
  async #addMany(records: readonly LineageRecord[]): Promise<LineageRecord[]> {
    for (const r of records) {
      if (!(r instanceof Transform || r instanceof Run || r instanceof File)) throw new LineageError('INVALID_ARGUMENT', `add() takes Transform, Run and File records, not ${describe(r)}`);
    }
    // What can be checked and read before taking any lock: names, params, and each file's content.
    const transforms = new Map<Transform, TransformSpec>();
    const runs = new Map<Run, { init: RunInit; params: Record<string, never> | undefined; name: string | undefined; description: string | undefined; reference: RunReference | undefined }>();
    const files = new Map<File, { name: string; content: PreparedContent; init: FileInit; key?: string; description?: string; revises?: string; revisesRecord?: File }>();
    const prepared: PreparedContent[] = [];
    const visitTransform = (t: Transform) => {
      if (!ownedBy(Transform.boundOf(t), this, 'transform') && !transforms.has(t)) transforms.set(t, transformSpec(t));
    };
    const visitRun = (r: Run) => {
      if (ownedBy(Run.boundOf(r), this, 'run') || runs.has(r)) return;
      const init = Run.initOf(r)!;
      // Its inputs must be saved files first, which one planned batch cannot promise yet.
      if (init.inputs?.length) throw new LineageError('INVALID_ARGUMENT', 'a Run with inputs is saved on its own (add(run)), not inside an array; nothing was saved');
      visitTransform(init.transform);
      if (init.parent !== undefined) visitRun(init.parent);
      runs.set(r, { init, params: cleanRunParams(init.params), name: init.name === undefined ? undefined : cleanName(init.name, 'run name'), description: cleanDescription(init.description, false) ?? undefined, reference: referenceOption(init) });
    };
    try {
      for (const r of records) {
        if (r instanceof Transform) visitTransform(r);
        else if (r instanceof Run) visitRun(r);
        else if (!ownedBy(File.boundOf(r), this, 'file') && !files.has(r)) {
          const { source, init } = File.sourceOf(r)!;
          const name = cleanName(init.name ?? basename(source as string), 'file name');
          const extras = this.#fileExtras(init, records);
          if (init.run !== undefined) visitRun(init.run);
          const content = await this.#store.prepare(source);
          prepared.push(content);
          files.set(r, { name, content, init, ...extras });
        }
      }
      const versioning = [...files.values()].some((f) => f.key !== undefined || f.revises !== undefined || f.revisesRecord !== undefined);
      const keys = [...new Set([...[...transforms.values()].map((t) => `t\0${t.name}`), ...[...files.values()].map((f) => `h\0${f.content.hash}`), ...(versioning ? [VERSIONS_LOCK] : [])])].sort();
      const contextRun = this.#ctx.current().run?.id;
      const attach: (() => void)[] = [];
      await this.#locks.runAll(keys, async () => {
        const view = this.#view();
        const events: EventInput[] = [];
        const blobs: InlineBlob[] = [];
        // Ids decided in this batch, by record and by content hash, so that a record named twice is saved once.
        const ids = new Map<LineageRecord, string>();
        const planned = new Map<string, { id: string; runs: Set<string | undefined> }>();
        const pending: PendingVersions = { byKey: new Map(), keyOf: new Map() };
        const transformId = (t: Transform): string => {
          const spec = transforms.get(t);
          if (!spec) return t.id;
          let id = ids.get(t);
          if (id) return id;
          id = this.#registered(spec);
          // The same name and version asked for twice in one batch is one transform.
          for (const [other, known] of ids) if (!id && other instanceof Transform && sameTransform(transforms.get(other), spec)) id = known;
          if (!id) {
            id = newId();
            events.push(transformRegistered(id, spec), ...described('transform', id, spec.description));
          }
          ids.set(t, id);
          attach.push(() => Transform.attach(t, this.#binding, id));
          return id;
        };
        const runId = (r: Run): string => {
          const plan = runs.get(r);
          if (!plan) return r.id;
          let id = ids.get(r);
          if (id) return id;
          const tid = transformId(plan.init.transform);
          const parent = plan.init.parent === undefined ? undefined : runId(plan.init.parent);
          id = newId();
          events.push(runStarted(id, tid, plan.params, plan.name, parent ?? this.#parentRun), ...described('run', id, plan.description));
          if (plan.reference) events.push(runReferenced(id, plan.reference));
          ids.set(r, id);
          attach.push(() => Run.attach(r, this.#binding, id));
          return id;
        };
        for (const r of records) {
          if (r instanceof Transform) transformId(r);
          else if (r instanceof Run) runId(r);
          else {
            const plan = files.get(r);
            if (!plan || ids.has(r)) continue;
            const rid = plan.init.run !== undefined ? runId(plan.init.run) : contextRun;
            const { content } = plan;
            let fid = this.#sameContent(content.hash);
            const seen = fid === undefined ? planned.get(content.hash) : undefined;
            if (fid !== undefined || seen) {
              // Same content again: the existing record, with the new run as a re-creator (as add() of one record does).
              fid ??= seen!.id;
              const creators = seen?.runs ?? new Set<string | undefined>();
              if (rid !== undefined && !creators.has(rid) && !view.isOutputOf(fid, rid)) {
                events.push({ type: 'file.recreated', data: { fileId: fid, runId: rid } });
                creators.add(rid);
              }
            } else {
              // A revised record saved earlier in this batch is known by its planned id.
              const revises = plan.revisesRecord ? ids.get(plan.revisesRecord) : plan.revises;
              if (plan.revisesRecord && revises === undefined) throw new LineageError('INVALID_ARGUMENT', 'new File(x, { revises }): the revised file must be saved first (earlier in the same array, or before)');
              const version = plan.key !== undefined || revises !== undefined ? planVersion(view, plan.key, revises, pending) : undefined;
              const { key, blob } = await this.#store.commit(content);
              fid = newId();
              events.push(fileCreated(fid, plan.name, content, key, rid));
              events.push(...versioned(fid, version), ...described('file', fid, plan.description));
              if (version) {
                pending.keyOf.set(fid, version.key);
                if (version.key !== undefined) pending.byKey.set(version.key, fid);
              }
              if (blob) blobs.push(blob);
              planned.set(content.hash, { id: fid, runs: new Set([rid]) });
            }
            ids.set(r, fid);
            const id = fid;
            attach.push(() => File.attach(r, this.#binding, id));
          }
        }
        if (events.length) await this.#append(events, blobs);
      });
      for (const a of attach) a();
    } finally {
      // Contents committed above were moved out of their temporary copies; the others are removed.
      for (const c of prepared) await this.#store.discard(c);
    }
    return records.map((r) => r);
  }

  async #trackScript(path: string | undefined): Promise<Transform> {
    return this.#registerScript(await detectEntryScript(path));
  }

  /** Registers a script as a `script` transform: a new version when its source changed. */
  async #registerScript(script: EntryScript): Promise<Transform> {
    const name = cleanName(script.name, 'script name');
    const view = this.#view();
    const id = await this.#locks.run(`t\0${name}`, async () => {
      const rows = view.transformsNamed(name).map((tid) => view.transform(tid)!);
      const same = rows.filter((r) => r.reference === script.path);
      const match = same.find((r) => r.hash === script.hash);
      // A script registered before sources were stored gets its source now (it is the same code: same hash).
      if (match) {
        if (script.source) await this.#storeSource(match.id, match.hash, script.source, []);
        return match.id;
      }
      const numbers = rows.map((r) => Number(r.version)).filter(Number.isSafeInteger);
      const version = String(numbers.length ? Math.max(...numbers) + 1 : 1);
      const tid = newId();
      const type: TransformType = 'script';
      const registered: EventInput = {
        type: 'transform.registered',
        data: strip({ id: tid, name, version, type, reference: cleanName(script.path, 'script path'), hash: script.hash, revises: same[same.length - 1]?.id }),
      };
      if (script.source) await this.#storeSource(tid, script.hash, script.source, [registered]);
      else await this.#append([registered]);
      return tid;
    });
    return Transform.bind(this.#binding, id);
  }

  async #startRun(transformId: string, params: Record<string, never> | undefined, name: string | undefined, parent: string | undefined, more: { inputs?: readonly string[]; environment?: RunEnvironment; description?: string; reference?: RunReference; early?: boolean } = {}): Promise<Run> {
    const id = newId();
    const events = [runStarted(id, transformId, params, name, parent ?? this.#parentRun, more.environment)];
    // One batch: the run is never seen without the reference and inputs it was started with.
    if (more.description !== undefined) events.push(...described('run', id, more.description));
    if (more.reference) events.push(runReferenced(id, more.reference));
    for (const fileId of more.inputs ?? []) events.push({ type: 'file.loaded_as_input', data: { fileId, runId: id } });
    await this.#append(events, [], more.early);
    return Run.bind(this.#binding, id);
  }

  #adoptParent(id: unknown): string | undefined {
    if (id !== undefined) {
      if (typeof id !== 'string') throw new LineageError('INVALID_ARGUMENT', `parentRun must be a run id (string), not ${describe(id)}`);
      if (!this.#view().run(id)) throw new LineageError('RUN_NOT_FOUND', `parentRun: no run ${id} in this ledger`);
      return id;
    }
    const fromEnv = process.env.LINEAGE_RUN;
    return fromEnv && this.#view().run(fromEnv) ? fromEnv : undefined;
  }

  #finishRun(runId: string, status: 'completed' | 'failed', error?: string): Promise<unknown> {
    return this.#locks.run(`r\0${runId}`, () =>
      // Keys in canonical order (here and in the other builders of events): sealing then writes the object as it is, without a sorted copy.
      this.#isStarted(runId) ? this.#append([{ type: 'run.finished', data: strip({ error, finishedAt: new Date().toISOString(), runId, status }) }], [], false) : undefined,
    );
  }

  async #saveRun(run: Run): Promise<Run> {
    if (ownedBy(Run.boundOf(run), this, 'run')) return run;
    const init = Run.initOf(run)!;
    const t = await this.#ensureTransform(init.transform, undefined);
    const params = cleanRunParams(init.params);
    const name = init.name === undefined ? undefined : cleanName(init.name, 'run name');
    const reference = referenceOption(init);
    let parent: string | undefined;
    if (init.parent !== undefined) parent = (await this.#saveRun(init.parent)).id;
    const inputs: string[] = [];
    for (const f of init.inputs ?? []) inputs.push((await this.#saveFile(f)).id);
    const description = cleanDescription(init.description, false) ?? undefined;
    const saved = await this.#startRun(t.id, params, name, parent, { inputs: [...new Set(inputs)], description, reference });
    Run.attach(run, this.#binding, saved.id);
    return run;
  }

  async #saveFile(file: File): Promise<File> {
    if (ownedBy(File.boundOf(file), this, 'file')) return file;
    const { source, init } = File.sourceOf(file)!;
    const name = cleanName(init.name ?? basename(source as string), 'file name');
    const { key, description, revises } = this.#fileExtras(init);
    let runId: string | undefined;
    if (init.run !== undefined) runId = (await this.#saveRun(init.run)).id;
    else runId = this.#ctx.current().run?.id;
    const content = this.#store.prepareBytes(source) ?? (await this.#store.prepare(source));
    const view = this.#view();
    const id = await this.#locks.run(`h\0${content.hash}`, async () => {
      const existing = this.#sameContent(content.hash);
      if (existing !== undefined) {
        await this.#store.discard(content);
        // Same content again: lamindb returns the existing record and records the new run as a re-creator.
        if (runId !== undefined && !view.isOutputOf(existing, runId)) {
          await this.#append([{ type: 'file.recreated', data: { fileId: existing, runId } }]);
        }
        return existing;
      }
      try {
        const create = async (plan: VersionPlan | undefined) => {
          const { key: storageKey, blob } = this.#store.commitInline(content) ?? (await this.#store.commit(content));
          const fid = newId();
          const created = fileCreated(fid, name, content, storageKey, runId);
          await this.#append(plan === undefined && description === undefined ? [created] : [created, ...versioned(fid, plan), ...described('file', fid, description)], blob ? [blob] : []);
          return fid;
        };
        if (key === undefined && revises === undefined) return await create(undefined);
        // Keys are unique among latest versions: one versioned write at a time decides.
        return await this.#locks.run(VERSIONS_LOCK, () => create(planVersion(view, key, revises)));
      } catch (err) {
        await this.#store.discard(content);
        throw err;
      }
    });
    File.attach(file, this.#binding, id);
    return file;
  }

  /** The file that already holds this content (whose content was not erased), if any: adding it again returns that file. */
  #sameContent(hash: string): string | undefined {
    const view = this.#view();
    for (const id of view.filesWithHash(hash)) if (!view.erasure(id)) return id;
    return undefined;
  }

  /** A new file's key, description and revised file, checked before anything is written. */
  #fileExtras(init: FileInit, batch?: readonly LineageRecord[]): { key?: string; description?: string; revises?: string; revisesRecord?: File } {
    const key = cleanKey(init.key);
    const description = cleanDescription(init.description, false) ?? undefined;
    const r = init.revises;
    if (r === undefined) return strip({ key, description });
    if (!(r instanceof File)) throw new LineageError('INVALID_ARGUMENT', `new File(x, { revises }) takes a File, not ${describe(r)}`);
    if (ownedBy(File.boundOf(r), this, 'file')) return strip({ key, description, revises: r.id });
    if (batch?.includes(r)) return strip({ key, description, revisesRecord: r });
    throw new LineageError('RECORD_NOT_SAVED', 'new File(x, { revises }): the revised file has not been added to this ledger');
  }

  async #load(fileId: string, options: LoadOptions): Promise<Buffer> {
    this.#assertOpen();
    checkOptions(options, 'load()');
    const { row, runId } = loadTarget(this.#view(), fileId, options, this.#ctx);
    const bytes = this.#store.readRecent(row.key, row.hash) ?? (await this.#store.read(row.key, row.hash, row.name));
    if (runId !== undefined) await this.#recordInput(fileId, runId);
    return bytes;
  }

  #recordInput(fileId: string, runId: string): Promise<unknown> {
    const view = this.#view();
    return this.#locks.run(`l\0${fileId}\0${runId}`, () =>
      // A run's own output is never its input: the graph stays acyclic.
      view.isOutputOf(fileId, runId) || view.isInputOf(fileId, runId) ? undefined : this.#append([{ type: 'file.loaded_as_input', data: { fileId, runId } }]),
    );
  }

  // ── commands with an explicit run, for the HTTP server: a client's runs never use this process's context ──

  /** @internal Calls `listener` with the head seq after each group commit; returns the unsubscribe. */
  onAppended(listener: (seq: number) => void): () => void {
    this.#appended.add(listener);
    return () => this.#appended.delete(listener);
  }

  /** @internal Runs `fn` (a server request's commands): every batch they append ends with a `request.keyed` event naming the request and its Idempotency-Key. */
  keyed<T>(request: Omit<RequestKeyed, 'events'>, fn: () => Promise<T>): Promise<T> {
    return this.#request.run(request, fn);
  }

  /** @internal Registers or finds a transform: an unsaved Transform, a registered name, or a (client's) entry script. */
  async transformFor(arg: Transform | string | EntryScript): Promise<Transform> {
    this.#assertOpen();
    if (typeof arg === 'string' || arg instanceof Transform) return this.#ensureTransform(arg, undefined);
    return this.#registerScript({ name: cleanName(arg.name, 'script name'), path: arg.path, hash: arg.hash });
  }

  /** @internal Starts a run of a registered transform, with the caller's parent run and environment. */
  async startRunFor(transformId: string, options: RunOptions & { parentRunId?: string; environment?: RunEnvironment; inputs?: readonly string[] }): Promise<Run> {
    this.#assertOpen();
    checkOptions(options, 'run');
    const params = cleanRunParams(options.params);
    const name = options.name === undefined ? undefined : cleanName(options.name, 'run name');
    const reference = referenceOption(options);
    if (!this.#view().transform(transformId)) throw new LineageError('TRANSFORM_NOT_FOUND', `no transform ${show(transformId)} in this ledger`);
    if (options.parentRunId !== undefined) this.#runRow(options.parentRunId);
    const description = cleanDescription(options.description, false) ?? undefined;
    // Inputs named with the start go in its batch, as a Run record's do (a client's `new Run({ inputs })`).
    const inputs = [...new Set(options.inputs ?? [])];
    for (const fileId of inputs) if (!this.#view().file(fileId)) throw new LineageError('FILE_NOT_FOUND', `no file ${show(fileId)} in this ledger`);
    return this.#startRun(transformId, params, name, options.parentRunId, { environment: options.environment, description, reference, inputs });
  }

  /** @internal Finishes a run by id (a finished run stays as it is). */
  async finishRunFor(runId: string, options: FinishOptions): Promise<Run> {
    this.#assertOpen();
    const status = checkFinish(options);
    this.#runRow(runId);
    await this.#finishRun(runId, status, options.error);
    return Run.bind(this.#binding, runId);
  }

  /** @internal Adds content (a path or bytes) as a file produced by `runId`, or by no run. */
  async addFileFor(source: string | Uint8Array, name: string, runId: string | undefined, extras: { key?: string; description?: string; revises?: string } = {}): Promise<File> {
    this.#assertOpen();
    if (runId !== undefined) this.#runRow(runId);
    if (extras.revises !== undefined) this.#exists('file', extras.revises);
    const revises = extras.revises === undefined ? undefined : File.bind(this.#binding, extras.revises);
    return this.#saveFile(new File(source, { name, run: runId === undefined ? undefined : Run.bind(this.#binding, runId), key: extras.key, description: extras.description, revises }));
  }

  /** @internal Records a file as an input of a run (not when the run made it, nor twice). */
  async recordInputFor(fileId: string, runId: string): Promise<void> {
    this.#assertOpen();
    if (!this.#view().file(fileId)) throw new LineageError('FILE_NOT_FOUND', `no file ${show(fileId)} in this ledger`);
    this.#runRow(runId);
    await this.#recordInput(fileId, runId);
  }

  /** @internal A file's stored content as a stream, with the size and hash it must have. */
  async contentOf(fileId: string): Promise<{ name: string; size: number; hash: string; stream: Readable }> {
    this.#assertOpen();
    const row = this.#view().file(fileId);
    if (!row) throw new LineageError('FILE_NOT_FOUND', `no file ${show(fileId)} in this ledger`);
    const erased = this.#view().erasure(fileId);
    if (erased) throw erasedError(row.name, erased);
    if (!row.key || row.hash === undefined) throw new LineageError('CONTENT_MISSING', `${row.name} is known by its lineage only: its content was never stored in this ledger`);
    return { name: row.name, size: row.size ?? 0, hash: row.hash, stream: await this.#store.stream(row.key, row.name) };
  }

  // ── trash, restore, erase, descriptions (records call these through their binding; the server too) ──

  /** @internal Moves a record to the trash (nothing happens when it is there already). */
  async trashFor(kind: RecordKindName, id: string): Promise<void> {
    this.#assertOpen();
    this.#exists(kind, id);
    await this.#locks.run(VERSIONS_LOCK, async () => {
      if (this.#view().trashState(kind, id) !== undefined) return;
      await this.#append([{ type: 'record.trashed', data: { kind, id } }]);
    });
  }

  /** @internal Brings a record back from the trash; an erased file stays (CONTENT_ERASED), a key taken meanwhile is KEY_CONFLICT. */
  async restoreFor(kind: RecordKindName, id: string): Promise<void> {
    this.#assertOpen();
    const row = this.#exists(kind, id);
    await this.#locks.run(VERSIONS_LOCK, async () => {
      const view = this.#view();
      const state = view.trashState(kind, id);
      if (state === undefined) return;
      if (state === 'erased') throw new LineageError('CONTENT_ERASED', `${row.name ?? id}: its content was erased, so it stays in the trash (its record and lineage remain readable with withTrashed())`);
      if (kind === 'file') checkRestore(view, id);
      await this.#append([{ type: 'record.restored', data: { kind, id } }]);
    });
  }

  /** @internal Puts labels on a record or takes them off, as one event of the labels that change (none: nothing written); resolves to those. */
  async labelsFor(kind: LabeledKind, id: string, labels: readonly string[], add: boolean): Promise<string[]> {
    this.#assertOpen();
    const p = this.#projection;
    const table = kind === 'file' ? p.files : kind === 'run' ? p.runs : p.transforms;
    const i = table.indexOf(id);
    if (typeof id !== 'string' || i < 0 || table.at(i, p.seq) === undefined) throw notFound(kind, id);
    // Under the record's lock: two concurrent adds of one label write it once.
    return this.#locks.run(`L\0${kind}\0${id}`, async () => {
      const change = labelsToChange(p.labels.labelsOf(kind, i, p.seq), labels, add);
      if (change.length) await this.#append([{ type: add ? 'label.added' : 'label.removed', data: { kind, id, labels: change } }]);
      return change;
    });
  }

  /** @internal Sets a run's reference (the same one again writes nothing). */
  async referenceFor(runId: string, reference: RunReference): Promise<void> {
    this.#assertOpen();
    this.#runRow(runId);
    await this.#locks.run(`R\0${runId}`, async () => {
      const p = this.#projection;
      if (sameReference(p.references.at(p.runs.indexOf(runId), p.seq), reference)) return;
      await this.#append([runReferenced(runId, reference)]);
    });
  }

  /**
   * @internal Erases a trashed file's stored content: the `file.erased` event first (so the fact is
   * never lost), then the bytes. Asked again, it removes bytes a crash may have left, with no new event.
   * Content that another file still holds (the same bytes re-added after an earlier erase) stays.
   */
  async eraseFor(fileId: string): Promise<void> {
    this.#assertOpen();
    const row = this.#exists('file', fileId) as ReturnType<View['file']> & object;
    await this.#locks.run(VERSIONS_LOCK, async () => {
      const view = this.#view();
      const state = view.trashState('file', fileId);
      if (state === undefined) throw new LineageError('NOT_IN_TRASH', `${row.name} is not in the trash: delete() it first, then delete({ permanent: true }) to erase its content`);
      if (state === 'trashed') {
        const env = runEnvironment();
        const runId = this.#ctx.current().run?.id;
        await this.#append([{ type: 'file.erased', data: { fileId, by: strip({ user: env.user, hostname: env.hostname, runId }) } }]);
      }
      if (row.key === undefined || row.hash === undefined) return;
      if (view.filesWithHash(row.hash).some((other) => other !== fileId && view.file(other)?.key !== undefined && !view.erasure(other))) return;
      await this.#store.remove(row.key);
    });
  }

  /** @internal Sets or (null) clears a record's description; the same value again writes nothing. */
  async describeFor(kind: RecordKindName, id: string, description: string | null): Promise<void> {
    this.#assertOpen();
    this.#exists(kind, id);
    const d = cleanDescription(description, true) ?? null;
    await this.#locks.run(`d\0${kind}\0${id}`, async () => {
      if ((this.#view().description(kind, id) ?? null) === d) return;
      await this.#append([{ type: 'record.described', data: { kind, id, description: d } }]);
    });
  }

  /** The record's row at the head, or its kind's NOT_FOUND error. */
  #exists(kind: RecordKindName, id: string): { name?: string; key?: string; hash?: string } {
    if (kind !== 'transform' && kind !== 'run' && kind !== 'file') throw new LineageError('INVALID_ARGUMENT', `kind is transform, run or file, not ${show(kind)}`);
    const view = this.#view();
    const row = typeof id !== 'string' ? undefined : kind === 'file' ? view.file(id) : kind === 'run' ? view.run(id) : view.transform(id);
    if (!row) throw new LineageError(kind === 'file' ? 'FILE_NOT_FOUND' : kind === 'run' ? 'RUN_NOT_FOUND' : 'TRANSFORM_NOT_FOUND', `no ${kind} ${show(id)} in this ledger`);
    return row as { name?: string; key?: string; hash?: string };
  }

  /**
   * @internal Stores a transform's source code (a client's entry script), unless the same is stored
   * already; a transform that has a hash (a script) takes only the source with that hash.
   */
  async sourceFor(transformId: string, source: string | Uint8Array): Promise<void> {
    this.#assertOpen();
    const row = this.#view().transform(transformId);
    if (!row) throw notFound('transform', transformId);
    await this.#locks.run(`t\0${row.name}`, () => this.#storeSource(transformId, row.hash, source, []));
  }

  /**
   * Stores `source` as the source of transform `transformId`, appended with `events` (a script's
   * registration) in one batch: a script is never seen without its code. Run under the name's lock.
   */
  async #storeSource(transformId: string, expectedHash: string | undefined, source: string | Uint8Array, events: EventInput[]): Promise<void> {
    const content = await this.#store.prepare(source);
    try {
      if (expectedHash !== undefined && content.hash !== expectedHash) {
        throw new LineageError('INTEGRITY_MISMATCH', `the source given for transform ${transformId} hashes to ${content.hash}, not its recorded ${expectedHash}; nothing was recorded`);
      }
      const p = this.#projection;
      const stored = events.length ? undefined : p.sources.at(p.transforms.indexOf(transformId), p.seq);
      if (stored?.hash === content.hash) {
        return;
      }
      const { key, blob } = await this.#store.commit(content);
      await this.#append([...events, { type: 'transform.source_stored', data: { transformId, hash: content.hash, size: content.size, key } }], blob ? [blob] : []);
    } finally {
      await this.#store.discard(content);
    }
  }

  /** @internal A transform's stored source with content hash `hash` (the current one or an earlier one), checked. */
  async storedSource(transformId: string, hash: string): Promise<Buffer> {
    this.#assertOpen();
    const p = this.#projection;
    const row = this.#view().transform(transformId);
    if (!row) throw notFound('transform', transformId);
    const ref = p.sources.all(p.transforms.indexOf(transformId), p.seq).find((r) => r.hash === hash);
    if (!ref) throw new LineageError('CONTENT_MISSING', `transform ${row.name} has no stored source with hash ${hash}`);
    return this.#readSource(row.name, ref);
  }

  async #readSource(name: string, ref: SourceRef): Promise<Buffer> {
    this.#assertOpen();
    return this.#store.read(ref.key, ref.hash, `the source of ${name}`);
  }

  #runRow(runId: string): void {
    if (typeof runId !== 'string' || !this.#view().run(runId)) throw new LineageError('RUN_NOT_FOUND', `no run ${show(runId)} in this ledger`);
  }

  #assertOpen(): void {
    if (this.#closing || this.#log.closed) throw new LineageError('LEDGER_CLOSED', `ledger ${this.#log.ledger} is closed; open it again`);
  }
}

/** What `ledger.stats()` returns. */
export interface LedgerStats {
  events: number;
  head: Head;
  transforms: number;
  runs: number;
  files: number;
  eventsByType: Record<string, number>;
  firstAt?: string;
  lastAt?: string;
}

/** @internal Counts by table and event type, the head, and the time span of a projection. */
export function statsOf(p: Projection): LedgerStats {
  return {
    events: p.seq,
    head: { seq: p.seq, hash: p.hash },
    transforms: p.transformOrder.length,
    runs: p.runOrder.length,
    files: p.fileOrder.length,
    eventsByType: Object.fromEntries([...p.eventCounts.entries()].sort()),
    firstAt: p.seq ? new Date(p.timeline.msAt(1)).toISOString() : undefined,
    lastAt: p.seq ? new Date(p.timeline.msAt(p.seq)).toISOString() : undefined,
  };
}

/** @internal The seq that `asOf(at)` pins: `at` itself (checked against the head), or the last event at or before a time. */
export function seqAt(projection: Projection, at: number | Date): number {
  const head = projection.seq;
  if (typeof at === 'number') {
    if (!Number.isSafeInteger(at)) throw new LineageError('INVALID_ARGUMENT', `asOf() takes an integer seq or a Date, not ${at}`);
    if (at < 1 || at > head) {
      throw new LineageError('OUT_OF_RANGE', head === 0 ? `asOf(${at}): the ledger has no events yet` : `asOf(${at}): seq must be from 1 to the head (${head})`);
    }
    return at;
  }
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new LineageError('INVALID_ARGUMENT', `asOf() takes an integer seq or a valid Date, not ${describe(at)}`);
  const timeline = projection.timeline;
  const lo = timeline.countAtOrBefore(at.getTime());
  if (lo === 0) {
    const first = timeline.length ? `; its first event is at ${new Date(timeline.msAt(1)).toISOString()}` : ' (it has no events yet)';
    throw new LineageError('OUT_OF_RANGE', `asOf(${at.toISOString()}): the ledger has no event at or before that time${first}`);
  }
  return lo;
}

/** @internal Checks `finish()` options; returns the status. */
/** The run `finish()` ends: the one given (saved in `owner`), else the context's. */
export function runToFinish(options: FinishOptions, ctx: Context, owner: object): Run {
  if (options.run !== undefined) {
    if (!(options.run instanceof Run)) throw new LineageError('INVALID_ARGUMENT', `finish({ run }) takes a Run, not ${describe(options.run)}`);
    if (!ownedBy(Run.boundOf(options.run), owner, 'run')) throw new LineageError('RECORD_NOT_SAVED', 'finish({ run }): the run has not been added to this ledger');
  }
  const run = options.run ?? ctx.run;
  if (!run) throw new LineageError('NO_RUN_CONTEXT', 'finish() needs a run: call track() first');
  return run;
}

export function checkFinish(options: FinishOptions): 'completed' | 'failed' {
  checkOptions(options, 'finish()');
  const status = options.status ?? 'completed';
  if (status !== 'completed' && status !== 'failed') throw new LineageError('INVALID_ARGUMENT', `status is 'completed' or 'failed', not ${show(status)}`);
  if (options.error !== undefined && typeof options.error !== 'string') throw new LineageError('INVALID_ARGUMENT', 'error must be a string');
  if (options.error !== undefined && options.error.length > LIMITS.errorLength) throw new LineageError('LIMIT_EXCEEDED', `the error message has ${options.error.length} characters; the limit is ${LIMITS.errorLength}`);
  return status;
}

/** @internal Checks that options are a plain object. */
export function checkOptions(options: unknown, where: string): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new LineageError('INVALID_ARGUMENT', `${where} options must be an object, not ${describe(options)}`);
  }
}

function cleanRunParams(params: unknown): Record<string, never> | undefined {
  const clean = cleanParams(params);
  if (clean !== undefined) {
    // The canonical JSON's size without writing it canonically: key order changes no byte count.
    const bytes = Buffer.byteLength(JSON.stringify(clean));
    if (bytes > LIMITS.paramsBytes) throw new LineageError('LIMIT_EXCEEDED', `params take ${bytes} bytes as JSON; the limit is ${LIMITS.paramsBytes}`);
  }
  return clean as Record<string, never> | undefined;
}

/** A transform to register, as checked from a Transform's init. */
interface TransformSpec {
  name: string;
  version: string | undefined;
  type: TransformType;
  reference: string | undefined;
  description?: string;
}

function transformSpec(t: Transform): TransformSpec {
  const init = Transform.initOf(t)!;
  const name = cleanName(init.name, 'transform name');
  const version = init.version === undefined ? undefined : cleanName(init.version, 'transform version', 256);
  const type = init.type ?? 'pipeline';
  if (!['pipeline', 'notebook', 'script', 'function'].includes(type)) throw new LineageError('INVALID_ARGUMENT', `transform type is pipeline, notebook, script or function, not ${show(type)}`);
  const reference = init.reference === undefined ? undefined : cleanName(init.reference, 'transform reference');
  const description = cleanDescription(init.description, false) ?? undefined;
  return { name, version, type, reference, description };
}

function sameTransform(a: TransformSpec | undefined, b: TransformSpec): boolean {
  return a !== undefined && a.name === b.name && (a.version ?? '1') === (b.version ?? '1');
}

function transformRegistered(id: string, spec: TransformSpec): EventInput {
  return { type: 'transform.registered', data: strip({ id, name: spec.name, version: spec.version ?? '1', type: spec.type, reference: spec.reference }) };
}

function runReferenced(runId: string, r: RunReference): EventInput {
  return { type: 'run.referenced', data: strip({ runId, reference: r.reference, referenceType: r.referenceType }) };
}

/** The NOT_FOUND error of a record kind. */
function notFound(kind: LabeledKind, id: unknown): LineageError {
  const code = kind === 'file' ? 'FILE_NOT_FOUND' : kind === 'run' ? 'RUN_NOT_FOUND' : 'TRANSFORM_NOT_FOUND';
  return new LineageError(code, `no ${kind} ${show(id)} in this ledger`);
}

function runStarted(id: string, transformId: string, params: Record<string, never> | undefined, name: string | undefined, parentRunId: string | undefined, environment: RunEnvironment = { ...runEnvironment() }): EventInput {
  return { type: 'run.started', data: strip({ environment, id, name, params, parentRunId, startedAt: new Date().toISOString(), transformId }) };
}

/** The lock that every versioned write (a key, revises, trash, restore, erase) takes: they are rare, and one order decides. */
const VERSIONS_LOCK = 'v\0';

/** The `record.described` event of a new record, when it has a description. */
function described(kind: RecordKindName, id: string, description: string | undefined): EventInput[] {
  return description === undefined ? [] : [{ type: 'record.described', data: { kind, id, description } }];
}

/** The `file.versioned` event of a new file, when it has a key or revises another. */
function versioned(fileId: string, plan: VersionPlan | undefined): EventInput[] {
  return plan === undefined ? [] : [{ type: 'file.versioned', data: strip({ fileId, key: plan.key, revises: plan.revises }) }];
}

/** The `file.created` event of a new file. */
function fileCreated(id: string, name: string, content: PreparedContent, key: string, runId: string | undefined): EventInput {
  return { type: 'file.created', data: strip({ hash: content.hash, id, key, name, runId, size: content.size, suffix: suffixOf(name) }) };
}

/**
 * Drops undefined properties, which canonical JSON would drop silently anyway: `o` itself when it
 * has none, else a copy without them (a `delete` would turn `o` into a slow dictionary object).
 */
function strip<T extends object>(o: T): T {
  let some = false;
  for (const k in o) if (o[k] === undefined) some = true;
  if (!some) return o;
  const out = {} as T;
  for (const k in o) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
