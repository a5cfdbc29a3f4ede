import { LineageError } from '../errors.js';
import { show } from '../util/show.js';
import type { Adjacency } from '../state/adjacency.js';
import type { Projection } from '../state/projection.js';
import { ensure } from '../state/columns.js';
import { seenAt } from '../state/table.js';
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
  /** True when the record is in the trash (lineage keeps it). */
  trashed?: boolean;
  /** True when the file's stored content was erased (it stays in the trash). */
  erased?: boolean;
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
  const p = view.projection;
  const w = view.watermark;
  const { files, runs, transforms } = p;
  // Checked before the traversal starts, so that a missing start throws with nothing begun.
  let start = -1;
  if (kind === 'transform') {
    start = transforms.indexOf(id);
    if (start < 0 || !transforms.at(start, w)) throw new LineageError('TRANSFORM_NOT_FOUND', `no transform ${id} in this snapshot`);
  } else {
    const table = kind === 'file' ? files : runs;
    start = table.indexOf(id);
    if (start < 0 || !table.at(start, w)) throw new LineageError(kind === 'file' ? 'FILE_NOT_FOUND' : 'RUN_NOT_FOUND', `no ${kind} ${id} in this snapshot`);
  }
  const t = TRAVERSAL.begin(view, maxDepth, maxNodes, options.transforms ?? true, direction);
  try {
    t.run(kind === 'file' ? FILE : kind === 'run' ? RUN : TRANSFORM, start);
    return { start: id, direction, nodes: t.nodes(), edges: t.edges(), truncated: t.truncated };
  } finally {
    t.end();
  }
}

const FILE = 0;
const RUN = 1;
const TRANSFORM = 2;
type Kind = typeof FILE | typeof RUN | typeof TRANSFORM;
const EDGE_TYPES = ['input', 'output', 'transform'] as const;
const INPUT = 0;
const OUTPUT = 1;
const TRANSFORM_EDGE = 2;

/**
 * Per table, which traversal last reached each entity (its stamp) and where its node sits: kept
 * across calls, so that a traversal allocates nothing per entity it passes.
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
      const hop = new Int32Array(size);
      hop.set(this.hop);
      this.hop = hop;
    }
    return this;
  }
}

/**
 * One traversal at a time, over integers: nodes and edges go into typed arrays that are kept
 * across calls, and objects are made only for the result. lineage() never yields, so the one
 * instance is never shared by two traversals.
 *
 * Nodes are expanded in the order they were added, transforms excepted: that order is the
 * breadth-first order, so the node list is the queue and a node's depth is its expander's + 1.
 */
class Traversal {
  readonly marks = [new Marks(), new Marks(), new Marks()] as const;
  #lastStamp = 0;
  #stamp = 0;
  #p: Projection | undefined;
  #w = 0;
  #maxDepth = 0;
  #maxNodes = 0;
  #withTransforms = true;
  #up = true;
  #down = false;
  truncated = false;

  /** The nodes: kind, table integer, depth, cut short; labels of runs (made when the run's row is read). */
  #n = 0;
  #kind = new Uint8Array(64);
  #index = new Int32Array(64);
  #depth = new Int32Array(64);
  #cut = new Uint8Array(64);
  readonly #runLabel: (string | undefined)[] = [];
  /** The ids of the nodes, by position, once made. */
  readonly #ids: string[] = [];
  /** The edges, between node positions. */
  #m = 0;
  #from = new Int32Array(64);
  #to = new Int32Array(64);
  #type = new Uint8Array(64);

  begin(view: View, maxDepth: number, maxNodes: number, withTransforms: boolean, direction: Direction): this {
    const p = view.projection;
    this.#p = p;
    this.#w = view.watermark;
    this.#maxDepth = maxDepth;
    this.#maxNodes = maxNodes;
    this.#withTransforms = withTransforms;
    this.#up = direction !== 'downstream';
    this.#down = direction !== 'upstream';
    this.truncated = false;
    this.#n = 0;
    this.#m = 0;
    this.marks[FILE].fit(p.files.size);
    this.marks[RUN].fit(p.runs.size);
    this.marks[TRANSFORM].fit(p.transforms.size);
    // Stamps restart from 1 between traversals, never during one (one takes fewer than 2³⁰).
    if (this.#lastStamp >= 0x3fffffff) {
      for (const m of this.marks) (m.stamp.fill(0), m.hop.fill(0));
      this.#lastStamp = 0;
    }
    this.#stamp = ++this.#lastStamp;
    return this;
  }

