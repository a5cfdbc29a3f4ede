import { inspect } from 'node:util';
import { LineageError } from '../errors.js';
import type { LabeledKind } from '../events/types.js';
import { cleanLabels } from './meta.js';
import type { Saved } from './saved.js';

/**
 * A record's labels (lamindb's `record.labels`): read as the record's view sees them, changed by
 * events. `await file.labels.add('qc-passed')`, `file.labels.all()`, `await file.labels.remove('qc-passed')`.
 */
export class Labels implements Iterable<string> {
  readonly #saved: Saved<LabeledKind> | undefined;
  readonly #kind: LabeledKind;

  /** @internal Records make their labels. */
  constructor(saved: Saved<LabeledKind> | undefined, kind: LabeledKind) {
    this.#saved = saved;
    this.#kind = kind;
  }

  /** The labels, in the order the record got them (none for an unsaved record). */
  all(): string[] {
    const b = this.#saved;
    if (!b) return [];
    const i = b.index();
    return i < 0 ? [] : b.binding.view.projection.labels.labelsOf(this.#kind, i, b.binding.view.watermark);
  }

  /** True when the record carries `label`. */
  has(label: string): boolean {
    return typeof label === 'string' && this.all().includes(label.normalize('NFC'));
  }

  /** How many labels the record carries. */
  get size(): number {
    return this.all().length;
  }

  /** Puts labels on the record (one event for all of them); labels it already has are skipped. Resolves to the labels added. */
  add(...labels: (string | readonly string[])[]): Promise<string[]> {
    return this.#change(labels, true, 'labels.add()');
  }

  /** Takes labels off the record (one event); labels it does not have are skipped. Resolves to the labels removed. */
  remove(...labels: (string | readonly string[])[]): Promise<string[]> {
    return this.#change(labels, false, 'labels.remove()');
  }

  async #change(args: readonly unknown[], add: boolean, where: string): Promise<string[]> {
    const b = this.#saved;
    if (!b) throw new LineageError('RECORD_NOT_SAVED', `${where}: this ${this.#kind} has not been added to a ledger yet; pass it to ledger.add() first`);
    const labels = cleanLabels(args, where);
    const meta = b.binding.meta;
    if (!meta) throw new LineageError('NOT_SUPPORTED', `${where}: this ${this.#kind} was read from a source that cannot write; use a ledger from open() or connect()`);
    return meta.changeLabels(this.#kind, b.id, labels, add);
  }

  [Symbol.iterator](): Iterator<string> {
    return this.all()[Symbol.iterator]();
  }
  toJSON(): string[] {
    return this.all();
  }
  [inspect.custom](): string {
    return `Labels ${inspect(this.all())}`;
  }
}
