import { inspect, type InspectOptionsStylized } from 'node:util';
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

/**
 * The result of `ledger.lineage()`: plain data. In a large graph, `nodes` and `edges` are each made
 * when first read (they describe the ledger as it was at the call, whenever they are read).
 */
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
    if (!seenAt(transforms, start, w)) throw new LineageError('TRANSFORM_NOT_FOUND', `no transform ${id} in this snapshot`);
  } else {
    const table = kind === 'file' ? files : runs;
    start = table.indexOf(id);
    if (!seenAt(table, start, w)) throw new LineageError(kind === 'file' ? 'FILE_NOT_FOUND' : 'RUN_NOT_FOUND', `no ${kind} ${id} in this snapshot`);
  }
  const walk = new Walk(p, w, kind === 'file' ? FILE : kind === 'run' ? RUN : TRANSFORM, start, maxDepth, maxNodes, options.transforms ?? true, direction);
  const t = walk.traversal();
  try {
    // A small graph is made at once, as plain data; a large one when its nodes or edges are read.
    if (t.size <= EAGER) return { start: id, direction, nodes: t.nodes(p, w), edges: t.edges(p), truncated: t.truncated };
    return lazyGraph(walk, id, direction, t.truncated);
  } finally {
    t.end();
  }
}

/** Nodes and edges together up to which a graph is made at once (making the lazy one costs about as much). */
const EAGER = 64;

const FILE = 0;
const RUN = 1;
const TRANSFORM = 2;
type Kind = typeof FILE | typeof RUN | typeof TRANSFORM;
const EDGE_TYPES = ['input', 'output', 'transform'] as const;
const INPUT = 0;
const OUTPUT = 1;
const TRANSFORM_EDGE = 2;

/**
 * Per table, which traversal last reached each entity (its stamp), where its node sits, and which
 * expansion last reached it: kept across calls, so that a traversal allocates nothing per entity it
 * passes. The three sit side by side in one array (at 3i, 3i + 1, 3i + 2): over a large ledger the
 * entities a traversal meets are far apart, and one cache line then serves all three reads.
 */
class Marks {
  a = new Int32Array(0);

  /** These marks, with room for `n` entities. */
  fit(n: number): this {
    if (this.a.length < 3 * n) {
      const a = new Int32Array(3 * Math.max(n, (this.a.length / 3) * 2));
      a.set(this.a);
      this.a = a;
    }
    return this;
  }
}

/**
 * A lineage question as asked (projection, watermark, start, options): enough to traverse again,
 * with the same answer (the projection only grows, and every read is cut at the watermark), when
 * a lazy graph is read after another traversal took the shared arrays.
 */
class Walk {
  /** The generation of the shared traversal that holds this walk's answer (-1: none yet). */
  #generation = -1;

  constructor(
    readonly p: Projection,
    readonly w: number,
    readonly kind: Kind,
    readonly start: number,
    readonly maxDepth: number,
    readonly maxNodes: number,
    readonly withTransforms: boolean,
    readonly direction: Direction,
  ) {}

  /** The shared traversal, holding this walk's answer: traversed now if another walk ran since. */
  traversal(): Traversal {
    const t = TRAVERSAL;
    if (t.generation !== this.#generation) {
      t.begin(this);
      t.run(this.kind, this.start);
      this.#generation = t.generation;
    }
    return t;
  }
}

/** The nodes and edges a walk finds, as objects, each list made when it is first read. */
function lazyGraph(walk: Walk, start: string, direction: Direction, truncated: boolean): LineageGraph {
  const g = { start, direction } as LineageGraph;
  Object.defineProperty(g, WALK, { value: walk });
  Object.defineProperties(g, LAZY);
  g.truncated = truncated;
  return g;
}

const WALK = Symbol('walk');
type Lazy = LineageGraph & { [WALK]: Walk };

/** Replaces a lazy property with a plain one holding `value`, so that the graph reads as plain data from then on. */
function settle<K extends 'nodes' | 'edges'>(g: LineageGraph, key: K, value: LineageGraph[K]): LineageGraph[K] {
  Object.defineProperty(g, key, { value, writable: true, enumerable: true, configurable: true });
  return value;
}

