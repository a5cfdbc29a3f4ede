import { LineageError } from '../errors.js';
import type { LabeledKind } from '../events/types.js';
import type { View } from '../state/view.js';
import { nfc } from './nfc.js';

/** The query fields of labels and run references, beside each model's row fields. */
export const META_FIELDS: Record<LabeledKind, ReadonlySet<string>> = {
  transform: new Set(['label']),
  run: new Set(['label', 'reference', 'referenceType']),
  file: new Set(['label']),
};

/** True when `field` is a label or reference field of `kind`. */
export function isMetaField(kind: LabeledKind, field: string): boolean {
  return META_FIELDS[kind].has(field);
}

/** Checks a where value of a meta field: `label` takes a label or an array of labels (all of them), references a string. */
export function checkMetaValue(field: string, expected: unknown): void {
  const ok = field === 'label' ? typeof expected === 'string' || (Array.isArray(expected) && expected.length > 0 && expected.every((l) => typeof l === 'string')) : typeof expected === 'string' || expected === undefined;
  if (!ok) throw new LineageError('QUERY_INVALID', field === 'label' ? 'where({ label }) takes a label (string) or a non-empty array of labels, all of which must match' : `where({ ${field} }) takes a string`);
}

/** The labels a where clause asks for, NFC-normalized as labels are stored. */
function wanted(expected: unknown): string[] {
  return (Array.isArray(expected) ? expected : [expected]).map((l) => nfc(l as string));
}

/** True when entity `i` of `kind` matches `field` = `expected` in the view. */
export function metaMatches(view: View, kind: LabeledKind, i: number, field: string, expected: unknown): boolean {
  const p = view.projection;
  const w = view.watermark;
  if (field === 'label') {
    const has = p.labels.labelsOf(kind, i, w);
    return wanted(expected).every((l) => has.includes(l));
  }
  const ref = kind === 'run' ? p.references.at(i, w) : undefined;
  return (field === 'reference' ? ref?.reference : ref?.referenceType) === expected;
}

/** The entities of `kind` carrying every label of `expected`, in creation order: the label index answers without a scan. */
export function labelCandidates(view: View, kind: LabeledKind, expected: unknown, createdSeq: (i: number) => number): number[] {
  const [first, ...rest] = wanted(expected);
  const p = view.projection;
  const w = view.watermark;
  let hits = p.labels.withLabel(kind, first!, w);
  for (const l of rest) hits = hits.filter((i) => p.labels.has(kind, i, l, w));
  return hits.sort((a, b) => createdSeq(a) - createdSeq(b));
}
