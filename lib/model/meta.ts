import { LineageError } from '../errors.js';
import type { LabeledKind } from '../events/types.js';
import { LIMITS } from '../limits.js';
import type { RunReference, SourceRef } from '../state/projection.js';
import { cleanName, describe } from './sanitize.js';

/**
 * The commands of labels, run references and stored sources, which records call through their
 * binding: `open()` runs them on its own log, `connect()` sends them to the server. Each one checks
 * that the record exists and writes nothing when there is nothing to change.
 */
export interface MetaCommands {
  /** Puts labels on (`add`) or takes them off a record; resolves to the labels that changed. */
  changeLabels(kind: LabeledKind, id: string, labels: readonly string[], add: boolean): Promise<string[]>;
  /** Sets a run's external reference (a later one replaces it; the history keeps both). */
  setReference(runId: string, reference: RunReference): Promise<void>;
  /** Reads a transform's stored source, checked against its hash. */
  readSource(transform: { id: string; name: string }, ref: SourceRef): Promise<Buffer>;
}

/** Labels as given to `labels.add()` / `labels.remove()` (strings, or arrays of them), checked and NFC-normalized, without repeats. */
export function cleanLabels(args: readonly unknown[], where: string): string[] {
  const flat = args.flatMap((a) => (Array.isArray(a) ? (a as unknown[]) : [a]));
  if (flat.length === 0) throw new LineageError('INVALID_ARGUMENT', `${where} takes one or more labels (strings)`);
  if (flat.length > LIMITS.labelsPerCall) throw new LineageError('LIMIT_EXCEEDED', `${where} got ${flat.length} labels; one call takes at most ${LIMITS.labelsPerCall}`);
  return [...new Set(flat.map((l) => cleanName(l, 'a label', LIMITS.labelLength)))];
}

/** A run reference as given to `run.setReference()`, `track({ reference })` or `run(t, fn, { reference })`, checked. */
export function cleanReference(reference: unknown, referenceType: unknown): RunReference {
  const ref = cleanName(reference, 'reference');
  if (referenceType === undefined) return { reference: ref };
  return { reference: ref, referenceType: cleanName(referenceType, 'referenceType', LIMITS.labelLength) };
}

/** The reference of run options (`{ reference, referenceType }`), or undefined when there is none; a type without a reference is refused. */
export function referenceOption(options: { reference?: unknown; referenceType?: unknown }): RunReference | undefined {
  if (options.reference === undefined) {
    if (options.referenceType !== undefined) throw new LineageError('INVALID_ARGUMENT', `referenceType ${describe(options.referenceType)} needs a reference`);
    return undefined;
  }
  return cleanReference(options.reference, options.referenceType);
}

/** The labels a change would really write: for `add`, those the record lacks; otherwise those it has. */
export function labelsToChange(current: readonly string[], labels: readonly string[], add: boolean): string[] {
  const has = new Set(current);
  return labels.filter((l) => has.has(l) !== add);
}

/** True when two references are the same (setting the same one again writes nothing). */
export function sameReference(a: RunReference | undefined, b: RunReference): boolean {
  return a !== undefined && a.reference === b.reference && a.referenceType === b.referenceType;
}