  /** Lets go of the projection, so that a closed ledger's is not kept alive. */
  end(): void {
    this.#p = undefined;
  }

  /** Traverses from entity `i` of table `k`. */
  run(k: Kind, i: number): void {
    const p = this.#p!;
    if (k === TRANSFORM) {
      this.#add(TRANSFORM, i, 0);
      const runMarks = this.marks[RUN];
      // Only runs that fit under maxNodes go on: the others mark the transform as cut short.
      for (const r of p.runsOfTransform(i, this.#w, [])) {
        const edges = this.#m;
        // Adding a run adds its transform's edge (normally this one): the edge is added here only when it did not.
        if (this.#add(RUN, r, 0) && !(this.#m > edges && this.#from[this.#m - 1] === 0 && this.#type[this.#m - 1] === TRANSFORM_EDGE)) {
          this.#edge(0, runMarks.pos[r]!, TRANSFORM_EDGE);
        }
        if (runMarks.stamp[r] !== this.#stamp) this.#cut[0] = 1;
      }
    } else {
      this.#add(k, i, 0);
    }
    const up = this.#up;
    const down = this.#down;
    for (let q = 0; q < this.#n; q++) {
      const kq = this.#kind[q]!;
      if (kq === TRANSFORM) continue;
      const x = this.#index[q]!;
      if (kq === FILE) {
        if (up) this.#hop(p.fileProducers, x, q, RUN, OUTPUT, false);
        if (down) this.#hop(p.fileConsumers, x, q, RUN, INPUT, true);
      } else {
        if (up) this.#hop(p.runInputs, x, q, FILE, INPUT, false);
        if (down) this.#hop(p.runOutputs, x, q, FILE, OUTPUT, true);
      }
    }
  }

  /**
   * Reaches the neighbours (of kind `xk`) of node `q`, entity `i`, in `rel`, over edges of `type`
   * going out of the node when `out`.
   */
  #hop(rel: Adjacency, i: number, q: number, xk: Kind, type: number, out: boolean): void {
    const m = this.marks[xk];
    const w = this.#w;
    const stamp = this.#stamp;
    const depth = this.#depth[q]! + 1;
    const canAdd = depth <= this.#maxDepth;
    // Both ways, an edge is reached from both its ends: it was added when the end expanded first did.
    const both = this.#up && this.#down;
    let e = rel.first(i);
    if (e === 0 || rel.stamp(e) > w) return;
    // A list may name a neighbour twice (a file loaded twice): the second time is skipped. Most
    // lists hold one entry, which needs no such check.
    const once = rel.after(e) === 0 ? 0 : ++this.#lastStamp;
    for (; e !== 0; e = rel.after(e)) {
      if (rel.stamp(e) > w) break;
      const x = rel.target(e);
      if (once !== 0) {
        if (m.hop[x] === once) continue;
        m.hop[x] = once;
      }
      if (m.stamp[x] !== stamp && !(canAdd && this.#add(xk, x, depth))) {
        this.#cut[q] = 1;
        continue;
      }
      const px = m.pos[x]!;
      if (both && px < q) continue;
      if (out) this.#edge(q, px, type);
      else this.#edge(px, q, type);
    }
  }

  /** Adds entity `i` of table `k` as a node at `depth`, with its run's transform; false when it is one already or no room is left. */
  #add(k: Kind, i: number, depth: number): boolean {
    const m = this.marks[k];
    if (m.stamp[i] === this.#stamp) return false;
    const n = this.#n;
    if (n >= this.#maxNodes) {
      this.truncated = true;
      return false;
    }
    if (n === this.#kind.length) this.#growNodes();
    m.stamp[i] = this.#stamp;
    m.pos[i] = n;
    this.#kind[n] = k;
    this.#index[n] = i;
    this.#depth[n] = depth;
    this.#cut[n] = 0;
    this.#n = n + 1;
    if (k === RUN) {
      const { runs, transforms } = this.#p!;
      // Read from the run's columns, not a whole row: its name never changes, its transform is the one at the watermark.
      const seen = seenAt(runs, i, this.#w);
      const t = seen ? runs.transformAt(i, this.#w) : -1;
      this.#runLabel[n] = seen ? (runs.nameOf(i) ?? (t >= 0 ? transforms.at(t, this.#w)?.name : undefined)) : undefined;
      if (this.#withTransforms && t >= 0) {
        const tm = this.marks[TRANSFORM];
        if (tm.stamp[t] === this.#stamp || this.#add(TRANSFORM, t, depth)) this.#edge(tm.pos[t]!, n, TRANSFORM_EDGE);
      }
    }
    return true;
  }

  #edge(from: number, to: number, type: number): void {
    const m = this.#m;
    if (m === this.#from.length) {
      this.#from = ensure(this.#from, m + 1);
      this.#to = ensure(this.#to, m + 1);
      this.#type = ensure(this.#type, m + 1);
    }
    this.#from[m] = from;
    this.#to[m] = to;
    this.#type[m] = type;
    this.#m = m + 1;
  }

  #growNodes(): void {
    const n = this.#kind.length + 1;
    this.#kind = ensure(this.#kind, n);
    this.#index = ensure(this.#index, n);
    this.#depth = ensure(this.#depth, n);
    this.#cut = ensure(this.#cut, n);
  }

  /** The nodes as objects; also keeps their ids for `edges()`. */
  nodes(): LineageNode[] {
    const { files, runs, transforms } = this.#p!;
    const trash = this.#p!.lifecycle.trash;
    const w = this.#w;
    const n = this.#n;
    const ids = this.#ids;
    const out: LineageNode[] = new Array(n);
    for (let q = 0; q < n; q++) {
      const k = this.#kind[q]!;
      const i = this.#index[q]!;
      let id: string;
      let kind: NodeKind;
      let label: string;
      if (k === FILE) {
        id = files.idOf(i);
        kind = 'file';
        label = (seenAt(files, i, w) ? files.nameOf(i) : undefined) ?? id;
      } else if (k === RUN) {
        id = runs.idOf(i);
        kind = 'run';
        label = this.#runLabel[q] ?? id;
      } else {
        id = transforms.idOf(i);
        kind = 'transform';
        const t = transforms.at(i, w);
        label = t ? `${t.name}${t.version ? ` v${t.version}` : ''}` : id;
      }
      ids[q] = id;
      const depth = this.#depth[q]!;
      out[q] = this.#cut[q] ? { id, kind, label, depth, truncated: true } : { id, kind, label, depth };
      if (!trash.empty) {
        const state = trash.state(kind, id, w);
        if (state !== undefined) out[q]!.trashed = true;
        if (state === 'erased') out[q]!.erased = true;
      }
    }
    return out;
  }

  /** The edges as objects, after `nodes()`. */
  edges(): LineageEdge[] {
    const m = this.#m;
    const ids = this.#ids;
    const out: LineageEdge[] = new Array(m);
    for (let j = 0; j < m; j++) out[j] = { from: ids[this.#from[j]!]!, to: ids[this.#to[j]!]!, type: EDGE_TYPES[this.#type[j]!]! };
    return out;
  }
}

const TRAVERSAL = new Traversal();

/** A copy of `a` with room for `n` entries. */
function checkLineageOptions(options: unknown): asserts options is LineageOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new LineageError('INVALID_ARGUMENT', `lineage() options must be an object, not ${show(options)}`);
  const { depth, maxNodes, transforms } = options as Record<string, unknown>;
  if (depth !== undefined && !(typeof depth === 'number' && depth >= 0 && (Number.isSafeInteger(depth) || depth === Infinity))) {
    throw new LineageError('INVALID_ARGUMENT', `depth is a non-negative integer or Infinity, not ${show(depth)}`);
  }
  if (maxNodes !== undefined && !(Number.isSafeInteger(maxNodes) && (maxNodes as number) >= 1)) throw new LineageError('INVALID_ARGUMENT', `maxNodes is a positive integer, not ${show(maxNodes)}`);
  if (transforms !== undefined && typeof transforms !== 'boolean') throw new LineageError('INVALID_ARGUMENT', `transforms is a boolean, not ${show(transforms)}`);
}
