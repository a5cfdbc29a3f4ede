import { LineageError } from '../errors.js';
import { type ColumnEdge, columnLineage } from '../interop/column-lineage.js';
import type { EventSource } from '../log/source.js';
import type { JsonValue } from '../events/types.js';
import type { FileRow } from '../state/rows.js';
import type { OlName } from './identities.js';
import type { MarquezModel } from './marquez-model.js';
import { recordedFileFacets, schemaFields } from './marquez-records.js';

/** A column of Marquez's column-lineage graph, as one of a field's inputs. */
export interface MarquezInputField {
  namespace: string;
  dataset: string;
  datasetVersion: string | null;
  field: string;
  transformationDescription: string | null;
  transformationType: string | null;
}
/** A node of Marquez's column-lineage graph (type DATASET_FIELD). */
export interface MarquezColumnNode {
  id: string;
  type: 'DATASET_FIELD';
  data: MarquezInputField & { fieldType: string | null; inputFields: MarquezInputField[] };
  inEdges: { origin: string; destination: string }[];
  outEdges: { origin: string; destination: string }[];
}

/**
 * Marquez's GET /api/v1/column-lineage: around `dataset:NS:NAME` (every column of its latest
 * version) or `datasetField:NS:NAME:FIELD`, upstream, and downstream too with `withDownstream`,
 * from the columnLineage facets the ledger recorded verbatim.
 */
export async function marquezColumnLineage(log: EventSource, model: MarquezModel, nodeId: string, depth: number, withDownstream: boolean): Promise<{ graph: MarquezColumnNode[] }> {
  const start = resolveField(model, nodeId);
  const file = start.files[start.files.length - 1]!;
  let columns: string[];
  if (start.field !== undefined) columns = [start.field];
  else {
    const facets = await recordedFileFacets(log, model.view, file.id);
    const lineageFields = (facets?.columnLineage as { fields?: Record<string, unknown> } | undefined)?.fields;
    columns = [...new Set([...schemaFields(facets).map((f) => f.name), ...Object.keys(lineageFields && typeof lineageFields === 'object' ? lineageFields : {})])];
  }
  const nodes = new Map<string, { namespace: string; dataset: string; fileId?: string; column: string }>();
  const edges = new Set<ColumnEdge>();
  for (const column of columns) {
    const g = await columnLineage(log, model.view, file.id, column, { direction: withDownstream ? 'both' : 'upstream', depth });
    for (const n of g.nodes) if (!nodes.has(n.id)) nodes.set(n.id, n);
    for (const e of g.edges) edges.add(e);
  }
  const types = new Map<string, Map<string, string | null>>();
  const typeOf = async (fileId: string | undefined, column: string): Promise<string | null> => {
    if (fileId === undefined) return null;
    let t = types.get(fileId);
    if (!t) types.set(fileId, (t = new Map(schemaFields(await recordedFileFacets(log, model.view, fileId)).map((f) => [f.name, f.type]))));
    return t.get(column) ?? null;
  };
  const field = (id: string, how: JsonValue[] = []): MarquezInputField => {
    const n = nodes.get(id)!;
    const f = n.fileId === undefined ? undefined : model.view.file(n.fileId);
    const name: OlName = f ? model.datasetName(f) : { namespace: n.namespace, name: n.dataset };
    return { namespace: name.namespace, dataset: name.name, datasetVersion: f ? model.versionOf(f) : null, field: n.column, ...transformation(how) };
  };
  const idOf = (id: string) => {
    const f = field(id);
    return `datasetField:${f.namespace}:${f.dataset}:${f.field}`;
  };
  const graph: MarquezColumnNode[] = [];
  for (const id of nodes.keys()) {
    const ins = [...edges].filter((e) => e.to === id);
    const outs = [...edges].filter((e) => e.from === id);
    const me = idOf(id);
    graph.push({
      id: me,
      type: 'DATASET_FIELD',
      data: { ...field(id, ins[0]?.transformations), fieldType: await typeOf(nodes.get(id)!.fileId, nodes.get(id)!.column), inputFields: ins.map((e) => field(e.from, e.transformations)) },
      inEdges: ins.map((e) => ({ origin: idOf(e.from), destination: me })),
      outEdges: outs.map((e) => ({ origin: me, destination: idOf(e.to) })),
    });
  }
  return { graph };
}

// OpenLineage 1-2 transformations ([{ type, subtype, description }]) or 1-0 transformationDescription / Type.
function transformation(how: JsonValue[]): { transformationDescription: string | null; transformationType: string | null } {
  const first = how[0];
  if (typeof first === 'string') return { transformationDescription: first, transformationType: null };
  if (first !== null && typeof first === 'object' && !Array.isArray(first)) {
    const d = first.description;
    const t = first.type;
    return { transformationDescription: typeof d === 'string' ? d : null, transformationType: typeof t === 'string' ? t : null };
  }
  return { transformationDescription: null, transformationType: null };
}

/** Reads `dataset:NS:NAME` or `datasetField:NS:NAME:FIELD` (namespaces and names may hold colons: every split is tried). */
function resolveField(model: MarquezModel, id: string): { files: FileRow[]; field?: string } {
  const m = /^(dataset|datasetField):(.+)$/.exec(id);
  if (!m) throw new LineageError('INVALID_ARGUMENT', `nodeId is dataset:NAMESPACE:NAME or datasetField:NAMESPACE:NAME:FIELD, not ${JSON.stringify(id.slice(0, 200))}`);
  const whole = m[2]!;
  const candidates: { rest: string; field?: string }[] = [];
  if (m[1] === 'dataset') candidates.push({ rest: whole });
  else for (let j = whole.lastIndexOf(':'); j > 0; j = whole.lastIndexOf(':', j - 1)) if (j < whole.length - 1) candidates.push({ rest: whole.slice(0, j), field: whole.slice(j + 1) });
  for (const { rest, field } of candidates) {
    for (let i = rest.indexOf(':'); i > 0; i = rest.indexOf(':', i + 1)) {
      const name = { namespace: rest.slice(0, i), name: rest.slice(i + 1) };
      if (name.name === '') continue;
      const files = model.filesOf(name);
      if (files.length > 0) return field === undefined ? { files } : { files, field };
    }
  }
  throw new LineageError('FILE_NOT_FOUND', `no dataset of ${id.slice(0, 1100)} in this snapshot`);
}
