import { basename, resolve } from 'node:path';
import stringify from 'fast-json-stable-stringify';
import { detectEntryScript } from './context/entry-script.js';
import { runEnvironment } from './context/environment.js';
import { type Context, RunContext } from './context/run-context.js';
import { checkHead, verifyChain, type VerifyOptions, type VerifyResult } from './audit/verify.js';
import { LineageError } from './errors.js';
import { validateInput } from './events/catalog.js';
import type { EventInput, LedgerEvent, TransformType } from './events/types.js';
import { newId } from './ids.js';
import { LIMITS } from './limits.js';
import { type Durability, EventLog, type Head, type InlineBlob } from './log/event-log.js';
import type { Binding, LoadOptions } from './model/binding.js';
import { File, type LineageRecord, Run, suffixOf, Transform } from './model/records.js';
import { cleanName, cleanParams, describe, errorText } from './model/sanitize.js';
import { show } from './util/show.js';
import { Reader } from './reader.js';
import { Snapshot } from './snapshot.js';
import type { Projection } from './state/projection.js';
import { CHECKPOINT_EVERY, type LoadReport, loadProjection, saveCheckpoint } from './checkpoint.js';
import { View } from './state/view.js';
import { ObjectStore } from './storage/object-store.js';
import { closest } from './util/closest.js';
import { KeyedLock } from './util/keyed-lock.js';

/** Options of `open()`. */
export interface OpenOptions {
  /** The ledger folder (default `.lineage`). */
  path?: string;
  /** Keep everything in memory (memory-level); nothing touches the disk. */
  memory?: boolean;
  /** `'sync'` fsyncs each group commit, `'batched'` (default) fsyncs within 200 ms of a commit, `'none'` never fsyncs; all survive a process crash. */
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

const DURABILITIES: readonly Durability[] = ['sync', 'batched', 'none'];

/** Opens a ledger: `open()`, `open('.lineage')`, `open({ memory: true })`, `open(path, { durability })`. */
export async function open(pathOrOptions?: string | OpenOptions, options: OpenOptions = {}): Promise<Ledger> {
  const opts: OpenOptions = typeof pathOrOptions === 'string' ? { ...options, path: pathOrOptions } : { ...(pathOrOptions ?? {}), ...options };
  return Ledger.open(opts);
}

/**
 * A lineage ledger: an append-only, hash-chained event log with in-memory projections.
 * Reads at the head are live; `session()` and `asOf()` give snapshots.
 */
export class Ledger extends Reader {
  readonly #log: EventLog;
  readonly #projection: Projection;
  readonly #store: ObjectStore;
  readonly #ctx = new RunContext();
  readonly #binding: Binding;
  readonly #locks = new KeyedLock();
  readonly #path: string | undefined;
  #closing: Promise<void> | undefined;
  #loaded: LoadReport = { from: 0 };
  #parentRun: string | undefined;
  #checkpointSeq = 0;

