import type { FileRow, RunRow, TransformRow } from './rows.js';
import { type Projection, versionAt } from './projection.js';
import type { SeqList } from './seq-list.js';

const EMPTY: string[] = [];

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
    return versionAt(this.#p.transforms.get(id), this.watermark);
  }
  run(id: string): RunRow | undefined {
    return versionAt(this.#p.runs.get(id), this.watermark);
  }
  file(id: string): FileRow | undefined {
    return versionAt(this.#p.files.get(id), this.watermark);
  }

  transformIds(): string[] {
    return this.#p.transformOrder.idsAt(this.watermark);
  }
  runIds(): string[] {
    return this.#p.runOrder.idsAt(this.watermark);
  }
  fileIds(): string[] {
    return this.#p.fileOrder.idsAt(this.watermark);
  }

  transformsNamed(name: string): string[] {
    return this.#at(this.#p.transformsByName.get(name));
  }
  filesNamed(name: string): string[] {
    return this.#at(this.#p.filesByName.get(name));
  }
  filesWithHash(hash: string): string[] {
    return this.#at(this.#p.filesByHash.get(hash));
  }
  runsOf(transformId: string): string[] {
    return this.#at(this.#p.transformRuns.get(transformId));
  }
  inputsOf(runId: string): string[] {
    return this.#at(this.#p.runInputs.get(runId));
  }
  /** Files the run created or re-created, in order, without repeats. */
  outputsOf(runId: string): string[] {
    return unique(this.#at(this.#p.runOutputs.get(runId)));
  }
  /** Runs that loaded the file as input, in order, without repeats. */
  consumersOf(fileId: string): string[] {
    return unique(this.#at(this.#p.fileConsumers.get(fileId)));
  }
  /** The run that created the file, then those that re-created it. */
  producersOf(fileId: string): string[] {
    return this.#at(this.#p.fileProducers.get(fileId));
  }
  childrenOf(runId: string): string[] {
    return this.#at(this.#p.runChildren.get(runId));
  }

  /** True when the run already loaded the file as input. */
  isInputOf(fileId: string, runId: string): boolean {
    return this.#p.runInputs.get(runId)?.hasAt(fileId, this.watermark) ?? false;
  }
  /** True when the run created or re-created the file. */
  isOutputOf(fileId: string, runId: string): boolean {
    return this.#p.runOutputs.get(runId)?.hasAt(fileId, this.watermark) ?? false;
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
    const take = (list: SeqList | undefined) => {
      if (!list) return;
      const n = list.countAt(w);
      for (let i = 0; i < n; i++) seqs.push(list.seqAt(i));
    };
    const versions = kind === 'file' ? p.files.get(id) : kind === 'run' ? p.runs.get(id) : p.transforms.get(id);
    for (const v of versions ?? []) if (v.seq <= w) seqs.push(v.seq);
    if (kind === 'file') {
      take(p.fileProducers.get(id));
      take(p.fileConsumers.get(id));
    } else if (kind === 'run') {
      take(p.runInputs.get(id));
      take(p.runOutputs.get(id));
      take(p.runChildren.get(id));
    } else {
      take(p.transformRuns.get(id));
    }
    return [...new Set(seqs)].sort((a, b) => a - b);
  }

  /** The seq-ordered lists behind the index, for audit and traversal code. */
  get projection(): Projection {
    return this.#p;
  }

  #at(list: SeqList | undefined): string[] {
    return list ? list.idsAt(this.watermark) : EMPTY;
  }
}

function unique(ids: string[]): string[] {
  if (ids.length < 2) return ids;
  return [...new Set(ids)];
}
