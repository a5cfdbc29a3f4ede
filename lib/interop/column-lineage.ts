import type { EventSource } from '../log/source.js';
import type { JsonValue } from '../events/types.js';
import type { LedgerLog } from '../log/store.js';
import type { Projection } from '../state/projection.js';
import type { View } from '../state/view.js';
import { readRecords } from './openlineage-records.js';
import { derivedId } from './uuid.js';

/** A column of a dataset in a column-lineage graph. */
export interface ColumnNode {
  /** `fileId#column`, or `namespace/name#column` for a dataset the ledger does not know. */
  id: string;
  /** The file, when the ledger knows the dataset. */
  fileId?: string;
  namespace: string;
  dataset: string;
  column: string;
  /** Hops from the start. */
  depth: number;
}

/** An edge from an upstream column to the column derived from it, with how (OpenLineage transformations). */
export interface ColumnEdge {
  from: string;
  to: string;
  transformations: JsonValue[];
}

/** What `columnLineage()` returns. */
export interface ColumnGraph {
  start: string;
  direction: 'upstream' | 'downstream' | 'both';
  nodes: ColumnNode[];
  edges: ColumnEdge[];
  /** True when the depth limit cut the traversal and more lies beyond. */
  truncated: boolean;
}

/** Options of `columnLineage()`. */
export interface ColumnLineageOptions {
  direction?: 'upstream' | 'downstream' | 'both';
  /** Maximum hops (column → column is one); default unlimited. */
  depth?: number;
}

type Col = Omit<ColumnNode, 'depth'>;
type Json = { [key: string]: JsonValue };

/**
 * The column-lineage index: for each file, its columns' input columns, from the latest
 * `columnLineage` facet the file got. Built from the log on first use (facets live on disk), then
 * kept in memory and brought up to date with the events that came after: a query is a walk over maps.
 */
class ColumnIndex {
  seq = 0;
  readonly #cols = new Map<string, Col>();
  /** file → column → its upstream edges, from the file's latest columnLineage facet. */
  readonly #up = new Map<string, Map<string, ColumnEdge[]>>();
  #down: Map<string, ColumnEdge[]> | undefined;

  async advance(log: EventSource, view: View): Promise<void> {
    const p = view.projection;
    const w = view.watermark;
    const seqs = new Set<number>();
    const n = p.fileOrder.countAt(w);
    for (let j = 0; j < n; j++) for (const s of p.fileFacets.seqs(p.fileOrder.at(j), w, [])) if (s > this.seq) seqs.add(s);
    const wanted = (at: string) => at.endsWith('/facets/columnLineage');
    for (const { data, event } of await readRecords(log, [...seqs].sort((a, b) => a - b), wanted)) {
      const outputs = (event.outputs ?? []) as Json[];
      const inputs = (event.inputs ?? []) as Json[];
      const lists: [Json[], string[] | undefined][] = [[outputs, data.outputIds], [inputs, data.inputIds]];
      if (data.datasetId) lists.push([[event.dataset as Json], [data.datasetId]]);
      for (const [datasets, ids] of lists) {
        datasets.forEach((d, i) => {
          const fields = ((d.facets as Json | undefined)?.columnLineage as Json | undefined)?.fields;
          if (fields === null || typeof fields !== 'object' || Array.isArray(fields) || !ids) return;
          this.#take(p, w, ids[i]!, d, fields as Json, inputs, data.inputIds ?? []);
        });
      }
    }
    this.seq = w;
  }

  #take(p: Projection, w: number, fileId: string, d: Json, fields: Json, inputs: Json[], inputIds: string[]): void {
    const columns = new Map<string, ColumnEdge[]>();
    for (const [column, spec] of Object.entries(fields)) {
      const to = this.#col({ fileId, namespace: String(d.namespace), dataset: String(d.name), column });
      const edges: ColumnEdge[] = [];
      for (const x of ((spec as Json)?.inputFields ?? []) as Json[]) {
        const ns = String(x.namespace);
        const name = String(x.name);
        // The input of the same event with that name is the version read; else the ledger's file by name or symlink.
        const k = inputs.findIndex((i) => i.namespace === ns && i.name === name);
        const own = derivedId('olf_', ns, name, '');
        const fid = k >= 0 ? inputIds[k] : (p.filesAliased(name, w, ns).map((f) => p.files.idOf(f))[0] ?? (p.files.indexOf(own) >= 0 ? own : undefined));
        const from = this.#col({ fileId: fid, namespace: ns, dataset: name, column: String(x.field) });
        const transformations = x.transformations ?? (spec as Json).transformationDescription ?? [];
        edges.push({ from: from.id, to: to.id, transformations: Array.isArray(transformations) ? transformations : [transformations] });
      }
      columns.set(column, edges);
    }
    this.#up.set(fileId, columns);
    this.#down = undefined;
  }

  #col(c: Omit<Col, 'id'>): Col {
    const id = `${c.fileId ?? `${c.namespace}/${c.dataset}`}#${c.column}`;
    let col = this.#cols.get(id);
    if (!col) this.#cols.set(id, (col = { id, ...c }));
    return col;
  }

  upstream(id: string): ColumnEdge[] {
    const col = this.#cols.get(id);
    return (col?.fileId && this.#up.get(col.fileId)?.get(col.column)) || [];
  }

  downstream(id: string): ColumnEdge[] {
    if (!this.#down) {
      this.#down = new Map();
      for (const columns of this.#up.values()) {
        for (const edges of columns.values()) {
          for (const e of edges) {
            const list = this.#down.get(e.from);
            if (list) list.push(e);
            else this.#down.set(e.from, [e]);
          }
        }
      }
    }
    return this.#down.get(id) ?? [];
  }

  node(id: string): Col | undefined {
    return this.#cols.get(id);
  }
}

// One index per projection, for the watermark it was last brought to (a snapshot older than it builds its own).
const indexes = new WeakMap<Projection, ColumnIndex>();

/** The column-lineage graph around `column` of file `fileId`, as `view` sees it (breadth-first, each column once). */
export async function columnLineage(log: EventSource, view: View, fileId: string, column: string, options: ColumnLineageOptions = {}): Promise<ColumnGraph> {
  const direction = options.direction ?? 'upstream';
  const maxDepth = options.depth ?? Infinity;
  let index = indexes.get(view.projection);
  if (!index || index.seq > view.watermark) {
    index = new ColumnIndex();
    if (view.live) indexes.set(view.projection, index);
  }
  if (index.seq < view.watermark) await index.advance(log, view);
  const file = view.file(fileId)!;
  const start = `${fileId}#${column}`;
  const nodes = new Map<string, ColumnNode>([[start, { ...(index.node(start) ?? { id: start, fileId, namespace: '', dataset: file.name, column }), depth: 0 }]]);
  const edges: ColumnEdge[] = [];
  let truncated = false;
  let frontier = [start];
  for (let depth = 1; frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const id of frontier) {
      const around = [...(direction !== 'downstream' ? index.upstream(id).map((e) => [e, e.from] as const) : []), ...(direction !== 'upstream' ? index.downstream(id).map((e) => [e, e.to] as const) : [])];
      for (const [e, other] of around) {
        if (depth > maxDepth) {
          truncated = true;
          break;
        }
        edges.push(e);
        if (nodes.has(other)) continue;
        nodes.set(other, { ...index.node(other)!, depth });
        next.push(other);
      }
    }
    frontier = next;
  }
  return { start, direction, nodes: [...nodes.values()], edges: [...new Set(edges)], truncated };
}
