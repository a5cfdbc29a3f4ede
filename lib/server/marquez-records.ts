import type { OpenLineageFacets } from '../interop/openlineage-model.js';
import { declaredOf, type DeclaredIds, facetsOf } from '../interop/facets.js';
import { readRecords } from '../interop/openlineage-records.js';
import type { EventSource } from '../log/source.js';
import type { View } from '../state/view.js';

type Facets = OpenLineageFacets;
type Json = Record<string, unknown>;

// Marquez shows an entity's facets merged over every event that carried them, later events winning
// facet by facet. The ledger keeps those events verbatim (openlineage.event), so the merge reads them.

/** What producers sent about one run, merged over its recorded events in log order (later facets of a name win). */
export interface RecordedRun {
  run: Facets;
  job: Facets;
  /** The OpenLineage event types recorded for it (START, RUNNING, COMPLETE, ABORT, FAIL, OTHER). */
  eventTypes: string[];
  /** By file id: the dataset facets, and the input or output facets, this run's events gave that file. */
  datasets: Map<string, Facets>;
}

/** A run's recorded OpenLineage events, merged (Marquez's Run facets and its dataset versions' facets); undefined for a run that was never imported. */
export async function recordedRun(log: EventSource, view: View, runId: string): Promise<RecordedRun | undefined> {
  return (await recordedRuns(log, view, [runId])).get(runId);
}

/** The recorded OpenLineage events of several runs, read from the log in one call and merged per run; runs never imported are absent. */
export async function recordedRuns(log: EventSource, view: View, runIds: readonly string[]): Promise<Map<string, RecordedRun>> {
  const p = view.projection;
  // The runs each recorded event belongs to (by the index of the events that name each run).
  const runsOf = new Map<number, string[]>();
  for (const runId of runIds) {
    const i = p.runs.indexOf(runId);
    if (i < 0) continue;
    for (const seq of p.runFacets.seqs(i, view.watermark, [])) {
      const list = runsOf.get(seq);
      if (list) list.push(runId);
      else runsOf.set(seq, [runId]);
    }
  }
  const runs = new Map<string, RecordedRun>();
  // Log order, so that later facets of a name win within each run.
  for (const { seq, data, event } of await readRecords(log, [...runsOf.keys()].sort((a, b) => a - b))) {
    for (const runId of runsOf.get(seq)!) {
      let out = runs.get(runId);
      if (!out) runs.set(runId, (out = { run: {}, job: {}, eventTypes: [], datasets: new Map() }));
      mergeRecorded(out, data, event);
    }
  }
  return runs;
}

// One recorded event into what is known of its run: facets of a name replace earlier ones.
function mergeRecorded(out: RecordedRun, data: { inputIds?: string[]; outputIds?: string[] }, event: Json): void {
  Object.assign(out.run, ((event.run as Json | undefined)?.facets as Facets | undefined) ?? {});
  Object.assign(out.job, ((event.job as Json | undefined)?.facets as Facets | undefined) ?? {});
  if (typeof event.eventType === 'string') out.eventTypes.push(event.eventType);
  for (const [list, ids, roleKey] of [[event.inputs, data.inputIds, 'inputFacets'], [event.outputs, data.outputIds, 'outputFacets']] as const) {
    if (!Array.isArray(list) || !ids) continue;
    ids.forEach((id, k) => {
      const d = list[k] as Json | undefined;
      const merged = out.datasets.get(id) ?? {};
      Object.assign(merged, (d?.facets as Facets | undefined) ?? {}, (d?.[roleKey] as Facets | undefined) ?? {});
      out.datasets.set(id, merged);
    });
  }
}

/** The run facets (`run`) or job facets (`job`) of a run's recorded OpenLineage events, merged in log order; undefined for a run that was never imported. */
export async function recordedRunFacets(log: EventSource, view: View, runId: string, side: 'run' | 'job'): Promise<Facets | undefined> {
  return (await recordedRun(log, view, runId))?.[side];
}

/** A job's (transform's) recorded facets, from its run events and JobEvents, merged in log order, and what its latest JobEvent declared; undefined when nothing was recorded for it. */
export async function recordedJob(log: EventSource, view: View, transformId: string): Promise<{ facets: Facets; declared?: DeclaredIds } | undefined> {
  const p = view.projection;
  const i = p.transforms.indexOf(transformId);
  if (i < 0 || p.transformFacets.seqs(i, view.watermark, []).length === 0) return undefined;
  const declared = await declaredOf(log, view, transformId);
  // Recorded facets are what producers sent: OpenLineage facets, as the events were validated.
  return { facets: (await facetsOf(log, view, 'transform', transformId)) as Facets, ...(declared ? { declared } : {}) };
}

/** The dataset facets a file (one dataset version) got in the recorded OpenLineage events that named it, merged in log order; undefined when none did. */
export async function recordedFileFacets(log: EventSource, view: View, fileId: string): Promise<Facets | undefined> {
  const p = view.projection;
  const i = p.files.indexOf(fileId);
  if (i < 0) return undefined;
  const seqs = p.fileFacets.seqs(i, view.watermark, []);
  if (seqs.length === 0) return undefined;
  const merged: Facets = {};
  for (const { data, event } of await readRecords(log, [...seqs].sort((a, b) => a - b))) {
    const sides: [unknown, string[] | undefined][] = [[event.inputs, data.inputIds], [event.outputs, data.outputIds], [[event.dataset], data.datasetId ? [data.datasetId] : undefined]];
    for (const [list, ids] of sides) {
      if (!Array.isArray(list) || !ids) continue;
      ids.forEach((id, k) => {
        if (id === fileId) Object.assign(merged, ((list[k] as Json | undefined)?.facets as Facets | undefined) ?? {});
      });
    }
  }
  return merged;
}

/** Marquez's dataset fields from a `schema` facet: name, type, tags, description. */
export function schemaFields(facets: Facets | undefined): { name: string; type: string | null; tags: string[]; description: string | null }[] {
  const fields = (facets?.schema as { fields?: unknown } | undefined)?.fields;
  if (!Array.isArray(fields)) return [];
  return fields
    .filter((f): f is Json => f !== null && typeof f === 'object' && typeof (f as Json).name === 'string')
    .map((f) => ({ name: f.name as string, type: typeof f.type === 'string' ? f.type : null, tags: [], description: typeof f.description === 'string' ? f.description : null }));
}

/** Marquez's description of a job or dataset: its `documentation` facet's. */
export function describedBy(facets: Facets | undefined): string | null {
  const d = (facets?.documentation as { description?: unknown } | undefined)?.description;
  return typeof d === 'string' ? d : null;
}

/** Marquez's lifecycle state of a dataset: its `lifecycleStateChange` facet's (CREATE, OVERWRITE, DROP, …). */
export function lifecycle(facets: Facets): string | null {
  const state = (facets.lifecycleStateChange as { lifecycleStateChange?: unknown } | undefined)?.lifecycleStateChange;
  return typeof state === 'string' ? state : null;
}
