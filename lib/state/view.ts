import type { FileRow, RunRow, TransformRow } from './rows.js';
import type { Adjacency } from './adjacency.js';
import type { Projection } from './projection.js';
import type { Order } from './order.js';
import { idsOf, type EntityTable } from './table.js';
import type { RecordKindName } from '../events/lifecycle.js';
import { lifecycleSeqs } from './lifecycle-view.js';
import { nfc } from '../query/nfc.js';
import type { Erasure, TrashState } from './trash.js';

/** A read view of a projection at a watermark seq; a live view follows the head. */
export class View {
  readonly #p: Projection;
  readonly #fixed: number | undefined;

  constructor(projection: Projection, watermark?: number) {
    this.#p = projection;
    this.#fixed = watermark;
  }

  /** The last seq this view sees. */
  get watermark(): number {
    return this.#fixed ?? this.#p.seq;
  }

  /** True when the view follows the head. */
  get live(): boolean {
    return this.#fixed === undefined;
  }

  transform(id: string): TransformRow | undefined {
    return this.#p.transforms.row(id, this.watermark);
  }
  run(id: string): RunRow | undefined {
    return this.#p.runs.row(id, this.watermark);
  }
  file(id: string): FileRow | undefined {
    return this.#p.files.row(id, this.watermark);
  }

  transformIds(): string[] {
    return this.#ids(this.#p.transformOrder, this.#p.transforms);
  }
  runIds(): string[] {
    return this.#ids(this.#p.runOrder, this.#p.runs);
  }
  fileIds(): string[] {
    return this.#ids(this.#p.fileOrder, this.#p.files);
  }