  private constructor(log: EventLog, projection: Projection, store: ObjectStore, path: string | undefined) {
    super();
    this.#log = log;
    this.#projection = projection;
    this.#store = store;
    this.#path = path;
    this.#binding = { view: new View(projection), owner: this, load: (id, o) => this.#load(id, o) };
    log.onCommit((events) => {
      for (const e of events) projection.apply(e);
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
    const path = memory ? undefined : resolve(options.path ?? '.lineage');
    const log = await EventLog.open(memory ? { memory: true } : { path: path! }, durability);
    try {
      let loaded: Awaited<ReturnType<typeof loadProjection>>;
      try {
        loaded = await loadProjection(log, options.onProgress);
      } catch (err) {
        if (err instanceof LineageError) throw err;
        throw new LineageError('LEDGER_CORRUPT', `ledger ${path ?? ':memory:'}: ${(err as Error)?.message ?? err}; run \`lineage verify\``, { cause: err });
      }
      const storeDir = memory ? undefined : resolve(options.storage ?? path!);
      const store = new ObjectStore(log, storeDir, durability === 'sync');
      const ledger = new Ledger(log, loaded.projection, store, path);
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

  /** The ledger folder, or undefined in memory. */
  get path(): string | undefined {
    return this.#path;
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
    const t = await this.#ensureTransform(transform, options.script);
    const ctx = this.#ctx.current();
    if (ctx.run && this.#isStarted(ctx.run.id)) await this.#finishRun(ctx.run.id, 'completed');
    const run = await this.#startRun(t.id, params, name, undefined);
    ctx.transform = t;
    ctx.run = run;
    return run;
  }

  /** Ends the context's run (completed unless told otherwise). */
  async finish(options: FinishOptions = {}): Promise<Run | undefined> {
    this.#assertOpen();
    checkOptions(options, 'finish()');
    const status = options.status ?? 'completed';
    if (status !== 'completed' && status !== 'failed') throw new LineageError('INVALID_ARGUMENT', `status is 'completed' or 'failed', not ${show(status)}`);
    if (options.error !== undefined && typeof options.error !== 'string') throw new LineageError('INVALID_ARGUMENT', 'error must be a string');
    if (options.error !== undefined && options.error.length > LIMITS.errorLength) throw new LineageError('LIMIT_EXCEEDED', `the error message has ${options.error.length} characters; the limit is ${LIMITS.errorLength}`);
    const ctx = this.#ctx.current();
    if (options.run !== undefined) {
      if (!(options.run instanceof Run)) throw new LineageError('INVALID_ARGUMENT', `finish({ run }) takes a Run, not ${describe(options.run)}`);
      if (!this.#checkOwner(Run.boundOf(options.run), 'run')) throw new LineageError('RECORD_NOT_SAVED', 'finish({ run }): the run has not been added to this ledger');
    }
    const run = options.run ?? ctx.run;
    if (!run) throw new LineageError('NO_RUN_CONTEXT', 'finish() needs a run: call track() first');
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
    const t = await this.#ensureTransform(transform, undefined);
    const outer = this.#ctx.current().run;
    const parent = outer && this.#isStarted(outer.id) ? outer.id : undefined;
    const run = await this.#startRun(t.id, params, name, parent);
    const ctx: Context = { transform: t, run };
    let result: T;
    try {
      result = await this.#ctx.scope(ctx, async () => fn(run));
    } catch (err) {
      const message = errorText(err);
      for (const r of new Set([ctx.run?.id, run.id])) {
        if (r && this.#isStarted(r)) await this.#finishRun(r, 'failed', message).catch(() => {});
      }
      throw err;
    }
    for (const r of new Set([ctx.run?.id, run.id])) if (r && this.#isStarted(r)) await this.#finishRun(r, 'completed');
    return result;
  }

  /** Saves records (one, or an array, in order) and returns them saved; saving a saved record is a no-op. */
  async add<T extends LineageRecord | readonly LineageRecord[]>(records: T): Promise<T> {
    this.#assertOpen();
    if (Array.isArray(records)) {
      const out: LineageRecord[] = [];
      for (const r of records) out.push(await this.#addOne(r));
      return out as unknown as T;
    }
    return (await this.#addOne(records as LineageRecord)) as T;
  }

  /** A consistent read snapshot at the head: later appends do not change what it sees. */
  session(): Snapshot {
    this.#assertOpen();
    return new Snapshot(this.#projection, this.#projection.seq, this, (id, o) => this.#load(id, o), this.#log);
  }

  /** A read-only snapshot as the ledger was right after event `seq`, or after the last event at or before a time. */
  asOf(at: number | Date): Snapshot {
    this.#assertOpen();
    const seq = this.#resolveSeq(at);
    return new Snapshot(this.#projection, seq, this, (id, o) => this.#load(id, o), this.#log);
  }

  /** Counts by table and event type, the head, and the time span of the log. */
  stats(): LedgerStats {
    const p = this.#projection;
    return {
      events: p.seq,
      head: this.head,
      transforms: p.transformOrder.length,
      runs: p.runOrder.length,
      files: p.fileOrder.length,
      eventsByType: Object.fromEntries([...p.eventCounts.entries()].sort()),
      firstAt: p.seq ? new Date(p.timeline.msAt(1)).toISOString() : undefined,
      lastAt: p.seq ? new Date(p.timeline.msAt(p.seq)).toISOString() : undefined,
    };
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
      if (this.#path !== undefined && this.#projection.seq - this.#checkpointSeq >= CHECKPOINT_EVERY) {
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
    if (this.#log.closed) throw new LineageError('LEDGER_CLOSED', `ledger ${this.#path ?? ':memory:'} is closed; open it again`);
    await this.#log.flush();
    this.#checkpointSeq = await saveCheckpoint(this.#log, this.#projection);
  }

  /** @internal The log, for audit and tooling modules. */
  get log(): EventLog {
    return this.#log;
  }

  /** @internal The projection, for audit and tooling modules. */
  get projection(): Projection {
    return this.#projection;
  }

  /** @internal */
  protected get eventLog(): EventLog {
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

  // ── commands ──────────────────────────────────────────────────────────────

  async #append(events: EventInput[], blobs: InlineBlob[] = []): Promise<LedgerEvent[]> {
    const versions = events.map((e) => validateInput(e));
    return this.#log.append(events, versions, blobs);
  }

  #view(): View {
    return this.#binding.view;
  }

  #isStarted(runId: string): boolean {
    return this.#view().run(runId)?.status === 'started';
  }

  #resolveSeq(at: number | Date): number {
    const head = this.#projection.seq;
    if (typeof at === 'number') {
      if (!Number.isSafeInteger(at)) throw new LineageError('INVALID_ARGUMENT', `asOf() takes an integer seq or a Date, not ${at}`);
      if (at < 1 || at > head) {
        throw new LineageError('OUT_OF_RANGE', head === 0 ? `asOf(${at}): the ledger has no events yet` : `asOf(${at}): seq must be from 1 to the head (${head})`);
      }
      return at;
    }
    if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new LineageError('INVALID_ARGUMENT', `asOf() takes an integer seq or a valid Date, not ${describe(at)}`);
    const timeline = this.#projection.timeline;
    const lo = timeline.countAtOrBefore(at.getTime());
    if (lo === 0) {
      const first = timeline.length ? `; its first event is at ${new Date(timeline.msAt(1)).toISOString()}` : ' (it has no events yet)';
      throw new LineageError('OUT_OF_RANGE', `asOf(${at.toISOString()}): the ledger has no event at or before that time${first}`);
    }
    return lo;
  }

  async #addOne(record: LineageRecord): Promise<LineageRecord> {
    if (record instanceof Transform) return this.#ensureTransform(record, undefined);
    if (record instanceof Run) return this.#saveRun(record);
    if (record instanceof File) return this.#saveFile(record);
    throw new LineageError('INVALID_ARGUMENT', `add() takes Transform, Run and File records, not ${describe(record)}`);
  }

  #checkOwner(bound: { binding: Binding } | undefined, kind: string): boolean {
    if (!bound) return false;
    if (bound.binding.owner !== this) throw new LineageError('INVALID_ARGUMENT', `this ${kind} belongs to another ledger`);
    return true;
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
    if (this.#checkOwner(Transform.boundOf(arg), 'transform')) return Transform.bind(this.#binding, arg.id);
    const init = Transform.initOf(arg)!;
    const name = cleanName(init.name, 'transform name');
    const version = init.version === undefined ? undefined : cleanName(init.version, 'transform version', 256);
    const type = init.type ?? 'pipeline';
    if (!['pipeline', 'notebook', 'script', 'function'].includes(type)) throw new LineageError('INVALID_ARGUMENT', `transform type is pipeline, notebook, script or function, not ${show(type)}`);
    const reference = init.reference === undefined ? undefined : cleanName(init.reference, 'transform reference');
    const id = await this.#locks.run(`t\0${name}`, async () => {
      const rows = view.transformsNamed(name).map((tid) => view.transform(tid)!);
      // No version given: the latest version of that name, else version 1.
      const found = version === undefined ? rows[rows.length - 1] : rows.find((r) => r.version === version);
      if (found) return found.id;
      const tid = newId();
      await this.#append([{ type: 'transform.registered', data: strip({ id: tid, name, version: version ?? '1', type, reference }) }]);
      return tid;
    });
    Transform.attach(arg, this.#binding, id);
    return Transform.bind(this.#binding, id);
  }

  async #trackScript(path: string | undefined): Promise<Transform> {
    const script = await detectEntryScript(path);
    const name = cleanName(script.name, 'script name');
    const view = this.#view();
    const id = await this.#locks.run(`t\0${name}`, async () => {
      const rows = view.transformsNamed(name).map((tid) => view.transform(tid)!);
      const same = rows.filter((r) => r.reference === script.path);
      const match = same.find((r) => r.hash === script.hash);
      if (match) return match.id;
      const numbers = rows.map((r) => Number(r.version)).filter(Number.isSafeInteger);
      const version = String(numbers.length ? Math.max(...numbers) + 1 : 1);
      const tid = newId();
      const type: TransformType = 'script';
      await this.#append([
        {
          type: 'transform.registered',
          data: strip({ id: tid, name, version, type, reference: cleanName(script.path, 'script path'), hash: script.hash, revises: same[same.length - 1]?.id }),
        },
      ]);
      return tid;
    });
    return Transform.bind(this.#binding, id);
  }

  async #startRun(transformId: string, params: Record<string, never> | undefined, name: string | undefined, parent: string | undefined, inputs: readonly string[] = []): Promise<Run> {
    const id = newId();
    const environment = { ...runEnvironment() };
    const parentRunId = parent ?? this.#parentRun;
    // One batch: the run is never seen without the inputs it was started with.
    await this.#append([
      { type: 'run.started', data: strip({ id, transformId, name, params, parentRunId, startedAt: new Date().toISOString(), environment }) },
      ...inputs.map((fileId) => ({ type: 'file.loaded_as_input' as const, data: { fileId, runId: id } })),
    ]);
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

  async #finishRun(runId: string, status: 'completed' | 'failed', error?: string): Promise<void> {
    await this.#locks.run(`r\0${runId}`, async () => {
      if (!this.#isStarted(runId)) return;
      await this.#append([{ type: 'run.finished', data: strip({ runId, status, error, finishedAt: new Date().toISOString() }) }]);
    });
  }

  async #saveRun(run: Run): Promise<Run> {
    if (this.#checkOwner(Run.boundOf(run), 'run')) return run;
    const init = Run.initOf(run)!;
    const t = await this.#ensureTransform(init.transform, undefined);
    const params = cleanRunParams(init.params);
    const name = init.name === undefined ? undefined : cleanName(init.name, 'run name');
    let parent: string | undefined;
    if (init.parent !== undefined) parent = (await this.#saveRun(init.parent)).id;
    const inputs: string[] = [];
    for (const f of init.inputs ?? []) inputs.push((await this.#saveFile(f)).id);
    const saved = await this.#startRun(t.id, params, name, parent, [...new Set(inputs)]);
    Run.attach(run, this.#binding, saved.id);
    return run;
  }

  async #saveFile(file: File): Promise<File> {
    if (this.#checkOwner(File.boundOf(file), 'file')) return file;
    const { source, init } = File.sourceOf(file)!;
    const name = cleanName(init.name ?? basename(source as string), 'file name');
    let runId: string | undefined;
    if (init.run !== undefined) runId = (await this.#saveRun(init.run)).id;
    else runId = this.#ctx.current().run?.id;
    const content = await this.#store.prepare(source);
    const view = this.#view();
    const id = await this.#locks.run(`h\0${content.hash}`, async () => {
      const existing = view.filesWithHash(content.hash)[0];
      if (existing !== undefined) {
        await this.#store.discard(content);
        // Same content again: lamindb returns the existing record and records the new run as a re-creator.
        if (runId !== undefined && !view.isOutputOf(existing, runId)) {
          await this.#append([{ type: 'file.recreated', data: { fileId: existing, runId } }]);
        }
        return existing;
      }
      try {
        const { key, blob } = await this.#store.commit(content);
        const fid = newId();
        const data = strip({ id: fid, name, suffix: suffixOf(name), size: content.size, hash: content.hash, key, runId });
        await this.#append([{ type: 'file.created', data }], blob ? [blob] : []);
        return fid;
      } catch (err) {
        await this.#store.discard(content);
        throw err;
      }
    });
    File.attach(file, this.#binding, id);
    return file;
  }

  async #load(fileId: string, options: LoadOptions): Promise<Buffer> {
    this.#assertOpen();
    checkOptions(options, 'load()');
    if (options.isRunInput !== undefined && typeof options.isRunInput !== 'boolean') {
      throw new LineageError('INVALID_ARGUMENT', 'load({ isRunInput }) takes a boolean');
    }
    const view = this.#view();
    const row = view.file(fileId);
    if (!row) throw new LineageError('FILE_NOT_FOUND', `no file ${fileId} in this ledger`);
    let runId: string | undefined;
    if (options.isRunInput) {
      runId = this.#ctx.current().run?.id;
      if (!runId) throw new LineageError('NO_RUN_CONTEXT', `load({ isRunInput: true }) of ${row.name} needs a run: call track() or ledger.run() first`);
    }
    if (!row.key) throw new LineageError('CONTENT_MISSING', `${row.name} is known by its lineage only: its content was never stored in this ledger`);
    const bytes = await this.#store.read(row.key, row.hash, row.name);
    if (runId !== undefined) {
      const rid = runId;
      await this.#locks.run(`l\0${fileId}\0${rid}`, async () => {
        // A run's own output is never its input: the graph stays acyclic.
        if (view.isOutputOf(fileId, rid) || view.isInputOf(fileId, rid)) return;
        await this.#append([{ type: 'file.loaded_as_input', data: { fileId, runId: rid } }]);
      });
    }
    return bytes;
  }

  #assertOpen(): void {
    if (this.#closing || this.#log.closed) throw new LineageError('LEDGER_CLOSED', `ledger ${this.#path ?? ':memory:'} is closed; open it again`);
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

function checkOptions(options: unknown, where: string): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new LineageError('INVALID_ARGUMENT', `${where} options must be an object, not ${describe(options)}`);
  }
}

function cleanRunParams(params: unknown): Record<string, never> | undefined {
  const clean = cleanParams(params);
  if (clean !== undefined) {
    const bytes = Buffer.byteLength(stringify(clean));
    if (bytes > LIMITS.paramsBytes) throw new LineageError('LIMIT_EXCEEDED', `params take ${bytes} bytes as JSON; the limit is ${LIMITS.paramsBytes}`);
  }
  return clean as Record<string, never> | undefined;
}

/** Drops undefined properties, which canonical JSON would drop silently anyway. */
function strip<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
