import type { EventSource } from '../log/source.js';
import type { JsonValue } from '../events/types.js';
import type { LedgerLog } from '../log/store.js';
import type { View } from '../state/view.js';
import { readRecords } from './openlineage-records.js';

/** Facets by name, as their producers sent them (OpenLineage `_producer`, `_schemaURL` and fields). */
export type Facets = { readonly [name: string]: JsonValue };

/** The facets a file had as an input or output of one run (dataset facets, and input or output facets). */
export interface DatasetFacetsOfRun {
  runId?: string;
  role: 'input' | 'output' | 'dataset';
  /** When the event that carried them was recorded. */
  seq: number;
  eventType?: string;
  eventTime: string;
  facets: Facets;
  /** `inputFacets` or `outputFacets`. */
  roleFacets: Facets;
}

type Json = { [key: string]: JsonValue };
type Dataset = { facets?: Json; inputFacets?: Json; outputFacets?: Json };

/** Which entity's facets to read. */
export type FacetsOf = 'run' | 'transform' | 'file';

/**
 * The facets of a run, transform (job) or file (dataset) as a view sees them: every recorded event
 * that names it, in log order, a later facet of a name replacing an earlier one (OpenLineage's rule).
 * A file's facets are versioned by the events that carried them: an older view shows older facets.
 * Async because facets live in the log and the object store, not in memory.
 */
export async function facetsOf(log: EventSource, view: View, kind: FacetsOf, id: string): Promise<Facets> {
  const out: Json = {};
  if (kind === 'file') {
    for (const d of await datasetFacets(log, view, id)) Object.assign(out, d.facets);
    return out;
  }
  for (const { event } of await readRecords(log, seqsOf(view, kind, id))) {
    const holder = (kind === 'run' ? event.run : event.job) as { facets?: Json } | undefined;
    Object.assign(out, holder?.facets);
  }
  return out;
}

/** Each time a file was named by a recorded event: as whose input or output, with which facets. */
export async function datasetFacets(log: EventSource, view: View, fileId: string): Promise<DatasetFacetsOfRun[]> {
  const out: DatasetFacetsOfRun[] = [];
  for (const { seq, data, event } of await readRecords(log, seqsOf(view, 'file', fileId))) {
    const base = { seq, eventType: event.eventType as string | undefined, eventTime: String(event.eventTime) };
    if (data.datasetId === fileId) out.push({ ...base, role: 'dataset', facets: ((event.dataset as Dataset).facets ?? {}) as Facets, roleFacets: {} });
    for (const [role, ids, key, facetKey] of [['input', data.inputIds, 'inputs', 'inputFacets'], ['output', data.outputIds, 'outputs', 'outputFacets']] as const) {
      (ids ?? []).forEach((fid, i) => {
        if (fid !== fileId) return;
        const d = (event[key] as Dataset[])[i]!;
        out.push({ ...base, runId: data.runId, role, facets: (d.facets ?? {}) as Facets, roleFacets: (d[facetKey] ?? {}) as Facets });
      });
    }
  }
  return out;
}

/** The inputs and outputs a job's JobEvents declared (static lineage, no run): the latest JobEvent's, as the view sees it. */
export interface DeclaredIds {
  inputIds: string[];
  outputIds: string[];
  /** When that JobEvent was recorded. */
  seq: number;
}

/**
 * The datasets the latest JobEvent of transform `id` declared, or undefined when none was recorded.
 * OpenLineage's JobEvent states a job's whole static lineage, so a later one replaces an earlier
 * one. The job's run events (the same relation) are skipped without reading their large facets.
 */
export async function declaredOf(log: EventSource, view: View, id: string): Promise<DeclaredIds | undefined> {
  const seqs = seqsOf(view, 'transform', id);
  // From the newest back, a few at a time: a job with thousands of runs usually has its JobEvent late.
  for (let end = seqs.length; end > 0; end -= 64) {
    const records = await readRecords(log, seqs.slice(Math.max(0, end - 64), end), () => false);
    for (let j = records.length - 1; j >= 0; j--) {
      const { seq, data } = records[j]!;
      if (data.kind === 'job') return { inputIds: [...(data.inputIds ?? [])], outputIds: [...(data.outputIds ?? [])], seq };
    }
  }
  return undefined;
}

function seqsOf(view: View, kind: FacetsOf, id: string): number[] {
  const p = view.projection;
  const [table, rel] = kind === 'run' ? [p.runs, p.runFacets] : kind === 'transform' ? [p.transforms, p.transformFacets] : [p.files, p.fileFacets];
  const i = table.indexOf(id);
  return i < 0 ? [] : rel.seqs(i, view.watermark, []);
}