  transformsNamed(name: string): string[] {
    return idsOf(this.#p.transformsNamed(name, this.watermark), this.#p.transforms);
  }
  filesNamed(name: string): string[] {
    return idsOf(this.#p.files.named(name, this.watermark), this.#p.files);
  }
  filesWithHash(hash: string): string[] {
    return idsOf(this.#p.files.withHash(hash, this.watermark), this.#p.files);
  }
  /** The files named `name` (or known by it through a symlink), as the files table's integers (no id lookup needed to read them). */
  fileIndexesNamed(name: string): number[] {
    const named = this.#p.files.named(name, this.watermark);
    if (this.#p.aliases.length === 0) return named;
    const aliased = this.#p.filesAliased(name, this.watermark).filter((f) => !named.includes(f));
    return aliased.length === 0 ? named : [...named, ...aliased].sort((a, b) => this.#p.files.createdSeq(a) - this.#p.files.createdSeq(b));
  }
  /** The one file named `name` (in NFC, or normalized here) or known by it through a symlink, as an integer: -1 when none, -2 when several. */
  fileIndexNamed(name: string): number {
    if (this.#p.aliases.length === 0) return this.#p.files.namedOne(name, this.watermark);
    const named = this.fileIndexesNamed(nfc(name));
    return named.length === 1 ? named[0]! : named.length === 0 ? -1 : -2;
  }
  /** The file known by the other name (namespace, name), if any. */
  fileAliased(namespace: string, name: string): string | undefined {
    const f = this.#p.filesAliased(name, this.watermark, namespace)[0];
    return f === undefined ? undefined : this.#p.files.idOf(f);
  }
  /** The files with content hash `hash`, as integers. */
  fileIndexesWithHash(hash: string): number[] {
    return this.#p.files.withHash(hash, this.watermark);
  }
  runsOf(transformId: string): string[] {
    const p = this.#p;
    const t = p.transforms.indexOf(transformId);
    return t < 0 ? [] : idsOf(p.runsOfTransform(t, this.watermark, []), p.runs);
  }
  inputsOf(runId: string): string[] {
    const p = this.#p;
    return this.#related(p.runs, runId, p.runInputs, p.files);
  }
  /** Files the run created or re-created, in order, without repeats. */
  outputsOf(runId: string): string[] {
    const p = this.#p;
    return unique(this.#related(p.runs, runId, p.runOutputs, p.files));
  }
  /** Runs that loaded the file as input, in order, without repeats. */
  consumersOf(fileId: string): string[] {
    const p = this.#p;
    return unique(this.#related(p.files, fileId, p.fileConsumers, p.runs));
  }
  /** The run that created the file, then those that re-created it. */
  producersOf(fileId: string): string[] {
    const p = this.#p;
    return this.#related(p.files, fileId, p.fileProducers, p.runs);
  }
  childrenOf(runId: string): string[] {
    const p = this.#p;
    return this.#related(p.runs, runId, p.runChildren, p.runs);
  }

  /** True when the run already loaded the file as input. */
  isInputOf(fileId: string, runId: string): boolean {
    return this.#linked(this.#p.runInputs, runId, fileId);
  }
  /** True when the run created or re-created the file. */
  isOutputOf(fileId: string, runId: string): boolean {
    return this.#linked(this.#p.runOutputs, runId, fileId);
  }

  /**
   * The seqs of the events that made and changed an entity, in log order: a file's creation,
   * re-creations and loads; a run's start, inputs, outputs, children and finish; a transform's
   * registration and runs.
   */
  eventSeqs(kind: 'transform' | 'run' | 'file', id: string): number[] {
    const p = this.#p;
    const w = this.watermark;
    const seqs: number[] = [];
    const table = kind === 'file' ? p.files : kind === 'run' ? p.runs : p.transforms;
    for (const v of table.get(id) ?? []) if (v.seq <= w) seqs.push(v.seq);
    const i = table.indexOf(id);
    if (i >= 0) {
      const lists = kind === 'file' ? [p.fileProducers, p.fileConsumers] : kind === 'run' ? [p.runInputs, p.runOutputs, p.runChildren] : [p.transformRuns];
      for (const list of lists) list.seqs(i, w, seqs);
      // Labels put on and taken off, a transform's stored source, a run's references.
      p.labels.seqs(kind, i, w, seqs);
      if (kind === 'transform') p.sources.seqs(i, w, seqs);
      if (kind === 'run') p.references.seqs(i, w, seqs);
    }
    lifecycleSeqs(p.lifecycle, kind, id, w, seqs);
    return [...new Set(seqs)].sort((a, b) => a - b);
  }

  /** The record's trash state (undefined: not in the trash). */
  trashState(kind: RecordKindName, id: string): TrashState | undefined {
    return this.#p.lifecycle.trash.state(kind, id, this.watermark);
  }
  /** When and by whom the file's content was erased, if it was. */
  erasure(fileId: string): Erasure | undefined {
    return this.#p.lifecycle.trash.erasure(fileId, this.watermark);
  }
  /** The record's description. */
  description(kind: RecordKindName, id: string): string | undefined {
    return this.#p.lifecycle.descriptions.get(kind, id, this.watermark);
  }
  /** The file's virtual key. */
  fileKey(fileId: string): string | undefined {
    return this.#p.lifecycle.versions.entry(fileId, this.watermark)?.key;
  }
  /** The version the file revises. */
  fileRevises(fileId: string): string | undefined {
    return this.#p.lifecycle.versions.entry(fileId, this.watermark)?.revises;
  }
  /** The file's family of versions, oldest first (itself alone when it has none). */
  versionsOf(fileId: string): string[] {
    return this.#p.lifecycle.versions.family(fileId, this.watermark);
  }
  /** The latest version of the file's family: the newest one not in the trash (undefined when all are). */
  latestOf(fileId: string): string | undefined {
    const family = this.versionsOf(fileId);
    for (let j = family.length - 1; j >= 0; j--) if (this.trashState('file', family[j]!) === undefined) return family[j];
    return undefined;
  }
  /** True when the file is the latest version of its family. */
  isLatest(fileId: string): boolean {
    return this.latestOf(fileId) === fileId;
  }
  /** The latest version whose key is `key` (keys are unique among latest versions), if any. */
  latestWithKey(key: string): string | undefined {
    const ids = this.#p.lifecycle.versions.withKey(key, this.watermark);
    for (let j = ids.length - 1; j >= 0; j--) if (this.isLatest(ids[j]!) && this.fileKey(ids[j]!) === key) return ids[j];
    return undefined;
  }
  /** The files that had key `key` (every version), oldest first. */
  filesWithKey(key: string): string[] {
    return this.#p.lifecycle.versions.withKey(key, this.watermark);
  }

  /** The seq-ordered lists behind the index, for audit and traversal code. */
  get projection(): Projection {
    return this.#p;
  }

  /** The ids of the entities of `order` that the view sees, in creation order. */
  #ids(order: Order, table: EntityTable<{ seq: number; id: string }>): string[] {
    const n = order.countAt(this.watermark);
    const ids: string[] = new Array(n);
    for (let j = 0; j < n; j++) ids[j] = table.idOf(order.at(j));
    return ids;
  }

  /** The ids that `id` of table `from` relates to in table `to`, in order. */
  #related<F extends { seq: number; id: string }, T extends { seq: number; id: string }>(from: EntityTable<F>, id: string, rel: Adjacency, to: EntityTable<T>): string[] {
    const i = from.indexOf(id);
    return i < 0 ? [] : idsOf(rel.targets(i, this.watermark, []), to);
  }

  /** True when the run relates to the file in `rel` at the watermark. */
  #linked(rel: Adjacency, runId: string, fileId: string): boolean {
    const p = this.#p;
    const r = p.runs.indexOf(runId);
    const f = p.files.indexOf(fileId);
    return r >= 0 && f >= 0 && rel.has(r, f, this.watermark);
  }
}

function unique(ids: string[]): string[] {
  if (ids.length < 2) return ids;
  return [...new Set(ids)];
}
