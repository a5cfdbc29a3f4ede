import { LineageError } from '../errors.js';
import { show } from '../util/show.js';
import type { View } from '../state/view.js';

/** Which way a lineage traversal goes from its start. */
export type Direction = 'upstream' | 'downstream' | 'both';
/** The kind of a lineage node. */
export type NodeKind = 'file' | 'run' | 'transform';

/** A node of a lineage graph. */
export interface LineageNode {
  id: string;
  kind: NodeKind;
  /** A file's or transform's name; a run's name, or its transform's name. */
  label: string;
  /** Hops from the start (a transform sits at its run's depth). */
  depth: number;
  /** True when the depth or node limit cut the traversal here and more lies beyond. */
  truncated?: boolean;
}

/** An edge: `input` goes file → run, `output` goes run → file, `transform` goes transform → run. */
export interface LineageEdge {
  from: string;
  to: string;
  type: 'input' | 'output' | 'transform';
}

/** The result of `ledger.lineage()`. */
export interface LineageGraph {
  start: string;
  direction: Direction;
  nodes: LineageNode[];
  edges: LineageEdge[];
  /** True when maxNodes stopped the traversal. */
  truncated: boolean;
}

/** Options of `ledger.lineage()`. */
export interface LineageOptions {
  direction?: Direction;
  /** Maximum hops (file → run is one hop); default unlimited. */
  depth?: number;
  /** Maximum nodes, transforms included; default 10,000. */
  maxNodes?: number;
  /** Include the transform of each run (default true). */
  transforms?: boolean;
}

/**
 * Breadth-first lineage over a view, with MLMD's semantics: a hop is node → edge → node, with a
 * direction, a depth limit and a node limit.
 */