/** The accessor of a lazy graph's list `key`, made by `make` from the walk's traversal on first read. */
function lazyList<K extends 'nodes' | 'edges'>(key: K, make: (t: Traversal, walk: Walk) => LineageGraph[K]): PropertyDescriptor {
  return {
    get(this: Lazy) {
      const walk = this[WALK];
      const t = walk.traversal();
      try {
        return settle(this, key, make(t, walk));
      } finally {
        t.end();
      }
    },
    set(this: Lazy, v: LineageGraph[K]) {
      settle(this, key, v);
    },
    enumerable: true,
    configurable: true,
  };
}

/**
 * The accessors of a lazy graph: own and enumerable, so that JSON, spreading, Object.keys and
 * deep equality see `nodes` and `edges` as they see a plain object's; each, once read or set,
 * becomes a plain property. Printing shows the lists, not the accessors.
 */
const LAZY: PropertyDescriptorMap = {
  nodes: lazyList('nodes', (t, walk) => t.nodes(walk.p, walk.w)),
  edges: lazyList('edges', (t, walk) => t.edges(walk.p)),
  [inspect.custom]: {
    value(this: LineageGraph, _depth: number, options: InspectOptionsStylized, show: typeof inspect) {
      return show({ ...this }, options);
    },
  },
};

