import { inspect } from 'node:util';
import { LineageError } from '../errors.js';
import type { JsonValue, RunEnvironment, RunStatus, TransformType } from '../events/types.js';
import type { FileRow, RunRow, TransformRow } from '../state/rows.js';
import type { Binding, LoadOptions } from './binding.js';
import { Saved } from './saved.js';
import { datasetFacets, type DatasetFacetsOfRun, declaredOf, type Facets, facetsOf, type FacetsOf } from '../interop/facets.js';
import type { LedgerLog } from '../log/store.js';
import { deleteRecord, type DeleteOptions, type ErasureInfo, restoreRecord, type RecordUpdate, updateRecord } from './lifecycle.js';
import type { RecordKindName } from '../events/lifecycle.js';
import { Labels } from './labels.js';
import { cleanReference } from './meta.js';
import type { RunReference, SourceRef } from '../state/projection.js';

/** What `new Transform(...)` takes. */
export interface TransformInit {
  name: string;
  version?: string;
  type?: TransformType;
  reference?: string;
  /** What the code does, in words; changeable later with `update({ description })`. */
  description?: string;
}
/** What `new Run(...)` takes. */
export interface RunInit {
  transform: Transform;
  name?: string;
  params?: Record<string, unknown>;
  parent?: Run;
  /** Files the run reads, recorded as its inputs in the same batch as its start. */
  inputs?: readonly File[];
  /** What the run was for, in words. */
  description?: string;
  /** An external reference of the run (a Nextflow run id, a URL), recorded with its start. */
  reference?: string;
  /** What the reference is, e.g. `nextflow`, `url`. */
  referenceType?: string;
}
/** What a transform's OpenLineage JobEvents declared it reads and writes (`transform.declared`). */
export interface DeclaredLineage {
  inputs: File[];
  outputs: File[];
}
/** What `new File(...)` takes besides the path or content. */
export interface FileInit {
  name?: string;
  run?: Run;
  /** A virtual, path-like key (`raw/2026/input.fastq.gz`), unique among latest versions; a key that a latest file has makes a new version of it. */
  key?: string;
  /** What the file holds, in words. */
  description?: string;
  /** The file this one is a new version of (the latest of its family). */
  revises?: File;
}

// Passed to a constructor by `bind()`: private fields exist only on objects a constructor made.
const BOUND = Symbol('bound');

function notSaved(kind: string): LineageError {
  return new LineageError('RECORD_NOT_SAVED', `this ${kind} has not been added to a ledger yet; pass it to ledger.add() first`);
}

function gone(kind: string, id: string): LineageError {
  return new LineageError('QUERY_INVALID', `${kind} ${id} does not exist in this snapshot`);
}

// Facets live in the log (large ones in the object store), not in the in-memory index: reading them is I/O, so async.
function facets(b: Saved<FacetsOf> | undefined, kind: FacetsOf): Promise<Facets> {
  if (!b) return Promise.resolve({});
  return facetsOf((b.binding.owner as { log: LedgerLog }).log, b.binding.view, kind, b.id);
}

function date(iso: string | undefined): Date | undefined {
  return iso === undefined ? undefined : new Date(iso);
}

/** A piece of code with a version: a pipeline, notebook, script or function. */
export class Transform {
  #init: TransformInit | undefined;
  #bound: Saved<'transform'> | undefined;

  constructor(init: TransformInit) {
    if ((init as unknown) === BOUND) return;
    if (init === null || typeof init !== 'object') throw new LineageError('INVALID_ARGUMENT', 'new Transform() takes { name, version?, type?, reference? }');
    this.#init = { ...init };
  }

  /** @internal */
  static bind(binding: Binding, id: string): Transform {
    return Transform.of(new Saved(binding, 'transform', id));
  }
  /** @internal A record over a link that may know its integer and row already. */
  static of(saved: Saved<'transform'>): Transform {
    const t = new Transform(BOUND as never);
    t.#bound = saved;
    t.#init = undefined;
    return t;
  }
  /** @internal */
  static initOf(t: Transform): TransformInit | undefined {
    return t.#init;
  }
  /** @internal */
  static boundOf(t: Transform): Saved<'transform'> | undefined {
    return t.#bound;
  }
  /** @internal Turns an unsaved transform into a saved one in place, so the caller's object works afterwards. */
  static attach(t: Transform, binding: Binding, id: string): void {
    t.#bound = new Saved(binding, 'transform', id);
    t.#init = undefined;
  }

