import { LineageError } from '../errors.js';
import type { OlName } from './identities.js';
import { type MarquezDatasetData, type MarquezJobData, type MarquezModel, nodeId } from './marquez-model.js';

/** An edge of Marquez's lineage graph. */
export interface MarquezEdge {
  origin: string;
  destination: string;
}
/** A node of Marquez's lineage graph (GraphNode). */
export type MarquezNode =
  | { id: string; type: 'JOB'; data: MarquezJobData; inEdges: MarquezEdge[]; outEdges: MarquezEdge[] }
  | { id: string; type: 'DATASET'; data: MarquezDatasetData; inEdges: MarquezEdge[]; outEdges: MarquezEdge[] };
/** Marquez's answer to GET /api/v1/lineage. */
export interface MarquezGraph {
  graph: MarquezNode[];
}

/** A node of the walk: the datasets a job reads (`ins`) and writes (`outs`), or the jobs writing and reading a dataset, by node id. */
export interface LineageNode {
  type: 'job' | 'dataset';
  name: OlName;
  ins: Map<string, OlName>;
  outs: Map<string, OlName>;
}

/** Where the walk gets its nodes and their data (Marquez's JobData or DatasetData, as JSON): built for one answer, or kept across writes (lineage-nodes.ts). */
export interface NodeSource {
  node(type: 'job' | 'dataset', name: OlName): LineageNode;
  data(id: string, node: LineageNode): string;
}

/** A lineage answer as sent, with the node the request named and every node the walk built it from. */
export interface LineageAnswer {
  json: string;
  start: string;
  nodes: string[];
}

/** Nodes built from `model` as the walk asks for them, for one answer. */
export function freshNodes(model: MarquezModel): NodeSource {
  return {
    node: (type, name) => (type === 'job' ? jobNode(model, name) : datasetNode(model, name)),
    data: (_id, n) => JSON.stringify(n.type === 'job' ? model.jobData(n.name) : model.datasetData(n.name)),
  };
}

/**
 * Marquez's lineage around a job or dataset, both ways, as the JSON it is sent as (`{ graph: [{ id,
 * type, data, inEdges, outEdges }] }`, Marquez's GraphNode): jobs up to `depth` job-hops from the start
 * (the start's own jobs are hop 0), with every dataset they read or write. More than `maxNodes`
 * nodes is LIMIT_EXCEEDED rather than a silently cut graph. Each node's data comes from `source` as JSON, so
 * that nodes kept across writes are not serialized again.
 */
export function marquezLineageJson(model: MarquezModel, start: string, depth: number, maxNodes: number, source: NodeSource = freshNodes(model)): LineageAnswer {
  const first = resolveNode(model, start);
  const nodes = new Map<string, LineageNode>();
  const get = (type: 'job' | 'dataset', name: OlName): LineageNode => {
    const id = nodeId(type, name);
    let n = nodes.get(id);
    if (!n) {
      n = source.node(type, name);
      nodes.set(id, n);
      if (nodes.size > maxNodes) throw new LineageError('LIMIT_EXCEEDED', `the lineage of ${start} has more than ${maxNodes} nodes at depth ${depth}; ask for a smaller depth`);
    }
    return n;
  };
  const level = new Map<string, number>();
  const queue: { name: OlName; level: number }[] = [];
  const reach = ([id, name]: [string, OlName], l: number) => {
    if (l > depth || (level.get(id) ?? Infinity) <= l) return;
    level.set(id, l);
    queue.push({ name, level: l });
  };
  const startNode = get(first.type, first.name);
  if (first.type === 'job') reach([nodeId('job', first.name), first.name], 0);
  else for (const j of [...startNode.ins, ...startNode.outs]) reach(j, 0);
  for (let i = 0; i < queue.length; i++) {
    const { name, level: l } = queue[i]!;
    if (level.get(nodeId('job', name)) !== l) continue;
    const job = get('job', name);
    for (const [, d] of [...job.ins, ...job.outs]) {
      const ds = get('dataset', d);
      for (const j of [...ds.ins, ...ds.outs]) reach(j, l + 1);
    }
  }
  // Edges only between nodes of the graph; a dataset's edges to jobs beyond the depth are left out.
  // Written as JSON.stringify writes a MarquezGraph, byte for byte, with each node's data as its source keeps it.
  const graph: string[] = [];
  for (const [id, n] of nodes) {
    if (n.type === 'job' && !level.has(id) && id !== nodeId(first.type, first.name)) continue;
    const inEdges: MarquezEdge[] = [];
    const outEdges: MarquezEdge[] = [];
    for (const o of n.ins.keys()) if (included(o)) inEdges.push({ origin: o, destination: id });
    for (const d of n.outs.keys()) if (included(d)) outEdges.push({ origin: id, destination: d });
    graph.push(`{"id":${JSON.stringify(id)},"type":"${n.type === 'job' ? 'JOB' : 'DATASET'}","data":${source.data(id, n)},"inEdges":${JSON.stringify(inEdges)},"outEdges":${JSON.stringify(outEdges)}}`);
  }
  return { json: `{"graph":[${graph.join(',')}]}`, start: nodeId(first.type, first.name), nodes: [...nodes.keys()] };

  function included(id: string): boolean {
    const n = nodes.get(id);
    return n !== undefined && (n.type === 'dataset' || level.has(id));
  }
}

