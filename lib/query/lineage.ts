import { LineageError } from '../errors.js';
import { show } from '../util/show.js';
import type { Adjacency } from '../state/adjacency.js';
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

  const p = view.projection;
  const w = view.watermark;
  const { files, runs, transforms } = p;
  const tables = [files, runs, transforms] as const;
  const marks = [MARKS[FILE].fit(files.size), MARKS[RUN].fit(runs.size), MARKS[TRANSFORM].fit(transforms.size)] as const;
  const stamp = traversalStamp();
  const nodes: LineageNode[] = [];
  const edges: LineageEdge[] = [];
  // One direction reaches each edge from one end only, expanded once: a key set is needed only
  // for both directions or a transform's start (its runs' edges come twice).
  const edgeKeys = direction === 'both' || kind === 'transform' ? new Set<string>() : undefined;
  let truncated = false;

  const seen = (k: Kind, i: number) => marks[k].stamp[i] === stamp;
  const addEdge = (from: string, to: string, type: LineageEdge['type']) => {
    if (edgeKeys) {
      const key = `${from}\u0000${to}\u0000${type}`;
      if (edgeKeys.has(key)) return;
      edgeKeys.add(key);
    }
    edges.push({ from, to, type });
  };
  const addNode = (k: Kind, i: number, depth: number): boolean => {
    const m = marks[k];
    if (m.stamp[i] === stamp) return false;
    if (nodes.length >= maxNodes) {
      truncated = true;
      return false;
    }
    m.stamp[i] = stamp;
    m.pos[i] = nodes.length;
    if (k === RUN) {
      const nid = runs.idOf(i);
      const row = runs.at(i, w);
      // A run's transform was interned when the run started.
      const t = row ? transforms.indexOf(row.transformId) : -1;
      nodes.push({ id: nid, kind: 'run', label: row ? (row.name ?? (t >= 0 ? transforms.at(t, w)?.name : undefined) ?? nid) : nid, depth });
      if (withTransforms && t >= 0 && (seen(TRANSFORM, t) || addNode(TRANSFORM, t, depth))) addEdge(transforms.idOf(t), nid, 'transform');
    } else if (k === FILE) {
      const nid = files.idOf(i);
      nodes.push({ id: nid, kind: 'file', label: files.at(i, w)?.name ?? nid, depth });
    } else {
      const nid = transforms.idOf(i);
      const t = transforms.at(i, w);
      nodes.push({ id: nid, kind: 'transform', label: t ? `${t.name}${t.version ? ` v${t.version}` : ''}` : nid, depth });
    }
    return true;
  };

  // The frontier holds files as 2i and runs as 2i + 1.
  let frontier: number[] = [];
  if (kind === 'transform') {
    const t = transforms.indexOf(id);
    if (t < 0 || !transforms.at(t, w)) throw new LineageError('TRANSFORM_NOT_FOUND', `no transform ${id} in this snapshot`);
    addNode(TRANSFORM, t, 0);
    // Only runs that fit under maxNodes go on: the others mark the transform as cut short.
    for (const r of p.transformRuns.targets(t, w, [])) {
      if (addNode(RUN, r, 0)) addEdge(id, runs.idOf(r), 'transform');
      if (seen(RUN, r)) frontier.push(2 * r + 1);
      else nodes[marks[TRANSFORM].pos[t]!]!.truncated = true;
    }
  } else {
    const k = kind === 'file' ? FILE : RUN;
    const i = tables[k].indexOf(id);
    if (i < 0 || !tables[k].at(i, w)) {
      throw new LineageError(kind === 'file' ? 'FILE_NOT_FOUND' : 'RUN_NOT_FOUND', `no ${kind} ${id} in this snapshot`);
    }
    addNode(k, i, 0);
    frontier = [2 * i + k];
  }

  let next: number[] = [];
  let depth = 1;
  // The node being expanded.
  let current: LineageNode = nodes[0]!;
  for (; frontier.length > 0; depth++) {
    next = [];
    for (const code of frontier) {
      const i = code >>> 1;
      const isRun = (code & 1) === 1;
      current = nodes[marks[isRun ? RUN : FILE].pos[i]!]!;
      if (!isRun) {
        if (up) hop(p.fileProducers, i, RUN, 'output', false);
        if (down) hop(p.fileConsumers, i, RUN, 'input', true);
      } else {
        if (up) hop(p.runInputs, i, FILE, 'input', false);
        if (down) hop(p.runOutputs, i, FILE, 'output', true);
      }
    }
    frontier = next;
  }
  return { start: id, direction, nodes, edges, truncated };

  /** Reaches the neighbours of the current node in `rel` (of kind `xk`) over edges of `type`, going out of it when `out`. */
  function hop(rel: Adjacency, i: number, xk: Kind, type: 'input' | 'output', out: boolean): void {
    const m = marks[xk];
    // A list may name a neighbour twice (a file loaded twice): the second time is skipped.
    const once = nextStamp();
    for (let e = rel.first(i); e !== 0; e = rel.after(e)) {
      if (rel.stamp(e) > w) break;
      const x = rel.target(e);
      if (m.hop[x] === once) continue;
      m.hop[x] = once;
      let isNew = false;
      if (depth <= maxDepth) isNew = addNode(xk, x, depth);
      if (m.stamp[x] !== stamp) {
        current.truncated = true;
        continue;
      }
      const xid = nodes[m.pos[x]!]!.id;
      if (out) addEdge(current.id, xid, type);
      else addEdge(xid, current.id, type);
      if (isNew) next.push(2 * x + xk);
    }
  }
}

const FILE = 0;
const RUN = 1;
const TRANSFORM = 2;
type Kind = typeof FILE | typeof RUN | typeof TRANSFORM;

/**
 * Per table, which traversal last reached each entity (its stamp) and where its node sits: kept
 * across calls, so that a traversal allocates nothing per entity it passes; lineage() never yields,
 * so one traversal runs at a time.
 */
class Marks {
  stamp = new Int32Array(0);
  pos = new Int32Array(0);
  /** The expansion that last reached each entity. */
  hop = new Int32Array(0);

  /** These marks, with room for `n` entities. */
  fit(n: number): this {
    if (this.stamp.length < n) {
      const size = Math.max(n, this.stamp.length * 2);
      const stamp = new Int32Array(size);
      stamp.set(this.stamp);
      this.stamp = stamp;
      this.pos = new Int32Array(size);
      this.hop = new Int32Array(size);
    }
    return this;
  }
}
const MARKS = [new Marks(), new Marks(), new Marks()] as const;
let lastStamp = 0;

/** A stamp no entity carries yet. */
function nextStamp(): number {
  return ++lastStamp;
}

/** The stamp of a new traversal: stamps restart from 1 between traversals, never during one (one takes fewer than 2³⁰). */
function traversalStamp(): number {
  if (lastStamp >= 0x3fffffff) {
    for (const m of MARKS) (m.stamp.fill(0), m.hop.fill(0));
    lastStamp = 0;
  }
  return nextStamp();
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
