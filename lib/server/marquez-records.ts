import type { OpenLineageFacets } from '../interop/openlineage-model.js';
import { readRecords } from '../interop/openlineage-records.js';
import type { EventSource } from '../log/source.js';
import type { View } from '../state/view.js';

type Facets = OpenLineageFacets;
type Json = Record<string, unknown>;

// Marquez shows an entity's facets merged over every event that carried them, later events winning
// facet by facet. The ledger keeps those events verbatim (openlineage.event), so the merge reads them.

/** The run facets (`run`) or job facets (`job`) of a run's recorded OpenLineage events, merged in log order; undefined for a run that was never imported. */
export async function recordedRunFacets(log: EventSource, view: View, runId: string, side: 'run' | 'job'): Promise<Facets | undefined> {
  const p = view.projection;
  const i = p.runs.indexOf(runId);
  if (i < 0) return undefined;
  const seqs = p.runFacets.seqs(i, view.watermark, []);
  if (seqs.length === 0) return undefined;
  const merged: Facets = {};
  for (const { event } of await readRecords(log, [...seqs].sort((a, b) => a - b))) {
    Object.assign(merged, ((event[side] as Json | undefined)?.facets as Facets | undefined) ?? {});
  }
  return merged;
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