/** Reads `job:NS:NAME` or `dataset:NS:NAME`; namespaces may hold colons (`postgres://db:5432`), so every split is tried. */
export function resolveNode(model: MarquezModel, id: string): { type: 'job' | 'dataset'; name: OlName } {
  // A run's lineage is its job's, as Marquez answers `run:UUID`.
  const run = /^run:(.+)$/.exec(id);
  if (run) {
    const r = model.runByUuid(run[1]!);
    if (!r) throw new LineageError('RUN_NOT_FOUND', `no run ${run[1]!.slice(0, 64)} in this snapshot`);
    return { type: 'job', name: jobOfRun(model, r.id) };
  }
  const m = /^(job|dataset):(.+)$/.exec(id);
  if (!m) throw new LineageError('INVALID_ARGUMENT', `nodeId is job:NAMESPACE:NAME, dataset:NAMESPACE:NAME or run:UUID, not ${JSON.stringify(id.slice(0, 200))}`);
  const type = m[1] as 'job' | 'dataset';
  const rest = m[2]!;
  for (let i = rest.indexOf(':'); i > 0; i = rest.indexOf(':', i + 1)) {
    const name = { namespace: rest.slice(0, i), name: rest.slice(i + 1) };
    if (name.name === '') continue;
    if (type === 'job' && model.transformsOf(name).length > 0) return { type, name };
    // A dataset named by a symlink (a Hive table of a storage path) is the dataset it names.
    const dataset = type === 'dataset' ? model.resolveDataset(name) : undefined;
    if (dataset && model.filesOf(dataset).length > 0) return { type, name: dataset };
  }
  throw new LineageError(type === 'job' ? 'TRANSFORM_NOT_FOUND' : 'FILE_NOT_FOUND', `no ${type} ${id.slice(0, 1100)} in this snapshot`);
}

function jobNode(model: MarquezModel, name: OlName): LineageNode {
  const n: LineageNode = { type: 'job', name, ins: new Map(), outs: new Map() };
  for (const r of model.runsOf(model.transformsOf(name))) {
    for (const f of model.view.inputsOf(r.id)) add(n.ins, 'dataset', model.datasetName(model.view.file(f)!));
    for (const f of model.view.outputsOf(r.id)) add(n.outs, 'dataset', model.datasetName(model.view.file(f)!));
  }
  return n;
}

function datasetNode(model: MarquezModel, name: OlName): LineageNode {
  const n: LineageNode = { type: 'dataset', name, ins: new Map(), outs: new Map() };
  for (const f of model.filesOf(name)) {
    for (const rid of model.view.producersOf(f.id)) add(n.ins, 'job', jobOfRun(model, rid));
    for (const rid of model.view.consumersOf(f.id)) add(n.outs, 'job', jobOfRun(model, rid));
  }
  return n;
}

function jobOfRun(model: MarquezModel, runId: string): OlName {
  const r = model.view.run(runId)!;
  return model.jobName(model.view.transform(r.transformId)!);
}

function add(map: Map<string, OlName>, type: 'job' | 'dataset', name: OlName): void {
  const id = nodeId(type, name);
  if (!map.has(id)) map.set(id, name);
}