  get #row(): TransformRow | undefined {
    const b = this.#bound;
    if (!b) return undefined;
    const row = b.row();
    if (!row) throw gone('transform', b.id);
    return row;
  }
  get id(): string {
    if (!this.#bound) throw notSaved('transform');
    return this.#bound.id;
  }
  get name(): string {
    return this.#row?.name ?? this.#init!.name;
  }
  get version(): string | undefined {
    return this.#row ? this.#row.version : this.#init!.version;
  }
  get type(): TransformType {
    return this.#row?.type ?? this.#init!.type ?? 'pipeline';
  }
  get reference(): string | undefined {
    return this.#row ? this.#row.reference : this.#init!.reference;
  }
  /** SHA-256 of the source, when it is known. */
  get hash(): string | undefined {
    return this.#row?.hash;
  }
  /** The earlier version this one revises. */
  get revises(): Transform | undefined {
    const r = this.#row?.revises;
    return r === undefined ? undefined : Transform.bind(this.#bound!.binding, r);
  }
  get createdAt(): Date | undefined {
    return date(this.#row?.createdAt);
  }
  /** What the code does, in words (the latest `update({ description })` as this record's view sees it). */
  get description(): string | undefined {
    return lifecycleDescription(this.#bound, 'transform') ?? this.#init?.description;
  }
  /** True while the transform is in the trash. */
  get trashed(): boolean {
    return trashedOf(this.#bound, 'transform');
  }
  /** Moves the transform to the trash (an event; its runs and their lineage stay). */
  delete(options?: DeleteOptions): Promise<void> {
    return deleteRecord(this.#bound, 'transform', options);
  }
  /** Brings the transform back from the trash. */
  restore(): Promise<void> {
    return restoreRecord(this.#bound, 'transform');
  }
  /** Changes the description (an event; the old value stays in history). */
  update(patch: RecordUpdate): Promise<void> {
    return updateRecord(this.#bound, 'transform', patch);
  }
  /** Runs of this transform, oldest first. */
  get runs(): Run[] {
    const b = this.#bound;
    if (!b) return [];
    return b.related('transformRuns', 'run', false, Run.of);
  }
  get latestRun(): Run | undefined {
    const runs = this.runs;
    return runs[runs.length - 1];
  }
  /** The job facets OpenLineage producers sent for it (resolves to {} for none), merged by name, the latest winning. */
  get facets(): Promise<Facets> {
    return facets(this.#bound, 'transform');
  }
  /**
   * The files its OpenLineage JobEvents declared it reads and writes (static lineage, whatever its
   * runs did), as of the latest JobEvent; both lists empty when none was recorded. Reads the log, so async.
   */
  get declared(): Promise<DeclaredLineage> {
    const b = this.#bound;
    if (!b) return Promise.resolve({ inputs: [], outputs: [] });
    return declaredOf((b.binding.owner as { log: LedgerLog }).log, b.binding.view, b.id).then((d) => {
      // Files as this record's view sees them: the same snapshot, the same binding.
      const files = (ids: readonly string[] | undefined) => (ids ?? []).map((id) => new Saved(b.binding, 'file', id)).filter((saved) => saved.row() !== undefined).map((saved) => File.of(saved));
      return { inputs: files(d?.inputIds), outputs: files(d?.outputIds) };
    });
  }
  /** The transform's labels: `await transform.labels.add('production')`. */
  get labels(): Labels {
    return new Labels(this.#bound, 'transform');
  }
  /** True when the ledger holds the transform's source code (a tracked script's). */
  get hasSource(): boolean {
    return sourceRef(this.#bound) !== undefined;
  }
  /** The transform's stored source code (a tracked script's), read from the store and checked against its hash; undefined when none is stored. */
  async source(): Promise<string | undefined> {
    const b = this.#bound;
    const ref = sourceRef(b);
    if (!b || !ref) return undefined;
    if (!b.binding.meta) throw new LineageError('NOT_SUPPORTED', 'this transform was read from a source that cannot read stored content; use a ledger from open() or connect()');
    return (await b.binding.meta.readSource({ id: b.id, name: this.name }, ref)).toString('utf8');
  }
  toJSON(): Record<string, unknown> {
    const row = this.#row;
    return row ? { kind: 'transform', ...stripSeq(row), ...lifecycleJSON(this.#bound!, 'transform'), ...labelsJSON(this.labels), ...sourceJSON(this.#bound) } : { kind: 'transform', saved: false, ...this.#init };
  }
  [inspect.custom](): string {
    return `Transform ${inspect(this.toJSON())}`;
  }
}

/** One execution of a transform. */
export class Run {
  #init: RunInit | undefined;
  #bound: Saved<'run'> | undefined;

  constructor(init: RunInit) {
    if ((init as unknown) === BOUND) return;
    // Checked on the copy: an inherited property (an Error's name, a prototype's transform) is not copied.
    const copy = init !== null && typeof init === 'object' ? { ...init } : undefined;
    if (!copy || !(copy.transform instanceof Transform)) {
      throw new LineageError('INVALID_ARGUMENT', 'new Run() takes { transform: Transform, name?, params?, parent?, inputs? }');
    }
    if (copy.inputs !== undefined) {
      if (!Array.isArray(copy.inputs) || !copy.inputs.every((f) => f instanceof File)) throw new LineageError('INVALID_ARGUMENT', 'new Run({ inputs }): inputs must be an array of Files');
      copy.inputs = [...copy.inputs];
    }
    this.#init = copy;
  }

  /** @internal */
  static bind(binding: Binding, id: string): Run {
    return Run.of(new Saved(binding, 'run', id));
  }
  /** @internal A record over a link that may know its integer and row already. */
  static of(saved: Saved<'run'>): Run {
    const r = new Run(BOUND as never);
    r.#bound = saved;
    r.#init = undefined;
    return r;
  }
  /** @internal */
  static initOf(r: Run): RunInit | undefined {
    return r.#init;
  }
  /** @internal */
  static boundOf(r: Run): Saved<'run'> | undefined {
    return r.#bound;
  }
  /** @internal Turns an unsaved run into a saved one in place, so the caller's object works afterwards. */
  static attach(r: Run, binding: Binding, id: string): void {
    r.#bound = new Saved(binding, 'run', id);
    r.#init = undefined;
  }

  get #row(): RunRow | undefined {
    const b = this.#bound;
    if (!b) return undefined;
    const row = b.row();
    if (!row) throw gone('run', b.id);
    return row;
  }
  get id(): string {
    if (!this.#bound) throw notSaved('run');
    return this.#bound.id;
  }
  get name(): string | undefined {
    return this.#row ? this.#row.name : this.#init!.name;
  }
  get transform(): Transform {
    const b = this.#bound;
    if (!b) return this.#init!.transform;
    const t = b.link();
    if (t === undefined) throw gone('run', b.id);
    return Transform.of(new Saved(b.binding, 'transform', b.binding.view.projection.transforms.idOf(t), t));
  }
  get params(): Readonly<Record<string, JsonValue>> | undefined {
    return this.#row ? this.#row.params : (this.#init!.params as Record<string, JsonValue> | undefined);
  }
  get parent(): Run | undefined {
    const row = this.#row;
    if (!row) return this.#init!.parent;
    return row.parentRunId === undefined ? undefined : Run.bind(this.#bound!.binding, row.parentRunId);
  }
  get startedAt(): Date | undefined {
    return date(this.#row?.startedAt);
  }
  get finishedAt(): Date | undefined {
    return date(this.#row?.finishedAt);
  }
  get status(): RunStatus | undefined {
    return this.#row?.status;
  }
  /** The error message of a failed run. */
  get error(): string | undefined {
    return this.#row?.error;
  }
  /** Where the run executed (host, pid, platform, Node.js version, user); undefined for runs recorded before it was kept. */
  get environment(): Readonly<RunEnvironment> | undefined {
    return this.#row?.environment;
  }
  /** What the run was for, in words. */
  get description(): string | undefined {
    return lifecycleDescription(this.#bound, 'run') ?? this.#init?.description;
  }
  /** True while the run is in the trash. */
  get trashed(): boolean {
    return trashedOf(this.#bound, 'run');
  }
  /** Moves the run to the trash (an event; its inputs, outputs and lineage stay). */
  delete(options?: DeleteOptions): Promise<void> {
    return deleteRecord(this.#bound, 'run', options);
  }
  /** Brings the run back from the trash. */
  restore(): Promise<void> {
    return restoreRecord(this.#bound, 'run');
  }
  /** Changes the description (an event; the old value stays in history). */
  update(patch: RecordUpdate): Promise<void> {
    return updateRecord(this.#bound, 'run', patch);
  }
  /** Files this run loaded as inputs, in load order. */
  get inputs(): File[] {
    const b = this.#bound;
    if (!b) return [];
    return b.related('runInputs', 'file', false, File.of);
  }
  /** Files this run created or re-created. */
  get outputs(): File[] {
    const b = this.#bound;
    if (!b) return [];
    return b.related('runOutputs', 'file', true, File.of);
  }
  /** The run facets OpenLineage producers sent for it (resolves to {} for none), merged by name, the latest winning. */
  get facets(): Promise<Facets> {
    return facets(this.#bound, 'run');
  }
  /** Runs started with this one as parent. */
  get children(): Run[] {
    const b = this.#bound;
    if (!b) return [];
    return b.related('runChildren', 'run', false, Run.of);
  }
  /** The run's labels: `await run.labels.add('nightly')`. */
  get labels(): Labels {
    return new Labels(this.#bound, 'run');
  }
  /** The run's external reference (lamindb's `Run.reference`): a Nextflow run id, a URL. */
  get reference(): string | undefined {
    return this.#bound ? runReference(this.#bound)?.reference : this.#init!.reference;
  }
  /** What the reference is (lamindb's `reference_type`), e.g. `nextflow`, `url`. */
  get referenceType(): string | undefined {
    return this.#bound ? runReference(this.#bound)?.referenceType : this.#init!.referenceType;
  }
  /** Sets the run's reference after its start, as an event (a later one replaces it; the history keeps both). */
  async setReference(reference: string, referenceType?: string): Promise<void> {
    const b = this.#bound;
    if (!b) throw notSaved('run');
    if (!b.binding.meta) throw new LineageError('NOT_SUPPORTED', 'setReference(): this run was read from a source that cannot write; use a ledger from open() or connect()');
    await b.binding.meta.setReference(b.id, cleanReference(reference, referenceType));
  }
  toJSON(): Record<string, unknown> {
    const row = this.#row;
    if (!row) return { kind: 'run', saved: false, name: this.#init!.name, params: this.#init!.params };
    return { kind: 'run', ...stripSeq(row), ...lifecycleJSON(this.#bound!, 'run'), ...runReference(this.#bound!), ...labelsJSON(this.labels) };
  }
  [inspect.custom](): string {
    return `Run ${inspect(this.toJSON())}`;
  }
}

/** A file (or in-memory content) with its lineage. */
export class File {
  #source: string | Uint8Array | undefined;
  #init: FileInit | undefined;
  #bound: Saved<'file'> | undefined;

  constructor(pathOrContent: string | Uint8Array, init: FileInit = {}) {
    if ((pathOrContent as unknown) === BOUND) return;
    if (typeof pathOrContent !== 'string' && !(pathOrContent instanceof Uint8Array)) {
      throw new LineageError('INVALID_ARGUMENT', 'new File() takes a path (string) or content (Buffer or Uint8Array)');
    }
    if (init === null || typeof init !== 'object') throw new LineageError('INVALID_ARGUMENT', 'new File(x, options): options must be an object');
    const copy = { ...init };
    if (typeof pathOrContent !== 'string' && (typeof copy.name !== 'string' || copy.name === '')) {
      throw new LineageError('INVALID_ARGUMENT', 'new File(content, { name }) needs a name for in-memory content');
    }
    if (copy.run !== undefined && !(copy.run instanceof Run)) throw new LineageError('INVALID_ARGUMENT', 'new File(x, { run }): run must be a Run');
    if (copy.revises !== undefined && !(copy.revises instanceof File)) throw new LineageError('INVALID_ARGUMENT', 'new File(x, { revises }): revises must be a File');
    this.#source = pathOrContent;
    this.#init = copy;
  }

  /** @internal */
  static bind(binding: Binding, id: string): File {
    return File.of(new Saved(binding, 'file', id));
  }
  /** @internal A record over a link that may know its integer and row already. */
  static of(saved: Saved<'file'>): File {
    const f = new File(BOUND as never);
    f.#bound = saved;
    f.#init = undefined;
    f.#source = undefined;
    return f;
  }
  /** @internal */
  static sourceOf(f: File): { source: string | Uint8Array; init: FileInit } | undefined {
    return f.#init ? { source: f.#source!, init: f.#init } : undefined;
  }
  /** @internal */
  static boundOf(f: File): Saved<'file'> | undefined {
    return f.#bound;
  }
  /** @internal Turns an unsaved file into a saved one in place. */
  static attach(f: File, binding: Binding, id: string): void {
    f.#bound = new Saved(binding, 'file', id);
    f.#init = undefined;
    f.#source = undefined;
  }

  get #row(): FileRow | undefined {
    const b = this.#bound;
    if (!b) return undefined;
    const row = b.row();
    if (!row) throw gone('file', b.id);
    return row;
  }
  get id(): string {
    if (!this.#bound) throw notSaved('file');
    return this.#bound.id;
  }
  /** The file name with its suffix, e.g. `output.bam`. */
  get name(): string {
    const row = this.#row;
    if (row) return row.name;
    if (this.#init!.name) return this.#init!.name;
    const src = this.#source as string;
    return src.split(/[\\/]/).pop() ?? src;
  }
  /** The suffix, e.g. `.fastq.gz`. */
  get suffix(): string {
    return this.#row?.suffix ?? suffixOf(this.name);
  }
  get size(): number | undefined {
    return this.#row?.size;
  }
  /** SHA-256 of the content, hex. */
  get hash(): string | undefined {
    return this.#row?.hash;
  }
  /** The virtual, path-like key (`raw/2026/input.fastq.gz`), if the file was given one. */
  get key(): string | undefined {
    const b = this.#bound;
    if (!b) return this.#init!.key ?? this.#init!.revises?.key;
    return this.#row === undefined ? undefined : b.binding.view.fileKey(b.id);
  }
  /** Where the content lives in the store (`inline/<sha256>` or `objects/<sha256>`), or undefined when it is not stored. */
  get storageKey(): string | undefined {
    return this.#row?.key;
  }
  /** What the file holds, in words. */
  get description(): string | undefined {
    return lifecycleDescription(this.#bound, 'file') ?? this.#init?.description;
  }
  /** True while the file is in the trash (an erased file stays there). */
  get trashed(): boolean {
    return trashedOf(this.#bound, 'file');
  }
  /** When and by whom the stored content was erased, or undefined. */
  get erased(): ErasureInfo | undefined {
    const b = this.#bound;
    if (!b || this.#row === undefined) return undefined;
    const e = b.binding.view.erasure(b.id);
    return e && { at: new Date(e.at), by: e.by };
  }
  /** The earlier version this one revises. */
  get revises(): File | undefined {
    const b = this.#bound;
    if (!b) return this.#init!.revises;
    const r = this.#row === undefined ? undefined : b.binding.view.fileRevises(b.id);
    return r === undefined ? undefined : File.bind(b.binding, r);
  }
  /** Every version of the file's family, oldest first (this one alone when it has no other), trashed ones included. */
  get versions(): File[] {
    const b = this.#bound;
    if (!b || this.#row === undefined) return [];
    return b.binding.view.versionsOf(b.id).map((id) => File.bind(b.binding, id));
  }
  /** True when this is the latest version of its family (the newest not in the trash). */
  get isLatest(): boolean {
    const b = this.#bound;
    return b !== undefined && this.#row !== undefined && b.binding.view.isLatest(b.id);
  }
  /** Moves the file to the trash; `{ permanent: true }` on a trashed file erases its stored content for good. */
  delete(options?: DeleteOptions): Promise<void> {
    return deleteRecord(this.#bound, 'file', options);
  }
  /** Brings the file back from the trash (not once its content is erased). */
  restore(): Promise<void> {
    return restoreRecord(this.#bound, 'file');
  }
  /** Changes the description (an event; the old value stays in history). */
  update(patch: RecordUpdate): Promise<void> {
    return updateRecord(this.#bound, 'file', patch);
  }
  /** The run that produced the file. */
  get run(): Run | undefined {
    const b = this.#bound;
    if (!b) return this.#init!.run;
    const r = b.link();
    if (r === undefined) throw gone('file', b.id);
    return r < 0 ? undefined : Run.of(new Saved(b.binding, 'run', b.binding.view.projection.runs.idOf(r), r));
  }
  /** The producing run's transform. */
  get transform(): Transform | undefined {
    return this.run?.transform;
  }
  /** Runs that loaded this file as an input. */
  get inputOf(): Run[] {
    const b = this.#bound;
    if (!b) return [];
    return b.related('fileConsumers', 'run', true, Run.of);
  }
  /** Runs that added the same content again after the producing run. */
  get recreatedBy(): Run[] {
    const b = this.#bound;
    if (!b) return [];
    const producers = b.binding.view.producersOf(b.id);
    const first = this.#row!.runId;
    return [...new Set(producers.filter((id, i) => !(i === 0 && id === first)))].map((id) => Run.bind(b.binding, id));
  }
  get createdAt(): Date | undefined {
    return date(this.#row?.createdAt);
  }
  /** The dataset facets OpenLineage producers sent for it (schema, symlinks, …), merged in log order: an older snapshot shows older facets. */
  get facets(): Promise<Facets> {
    return facets(this.#bound, 'file');
  }
  /** Each event that named the file, with its dataset facets and its input or output facets, and the run that read or wrote it. */
  facetsByRun(): Promise<DatasetFacetsOfRun[]> {
    const b = this.#bound;
    if (!b) return Promise.resolve([]);
    return datasetFacets((b.binding.owner as { log: LedgerLog }).log, b.binding.view, b.id);
  }
  /** Reads the content, checking its hash; `{ isRunInput: true }` records it as an input of the current run. */
  async load(options: LoadOptions = {}): Promise<Buffer> {
    const b = this.#bound;
    if (!b) throw notSaved('file');
    return b.binding.load(b.id, options ?? {});
  }
  /** The file's labels: `await file.labels.add('qc-passed')`; `select(File).where({ label: 'qc-passed' })` finds it. */
  get labels(): Labels {
    return new Labels(this.#bound, 'file');
  }
  toJSON(): Record<string, unknown> {
    const row = this.#row;
    if (!row) return { kind: 'file', saved: false, name: this.name };
    const { key: storageKey, ...rest } = stripSeq(row);
    const b = this.#bound!;
    const view = b.binding.view;
    const extra = strip({ key: view.fileKey(b.id), storageKey, revises: view.fileRevises(b.id), isLatest: view.isLatest(b.id), erased: this.erased && { at: view.erasure(b.id)!.at, by: view.erasure(b.id)!.by } });
    return { kind: 'file', ...rest, ...extra, ...lifecycleJSON(b, 'file'), ...labelsJSON(this.labels) };
  }
  [inspect.custom](): string {
    return `File ${inspect(this.toJSON())}`;
  }
}

/** A record of any of the three models. */
export type LineageRecord = Transform | Run | File;
/** One of the three model classes. */
export type Model = typeof Transform | typeof Run | typeof File;

/** The suffix of a file name: `.fastq.gz` for `input.fastq.gz`, `.bam` for `output.bam`. */
export function suffixOf(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? name;
  const m = /((\.[A-Za-z0-9]{1,10}){1,2})$/.exec(base.startsWith('.') ? base.slice(1) : base);
  if (!m) return '';
  // A second suffix counts only when it is a compression wrapper, as in lamindb (`.fastq.gz`, `.tar.bz2`).
  const parts = m[1]!.split('.').filter(Boolean);
  if (parts.length === 2 && !/^(gz|bz2|xz|zst|zip|lz4)$/i.test(parts[1]!)) return `.${parts[1]}`;
  return m[1]!;
}

/** A transform's stored source as its binding sees it now. */
function sourceRef(b: Saved<'transform'> | undefined): SourceRef | undefined {
  if (!b) return undefined;
  const i = b.index();
  return i < 0 ? undefined : b.binding.view.projection.sources.at(i, b.binding.view.watermark);
}

function runReference(b: Saved<'run'>): RunReference | undefined {
  const i = b.index();
  return i < 0 ? undefined : b.binding.view.projection.references.at(i, b.binding.view.watermark);
}

// JSON of records carries labels and a stored source only when there are some: records without keep their old shape.
function labelsJSON(labels: Labels): { labels?: string[] } {
  const all = labels.all();
  return all.length ? { labels: all } : {};
}

function sourceJSON(b: Saved<'transform'> | undefined): { sourceHash?: string } {
  const ref = sourceRef(b);
  return ref ? { sourceHash: ref.hash } : {};
}

function stripSeq<T extends { seq: number }>(row: T): Omit<T, 'seq'> {
  const { seq: _seq, ...rest } = row;
  return rest;
}

function lifecycleDescription(b: Saved | undefined, kind: RecordKindName): string | undefined {
  return b === undefined ? undefined : b.binding.view.description(kind, b.id);
}

function trashedOf(b: Saved | undefined, kind: RecordKindName): boolean {
  return b !== undefined && b.binding.view.trashState(kind, b.id) !== undefined;
}

/** The description and trash state of a saved record, for toJSON (absent when there are none). */
function lifecycleJSON(b: Saved, kind: RecordKindName): Record<string, unknown> {
  const view = b.binding.view;
  return strip({ description: view.description(kind, b.id), trashed: view.trashState(kind, b.id) === undefined ? undefined : true });
}

function strip(o: Record<string, unknown>): Record<string, unknown> {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}
