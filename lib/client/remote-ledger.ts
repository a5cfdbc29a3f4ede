import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform as Through } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { checkHead, type VerifyOptions, type VerifyResult } from '../audit/verify.js';
import { detectEntryScript } from '../context/entry-script.js';
import { runEnvironment } from '../context/environment.js';
import { type Context, RunContext, runScoped } from '../context/run-context.js';
import { LineageError } from '../errors.js';
import { checkFinish, checkOptions, runToFinish, type FinishOptions, type LedgerStats, type RunOptions, seqAt, statsOf, type TrackOptions } from '../ledger.js';
import type { LedgerApi } from '../ledger-api.js';
import type { Head } from '../log/event-log.js';
import type { EventSource } from '../log/source.js';
import { type Binding, type LoadOptions, loadTarget, ownedBy, saveEach } from '../model/binding.js';
import { File, type LineageRecord, Run, Transform } from '../model/records.js';
import { cleanName, cleanParams, describe } from '../model/sanitize.js';
import { type MetaCommands, referenceOption } from '../model/meta.js';
import type { LabeledKind } from '../events/types.js';
import type { RunReference, SourceRef } from '../state/projection.js';
import { Reader } from '../reader.js';
import { cleanDescription, cleanKey, type RecordWrites } from '../model/lifecycle.js';
import { Snapshot } from '../snapshot.js';
import { View } from '../state/view.js';
import { CATCH_UP_EVENTS, fetchCheckpoint } from './checkpoint-fetch.js';
import { Follower } from './follower.js';
import { Http } from './http.js';
import { RemoteSource } from './remote-source.js';

/** Options of `connect()`. */
export interface ConnectOptions {
  /** The server's bearer token (`lineage serve --token-file`), sent as `Authorization: Bearer TOKEN`. */
  token?: string;
  /** The run that runs started here without a parent of their own belong to (default: `$LINEAGE_RUN`, when this ledger knows it). */
  parentRun?: string;
  /** Milliseconds a request waits for the server to start answering before it fails with CONNECTION_FAILED (default 60,000). */
  timeout?: number;
}

/** A command's acknowledgement: the id it made or used, and the server's head after it. */
interface Ack {
  id?: string;
  seq: number;
}

/** Connects to a `lineage serve` process: the same API as `open()`, the log held by the server. */
export async function connect(url: string, options: ConnectOptions = {}): Promise<RemoteLedger> {
  if (typeof url !== 'string') throw new LineageError('INVALID_ARGUMENT', `connect() takes the server's address (a string), not ${describe(url)}`);
  if (options === null || typeof options !== 'object') throw new LineageError('INVALID_ARGUMENT', 'connect(url, options): options must be an object');
  if (options.token !== undefined && typeof options.token !== 'string') throw new LineageError('INVALID_ARGUMENT', 'connect(url, { token }): token must be a string');
  if (options.timeout !== undefined && !(Number.isInteger(options.timeout) && options.timeout > 0 && options.timeout <= 2 ** 31 - 1)) {
    throw new LineageError('INVALID_ARGUMENT', `connect(url, { timeout }): timeout must be a whole number of milliseconds above 0, not ${describe(options.timeout)}`);
  }
  return RemoteLedger.connect(url, options);
}

/**
 * A ledger held by a server, used from another process or host. Commands go to the server, which
 * decides and writes; this client follows the server's log into its own projection, so reads
 * (`select`, `lineage`, `session`, `asOf`) are local and synchronous, and a write resolves once the
 * server acknowledged it and this projection has applied it (read-your-writes). Scoped runs are
 * this client's own: each command names its run.
 */