export function lineage(view: View, kind: NodeKind, id: string, options: LineageOptions = {}): LineageGraph {
  checkLineageOptions(options);
  const direction = options.direction ?? 'upstream';
  if (direction !== 'upstream' && direction !== 'downstream' && direction !== 'both') {
    throw new LineageError('INVALID_ARGUMENT', `direction is 'upstream', 'downstream' or 'both', not ${show(direction)}`);
  }
  const maxDepth = options.depth ?? Infinity;
  const maxNodes = options.maxNodes ?? 10_000;
  if (!(maxDepth >= 0) || !(maxNodes >= 1)) throw new LineageError('INVALID_ARGUMENT', 'depth must be ≥ 0 and maxNodes ≥ 1');
  const withTransforms = options.transforms ?? true;
  const up = direction !== 'downstream';
  const down = direction !== 'upstream';

  const nodes = new Map<string, LineageNode>();
  const edges: LineageEdge[] = [];
  // One direction reaches each edge from one end only, expanded once: a key set is needed only
  // for both directions, a transform's start (its runs' edges come twice), or repeats in a list.
  const edgeKeys = direction === 'both' || kind === 'transform' ? new Set<string>() : undefined;
  let truncated = false;

  const addEdge = (from: string, to: string, type: LineageEdge['type']) => {
    if (edgeKeys) {
      const k = `${from}\u0000${to}\u0000${type}`;
      if (edgeKeys.has(k)) return;
      edgeKeys.add(k);
    }
    edges.push({ from, to, type });
  };
  const addNode = (nid: string, nkind: NodeKind, depth: number): boolean => {
    if (nodes.has(nid)) return false;
    if (nodes.size >= maxNodes) {
      truncated = true;
      return false;
    }
    if (nkind === 'run') {
      const row = view.run(nid);
      nodes.set(nid, { id: nid, kind: nkind, label: row ? (row.name ?? view.transform(row.transformId)?.name ?? nid) : nid, depth });
      const t = row?.transformId;
      if (withTransforms && t && (nodes.has(t) || addNode(t, 'transform', depth))) addEdge(t, nid, 'transform');
    } else {
      nodes.set(nid, { id: nid, kind: nkind, label: labelOf(view, nkind, nid), depth });
    }
    return true;
  };

  let frontier: { id: string; kind: 'file' | 'run' }[];
  if (kind === 'transform') {
    if (!view.transform(id)) throw new LineageError('TRANSFORM_NOT_FOUND', `no transform ${id} in this snapshot`);
    addNode(id, 'transform', 0);
    frontier = [];
    for (const r of view.runsOf(id)) {
      // Only runs that fit under maxNodes go on: the others mark the transform as cut short.
      if (addNode(r, 'run', 0)) {
        addEdge(id, r, 'transform');
        frontier.push({ id: r, kind: 'run' });
      } else nodes.get(id)!.truncated = true;
    }
  } else {
    if (kind === 'file' ? !view.file(id) : !view.run(id)) {
      throw new LineageError(kind === 'file' ? 'FILE_NOT_FOUND' : 'RUN_NOT_FOUND', `no ${kind} ${id} in this snapshot`);
    }
    addNode(id, kind, 0);
    frontier = [{ id, kind }];
  }

  let next: { id: string; kind: 'file' | 'run' }[] = [];
  let depth = 1;
  let current: { id: string; kind: 'file' | 'run' } = frontier[0]!;
  // One neighbour x of the node being expanded, reached over the edge from → to.
  const hop = (x: string, xkind: 'file' | 'run', from: string, to: string, type: 'input' | 'output') => {
    if (depth > maxDepth) {
      if (nodes.has(x)) addEdge(from, to, type);
      else nodes.get(current.id)!.truncated = true;
      return;
    }
    const isNew = addNode(x, xkind, depth);
    if (!isNew && !nodes.has(x)) {
      nodes.get(current.id)!.truncated = true;
      return;
    }
    addEdge(from, to, type);
    if (isNew) next.push({ id: x, kind: xkind });
  };
  const each = (ids: string[], fn: (x: string) => void) => {
    if (ids.length === 1 || edgeKeys) {
      for (const x of ids) fn(x);
    } else {
      // Repeats in a list would repeat an edge: skip them.
      const seen = new Set<string>();
      for (const x of ids) if (!seen.has(x)) (seen.add(x), fn(x));
    }
  };

  for (; frontier.length > 0; depth++) {
    next = [];
    for (const n of frontier) {
      current = n;
      const nid = n.id;
      if (n.kind === 'file') {
        if (up) each(view.producersOf(nid), (r) => hop(r, 'run', r, nid, 'output'));
        if (down) each(view.consumersOf(nid), (r) => hop(r, 'run', nid, r, 'input'));
      } else {
        if (up) each(view.inputsOf(nid), (f) => hop(f, 'file', f, nid, 'input'));
        if (down) each(view.outputsOf(nid), (f) => hop(f, 'file', nid, f, 'output'));
      }
    }
    frontier = next;
  }
  return { start: id, direction, nodes: [...nodes.values()], edges, truncated };
}

function labelOf(view: View, kind: NodeKind, id: string): string {
  if (kind === 'file') return view.file(id)?.name ?? id;
  if (kind === 'transform') {
    const t = view.transform(id);
    return t ? `${t.name}${t.version ? ` v${t.version}` : ''}` : id;
  }
  const r = view.run(id);
  if (!r) return id;
  return r.name ?? view.transform(r.transformId)?.name ?? id;
}

function checkLineageOptions(options: unknown): asserts options is LineageOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new LineageError('INVALID_ARGUMENT', `lineage() options must be an object, not ${show(options)}`);
  const { depth, maxNodes, transforms } = options as Record<string, unknown>;
  if (depth !== undefined && !(typeof depth === 'number' && depth >= 0 && (Number.isSafeInteger(depth) || depth === Infinity))) {
    throw new LineageError('INVALID_ARGUMENT', `depth is a non-negative integer or Infinity, not ${show(depth)}`);
  }
  if (maxNodes !== undefined && !(Number.isSafeInteger(maxNodes) && (maxNodes as number) >= 1)) throw new LineageError('INVALID_ARGUMENT', `maxNodes is a positive integer, not ${show(maxNodes)}`);
  if (transforms !== undefined && typeof transforms !== 'boolean') throw new LineageError('INVALID_ARGUMENT', `transforms is a boolean, not ${show(transforms)}`);
}