/**
 * One traversal at a time, over integers: nodes and edges go into typed arrays that are kept
 * across calls, and objects are made only for the result, when it is read. lineage() never
 * yields, so the one instance is never shared by two traversals; a lazy graph read later checks
 * the generation and traverses again if another traversal ran since.
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

  /** Bumped by each traversal: which walk's answer the arrays hold. */
  generation = 0;

  /** The nodes: kind, table integer, depth, cut short. */
  #n = 0;
  #kind = new Uint8Array(64);
  #index = new Int32Array(64);
  #depth = new Int32Array(64);
  #cut = new Uint8Array(64);
  /** The edges, between node positions. */
  #m = 0;
  #from = new Int32Array(64);
  #to = new Int32Array(64);
  #type = new Uint8Array(64);

  /** Nodes and edges together. */
  get size(): number {
    return this.#n + this.#m;
  }

  begin(walk: Walk): this {
    const p = walk.p;
    this.generation++;
    this.#p = p;
    this.#w = walk.w;
    this.#maxDepth = walk.maxDepth;
    this.#maxNodes = walk.maxNodes;
    this.#withTransforms = walk.withTransforms;
    this.#up = walk.direction !== 'downstream';
    this.#down = walk.direction !== 'upstream';
    this.truncated = false;
    this.#n = 0;
    this.#m = 0;
    this.marks[FILE].fit(p.files.size);
    this.marks[RUN].fit(p.runs.size);
    this.marks[TRANSFORM].fit(p.transforms.size);
    // Stamps restart from 1 between traversals, never during one (one takes fewer than 2³⁰).
    if (this.#lastStamp >= 0x3fffffff) {
      for (const m of this.marks) m.a.fill(0);
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
          this.#edge(0, runMarks.a[3 * r + 1]!, TRANSFORM_EDGE);
        }
        if (runMarks.a[3 * r] !== this.#stamp) this.#cut[0] = 1;
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
        if (m.a[3 * x + 2] === once) continue;
        m.a[3 * x + 2] = once;
      }
      if (m.a[3 * x] !== stamp && !(canAdd && this.#add(xk, x, depth))) {
        this.#cut[q] = 1;
        continue;
      }
      const px = m.a[3 * x + 1]!;
      if (both && px < q) continue;
      if (out) this.#edge(q, px, type);
      else this.#edge(px, q, type);
    }
  }

  /** Adds entity `i` of table `k` as a node at `depth`, with its run's transform; false when it is one already or no room is left. */
  #add(k: Kind, i: number, depth: number): boolean {
    const m = this.marks[k];
    if (m.a[3 * i] === this.#stamp) return false;
    const n = this.#n;
    if (n >= this.#maxNodes) {
      this.truncated = true;
      return false;
    }
    if (n === this.#kind.length) this.#growNodes();
    m.a[3 * i] = this.#stamp;
    m.a[3 * i + 1] = n;
    this.#kind[n] = k;
    this.#index[n] = i;
    this.#depth[n] = depth;
    this.#cut[n] = 0;
    this.#n = n + 1;
    if (k === RUN) {
      const runs = this.#p!.runs;
      // Read from the run's columns, not a whole row: its transform is the one at the watermark (a placeholder run may move).
      const t = seenAt(runs, i, this.#w) ? runs.transformAt(i, this.#w) : -1;
      if (this.#withTransforms && t >= 0) {
        const tm = this.marks[TRANSFORM];
        if (tm.a[3 * t] === this.#stamp || this.#add(TRANSFORM, t, depth)) this.#edge(tm.a[3 * t + 1]!, n, TRANSFORM_EDGE);
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

  /** The id of the node at position `q`, in projection `p`. */
  #idAt(p: Projection, q: number): string {
    const k = this.#kind[q]!;
    return (k === FILE ? p.files : k === RUN ? p.runs : p.transforms).idOf(this.#index[q]!);
  }

  /** The nodes as objects, as projection `p` stands at watermark `w`. */
  nodes(p: Projection, w: number): LineageNode[] {
    const { files, runs, transforms } = p;
    const trash = p.lifecycle.trash;
    const n = this.#n;
    const out: LineageNode[] = new Array(n);
    for (let q = 0; q < n; q++) {
      const k = this.#kind[q]!;
      const i = this.#index[q]!;
      let id: string;
      let kind: NodeKind;
      let label: string | undefined;
      if (k === FILE) {
        id = files.idOf(i);
        kind = 'file';
        label = seenAt(files, i, w) ? files.nameOf(i) : undefined;
      } else if (k === RUN) {
        id = runs.idOf(i);
        kind = 'run';
        // From the run's columns, not a whole row: its name never changes, its transform is the one at the watermark.
        if (seenAt(runs, i, w)) {
          const t = runs.transformAt(i, w);
          label = runs.nameOf(i) ?? (t >= 0 ? transforms.at(t, w)?.name : undefined);
        }
      } else {
        id = transforms.idOf(i);
        kind = 'transform';
        const t = transforms.at(i, w);
        label = t && (t.version ? `${t.name} v${t.version}` : t.name);
      }
      label ??= id;
      const depth = this.#depth[q]!;
      const node: LineageNode = this.#cut[q] ? { id, kind, label, depth, truncated: true } : { id, kind, label, depth };
      if (!trash.empty) {
        const state = trash.state(kind, id, w);
        if (state !== undefined) node.trashed = true;
        if (state === 'erased') node.erased = true;
      }
      out[q] = node;
    }
    return out;
  }

  /** The edges as objects, in projection `p`. */
  edges(p: Projection): LineageEdge[] {
    const m = this.#m;
    const out: LineageEdge[] = new Array(m);
    for (let j = 0; j < m; j++) out[j] = { from: this.#idAt(p, this.#from[j]!), to: this.#idAt(p, this.#to[j]!), type: EDGE_TYPES[this.#type[j]!]! };
    return out;
  }
}

const TRAVERSAL = new Traversal();

function checkLineageOptions(options: unknown): asserts options is LineageOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new LineageError('INVALID_ARGUMENT', `lineage() options must be an object, not ${show(options)}`);
  const { depth, maxNodes, transforms } = options as Record<string, unknown>;
  if (depth !== undefined && !(typeof depth === 'number' && depth >= 0 && (Number.isSafeInteger(depth) || depth === Infinity))) {
    throw new LineageError('INVALID_ARGUMENT', `depth is a non-negative integer or Infinity, not ${show(depth)}`);
  }
  if (maxNodes !== undefined && !(Number.isSafeInteger(maxNodes) && (maxNodes as number) >= 1)) throw new LineageError('INVALID_ARGUMENT', `maxNodes is a positive integer, not ${show(maxNodes)}`);
  if (transforms !== undefined && typeof transforms !== 'boolean') throw new LineageError('INVALID_ARGUMENT', `transforms is a boolean, not ${show(transforms)}`);
}