export class RemoteLedger extends Reader implements LedgerApi {
  readonly #http: Http;
  readonly #follower: Follower;
  readonly #binding: Binding;
  readonly #source: EventSource;
  readonly #ctx = new RunContext();
  readonly #ledgerId: string;
  #parentRun: string | undefined;
  #closing: Promise<void> | undefined;
  #startedFrom = 0;
  readonly #meta: MetaCommands = {
    changeLabels: (kind, id, labels, add) => this.#changeLabels(kind, id, labels, add),
    setReference: (runId, reference) => this.#setReference(runId, reference),
    readSource: (t, ref) => this.#readSource(t, ref),
  };

  private constructor(http: Http, follower: Follower, ledgerId: string) {
    super();
    this.#http = http;
    this.#follower = follower;
    this.#ledgerId = ledgerId;
    this.#source = new RemoteSource(http);
    // Trash, restore, erase and descriptions are commands like the others: the server decides.
    const record = (kind: string, id: string, what: string) => `/records/${kind}/${encodeURIComponent(id)}/${what}`;
    const writes: RecordWrites = {
      trash: async (kind, id) => void (await this.#send(record(kind, id, 'trash'), { json: {} })),
      restore: async (kind, id) => void (await this.#send(record(kind, id, 'restore'), { json: {} })),
      erase: async (id) => void (await this.#send(`/files/${encodeURIComponent(id)}/erase`, { json: {} })),
      describe: async (kind, id, description) => void (await this.#send(record(kind, id, 'description'), { json: { description: cleanDescription(description, true) ?? null } })),
    };
    this.#binding = { view: new View(follower.projection), owner: this, load: (id, o) => this.#load(id, o), writes, meta: this.#meta };
  }

  /** @internal Use `connect()`. */
  static async connect(url: string, options: ConnectOptions): Promise<RemoteLedger> {
    const http = new Http(url, options.token, options.timeout);
    const follower = new Follower(http);
    try {
      const head = await http.json<Head & { ledgerId: string }>('GET', '/head');
      // Far behind (a fresh client of a large ledger): from the server's checkpoint, then every event after it.
      let from = 0;
      if (head.seq >= CATCH_UP_EVENTS) {
        const projection = await fetchCheckpoint(http, new RemoteSource(http));
        if (projection) {
          follower.seed(projection);
          from = projection.seq;
        }
      }
      follower.start();
      await follower.reach(head.seq);
      const ledger = new RemoteLedger(http, follower, head.ledgerId);
      ledger.#startedFrom = from;
      ledger.#parentRun = ledger.#adoptParent(options.parentRun);
      return ledger;
    } catch (err) {
      await follower.stop();
      http.close();
      throw err;
    }
  }

  // As open(): an explicit parent must exist; $LINEAGE_RUN is followed only where this ledger knows it.
  #adoptParent(id: unknown): string | undefined {
    if (id !== undefined) {
      if (typeof id !== 'string') throw new LineageError('INVALID_ARGUMENT', `parentRun must be a run id (string), not ${describe(id)}`);
      if (!this.#binding.view.run(id)) throw new LineageError('RUN_NOT_FOUND', `parentRun: no run ${id} in this ledger`);
      return id;
    }
    const fromEnv = process.env.LINEAGE_RUN;
    return fromEnv && this.#binding.view.run(fromEnv) ? fromEnv : undefined;
  }

  /** @internal */
  protected get binding(): Binding {
    return this.#binding;
  }

  /** @internal */
  protected get eventLog(): EventSource {
    return this.#source;
  }

  /** The server's address. */
  get url(): string {
    return this.#http.url;
  }

  /** The seq of the server's checkpoint this client started from (connected far behind), or 0 when it applied every event from the first. */
  get startedFrom(): number {
    return this.#startedFrom;
  }

  /** The server ledger's id. */
  get ledgerId(): string {
    return this.#ledgerId;
  }

  /** The last event this client has applied: its seq and hash (`sync()` catches up with the server). */
  get head(): Head {
    const p = this.#follower.projection;
    return { seq: p.seq, hash: p.hash };
  }

  /** The transform and run that operations are attributed to, here (a scoped run's, else the global one). */
  get context(): Readonly<Context> {
    const c = this.#ctx.current();
    return { transform: c.transform, run: c.run };
  }

  /** Waits until this client has applied every event the server holds now. */
  async sync(): Promise<Head> {
    this.#assertOpen();
    const head = await this.#http.json<Head>('GET', '/head');
    await this.#follower.reach(head.seq);
    return this.head;
  }

  /** Starts a run and makes it the context, as `Ledger.track()`; the entry script is this process's. */
  async track(transform?: Transform | string, options: TrackOptions = {}): Promise<Run> {
    this.#assertOpen();
    checkOptions(options, 'track()');
    referenceOption(options);
    const t = transform === undefined ? await this.#trackScript(options.script) : await this.#transform(transform);
    const ctx = this.#ctx.current();
    if (ctx.run && this.#isStarted(ctx.run.id)) await this.#finishRun(ctx.run.id, {});
    const run = await this.#startRun(t.id, options, undefined);
    ctx.transform = t;
    ctx.run = run;
    return run;
  }

  /** Ends the context's run (completed unless told otherwise). */
  async finish(options: FinishOptions = {}): Promise<Run | undefined> {
    this.#assertOpen();
    checkFinish(options);
    const ctx = this.#ctx.current();
    const run = runToFinish(options, ctx, this);
    if (this.#isStarted(run.id)) await this.#finishRun(run.id, options);
    if (ctx.run?.id === run.id) ctx.run = undefined;
    return run;
  }

  /** A scoped run, as `Ledger.run()`: the context of `fn` and all it awaits, in this client only. */
  async run<T>(transform: Transform | string, fn: (run: Run) => Promise<T> | T, options: RunOptions = {}): Promise<T> {
    this.#assertOpen();
    if (typeof fn !== 'function') throw new LineageError('INVALID_ARGUMENT', 'run(transform, fn): fn must be a function');
    checkOptions(options, 'run()');
    const t = await this.#transform(transform);
    const outer = this.#ctx.current().run;
    const run = await this.#startRun(t.id, options, outer && this.#isStarted(outer.id) ? outer.id : undefined);
    return runScoped(this.#ctx, { transform: t, run }, () => fn(run), (r, error) => this.#finishRun(r, error === undefined ? {} : { status: 'failed', error }));
  }

  /** Saves records (one, or an array, in order) on the server and returns them saved; a saved record is a no-op. */
  async add<T extends LineageRecord | readonly LineageRecord[]>(records: T): Promise<T> {
    this.#assertOpen();
    return saveEach(records, (r) => this.#addOne(r));
  }

  /** A consistent read snapshot at the head this client has applied. */
  session(): Snapshot {
    this.#assertOpen();
    const p = this.#follower.projection;
    return new Snapshot(p, p.seq, this, (id, o) => this.#load(id, o), this.#source, this.#meta);
  }

  /** A read-only snapshot as the ledger was right after event `seq`, or after the last event at or before a time. */
  asOf(at: number | Date): Snapshot {
    this.#assertOpen();
    const p = this.#follower.projection;
    return new Snapshot(p, seqAt(p, at), this, (id, o) => this.#load(id, o), this.#source, this.#meta);
  }

  /** Counts by table and event type, the head, and the time span, as this client has applied them. */
  stats(): LedgerStats {
    return statsOf(this.#follower.projection);
  }

  /** Walks the server's hash chain over its stored bytes (see `Ledger.verify()`). */
  async verify(options: VerifyOptions = {}): Promise<VerifyResult> {
    this.#assertOpen();
    checkOptions(options, 'verify()');
    const expectHead = checkHead(options.expectHead);
    return this.#http.json<VerifyResult>('POST', '/verify', { json: expectHead ? { expectHead } : {} });
  }

  /** Streams a file's content from the server into `path` in bounded memory, checking its hash; a content that does not match is removed and INTEGRITY_MISMATCH. */
  async download(file: File, path: string): Promise<{ size: number; hash: string }> {
    this.#assertOpen();
    const row = this.#row(file);
    const res = await this.#content(row.id, row.name);
    const hasher = createHash('sha256');
    let size = 0;
    try {
      await pipeline(res, new Through({ transform(c: Buffer, _e, next) { hasher.update(c); size += c.length; next(null, c); } }), createWriteStream(path));
    } catch (err) {
      await rm(path, { force: true });
      throw new LineageError('CONNECTION_FAILED', `the download of ${row.name} broke off: ${(err as Error).message}`, { cause: err });
    }
    const hash = hasher.digest('hex');
    if (hash !== row.hash) {
      await rm(path, { force: true });
      throw new LineageError('INTEGRITY_MISMATCH', `the content of ${row.name} from the server hashes to ${hash}, not its recorded ${row.hash}`);
    }
    return { size, hash };
  }

  /** Finishes the context's open run as completed, stops following, and drops the connections. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const run = this.#ctx.global.run;
    try {
      if (run && this.#isStarted(run.id)) await this.#finishRun(run.id, {}, true);
    } finally {
      this.#ctx.global.run = undefined;
      await this.#follower.stop();
      this.#http.close();
    }
  }

  // ── commands ──────────────────────────────────────────────────────────────

  /** Sends a command; resolves once this client's projection has applied what it wrote. */
  async #send(path: string, body: Parameters<Http['json']>[2]): Promise<Ack> {
    const ack = await this.#http.json<Ack>('POST', path, body);
    await this.#follower.reach(ack.seq);
    return ack;
  }

  async #command<K extends typeof Transform | typeof Run | typeof File>(path: string, json: unknown, kind: K): Promise<InstanceType<K>> {
    const { id } = await this.#send(path, { json });
    return (kind as unknown as { bind(b: Binding, id: string): InstanceType<K> }).bind(this.#binding, id!);
  }

  #isStarted(runId: string): boolean {
    return this.#binding.view.run(runId)?.status === 'started';
  }

  async #transform(arg: Transform | string): Promise<Transform> {
    if (typeof arg === 'string') return this.#command('/transforms', { name: cleanName(arg, 'transform name') }, Transform);
    if (!(arg instanceof Transform)) throw new LineageError('INVALID_ARGUMENT', `expected a Transform or a transform name, not ${describe(arg)}`);
    if (ownedBy(Transform.boundOf(arg), this, 'transform')) return Transform.bind(this.#binding, arg.id);
    const saved = await this.#command('/transforms', { transform: Transform.initOf(arg) }, Transform);
    Transform.attach(arg, this.#binding, saved.id);
    return saved;
  }

  async #startRun(transformId: string, options: RunOptions, parentRunId: string | undefined, inputs?: string[]): Promise<Run> {
    const params = cleanParams(options.params);
    const name = options.name === undefined ? undefined : cleanName(options.name, 'run name');
    const description = cleanDescription(options.description, false) ?? undefined;
    const ref = referenceOption(options);
    return this.#command('/runs', { transformId, params, name, parentRunId: parentRunId ?? this.#parentRun, environment: runEnvironment(), description, ...ref, inputs }, Run);
  }

  /** Registers the entry script on the server, then uploads its source when the server does not hold it yet. */
  async #trackScript(path: string | undefined): Promise<Transform> {
    const { source, ...script } = await detectEntryScript(path);
    const t = await this.#command('/transforms', { script }, Transform);
    if (source && !t.hasSource) {
      await this.#send(`/transforms/${encodeURIComponent(t.id)}/source?${new URLSearchParams({ sha256: script.hash })}`, { content: source, length: source.byteLength });
    }
    return t;
  }

  async #changeLabels(kind: LabeledKind, id: string, labels: readonly string[], add: boolean): Promise<string[]> {
    this.#assertOpen();
    const ack = (await this.#send('/labels', { json: { kind, id, labels, add } })) as Ack & { labels?: string[] };
    return ack.labels ?? [];
  }

  async #setReference(runId: string, reference: RunReference): Promise<void> {
    this.#assertOpen();
    await this.#send(`/runs/${encodeURIComponent(runId)}/reference`, { json: reference });
  }

  /** Fetches a transform's stored source from the server and checks it against its hash. */
  async #readSource(t: { id: string; name: string }, ref: SourceRef): Promise<Buffer> {
    this.#assertOpen();
    let res: IncomingMessage;
    try {
      res = await this.#http.send('GET', `/transforms/${encodeURIComponent(t.id)}/source?${new URLSearchParams({ sha256: ref.hash })}`);
    } catch (err) {
      if (err instanceof LineageError) throw err;
      throw new LineageError('CONNECTION_FAILED', `the source of ${t.name} could not be fetched: ${(err as Error).message}`, { cause: err });
    }
    const chunks: Buffer[] = [];
    try {
      for await (const c of res) chunks.push(c as Buffer);
    } catch (err) {
      throw new LineageError('CONNECTION_FAILED', `the download of the source of ${t.name} broke off: ${(err as Error).message}`, { cause: err });
    }
    const bytes = Buffer.concat(chunks);
    if (createHash('sha256').update(bytes).digest('hex') !== ref.hash) {
      throw new LineageError('INTEGRITY_MISMATCH', `the source of ${t.name} from the server does not match its recorded hash ${ref.hash}`);
    }
    return bytes;
  }

  /** Finishes a run that is still started (as this client sees it); the server ignores one that is not. */
  async #finishRun(runId: string, options: FinishOptions, closing = false): Promise<void> {
    if (!closing) this.#assertOpen();
    if (!this.#isStarted(runId)) return;
    await this.#send(`/runs/${encodeURIComponent(runId)}/finish`, { json: { status: options.status, error: options.error } });
  }

  async #addOne(record: LineageRecord): Promise<LineageRecord> {
    if (record instanceof Transform) return this.#transform(record);
    if (record instanceof Run) return this.#saveRun(record);
    if (record instanceof File) return this.#saveFile(record);
    throw new LineageError('INVALID_ARGUMENT', `add() takes Transform, Run and File records, not ${describe(record)}`);
  }

  async #saveRun(run: Run): Promise<Run> {
    if (ownedBy(Run.boundOf(run), this, 'run')) return run;
    const init = Run.initOf(run)!;
    const t = await this.#transform(init.transform);
    const parent = init.parent === undefined ? undefined : (await this.#saveRun(init.parent)).id;
    const inputs: File[] = [];
    for (const f of init.inputs ?? []) inputs.push(await this.#saveFile(f));
    // One request: the inputs go in the start's batch, as open() writes them.
    const inputIds = inputs.length ? [...new Set(inputs.map((f) => f.id))] : undefined;
    const saved = await this.#startRun(t.id, { params: init.params, name: init.name, description: init.description, reference: init.reference, referenceType: init.referenceType }, parent, inputIds);
    Run.attach(run, this.#binding, saved.id);
    return run;
  }

  /** Uploads the content, streamed, with its SHA-256: the server checks it and decides (a new file, or the existing one re-created). */
  async #saveFile(file: File): Promise<File> {
    if (ownedBy(File.boundOf(file), this, 'file')) return file;
    const { source, init } = File.sourceOf(file)!;
    const name = cleanName(init.name ?? basename(source as string), 'file name');
    // Checked here so that a bad key or description uploads nothing; the server checks them again and decides the version.
    const key = cleanKey(init.key);
    const description = cleanDescription(init.description, false) ?? undefined;
    if (init.revises !== undefined && !(init.revises instanceof File)) throw new LineageError('INVALID_ARGUMENT', `new File(x, { revises }) takes a File, not ${describe(init.revises)}`);
    if (init.revises !== undefined && !ownedBy(File.boundOf(init.revises), this, 'file')) throw new LineageError('RECORD_NOT_SAVED', 'new File(x, { revises }): the revised file has not been added to this ledger');
    const revises = init.revises?.id;
    const runId = init.run !== undefined ? (await this.#saveRun(init.run)).id : this.#ctx.current().run?.id;
    let hash: string;
    let body: Parameters<Http['json']>[2];
    if (typeof source === 'string') {
      const size = await fileSize(source);
      hash = await hashFile(source);
      body = { content: () => createReadStream(source), length: size };
    } else {
      hash = createHash('sha256').update(source).digest('hex');
      body = { content: source, length: source.byteLength };
    }
    // A long description would not fit a request line: it follows the upload as a command of its own.
    const inline = description !== undefined && encodeURIComponent(description).length <= 4096 ? description : undefined;
    const extras = Object.entries({ runId, key, description: inline, revises }).filter((e): e is [string, string] => e[1] !== undefined);
    const query = new URLSearchParams({ name, sha256: hash, ...Object.fromEntries(extras) });
    const { id } = await this.#send(`/files?${query}`, body);
    if (description !== undefined && inline === undefined) await this.#binding.writes!.describe('file', id!, description);
    File.attach(file, this.#binding, id!);
    return file;
  }

  #row(file: File) {
    if (!(file instanceof File)) throw new LineageError('INVALID_ARGUMENT', `expected a File, not ${describe(file)}`);
    const bound = File.boundOf(file);
    if (!bound) throw new LineageError('RECORD_NOT_SAVED', 'this file has not been added to a ledger yet; pass it to ledger.add() first');
    ownedBy(bound, this, 'file');
    const row = this.#binding.view.file(bound.id);
    if (!row) throw new LineageError('FILE_NOT_FOUND', `no file ${bound.id} in this ledger`);
    if (!row.key || row.hash === undefined) throw new LineageError('CONTENT_MISSING', `${row.name} is known by its lineage only: its content was never stored in this ledger`);
    return { id: bound.id, name: row.name, hash: row.hash };
  }

  async #content(fileId: string, name: string): Promise<IncomingMessage> {
    try {
      return await this.#http.send('GET', `/files/${encodeURIComponent(fileId)}/content`);
    } catch (err) {
      if (err instanceof LineageError) throw err;
      throw new LineageError('CONNECTION_FAILED', `the content of ${name} could not be fetched: ${(err as Error).message}`, { cause: err });
    }
  }

  async #load(fileId: string, options: LoadOptions): Promise<Buffer> {
    this.#assertOpen();
    checkOptions(options, 'load()');
    const { row, runId } = loadTarget(this.#binding.view, fileId, options, this.#ctx);
    // As a run's input: one request, the content and then (the server having sent it all) the input recorded.
    const res = runId === undefined ? await this.#content(fileId, row.name) : await this.#http.send('POST', `/files/${encodeURIComponent(fileId)}/load`, { json: { runId } });
    const chunks: Buffer[] = [];
    try {
      for await (const c of res) chunks.push(c as Buffer);
    } catch (err) {
      throw new LineageError('CONNECTION_FAILED', `the download of ${row.name} broke off: ${(err as Error).message}`, { cause: err });
    }
    const bytes = Buffer.concat(chunks);
    if (row.hash !== undefined && createHash('sha256').update(bytes).digest('hex') !== row.hash) {
      throw new LineageError('INTEGRITY_MISMATCH', `the content of ${row.name} from the server does not match its recorded hash ${row.hash}`);
    }
    if (runId !== undefined) {
      const seq = Number(res.trailers['x-ledger-seq']);
      if (!Number.isSafeInteger(seq)) throw new LineageError('CONNECTION_FAILED', `the server sent ${row.name} but did not record it as an input of run ${runId}; load it again`);
      await this.#follower.reach(seq);
    }
    return bytes;
  }

  #assertOpen(): void {
    if (this.#closing) throw new LineageError('LEDGER_CLOSED', `the connection to ${this.#http.url} is closed; connect() again`);
  }
}

/** SHA-256 of a file, read through one reused buffer: no garbage per chunk, so memory stays flat for any size. */
async function hashFile(path: string): Promise<string> {
  const hasher = createHash('sha256');
  const buffer = Buffer.allocUnsafe(1 << 20);
  const fh = await open(path, 'r');
  try {
    for (let n = (await fh.read(buffer, 0, buffer.length, null)).bytesRead; n > 0; n = (await fh.read(buffer, 0, buffer.length, null)).bytesRead) hasher.update(buffer.subarray(0, n));
  } finally {
    await fh.close();
  }
  return hasher.digest('hex');
}

async function fileSize(path: string): Promise<number> {
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new LineageError('FILE_NOT_FOUND', `${path} is not a regular file`);
    return st.size;
  } catch (err) {
    if (err instanceof LineageError) throw err;
    throw new LineageError('FILE_NOT_FOUND', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? err}; check the path`, { cause: err });
  }
}
