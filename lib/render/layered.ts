import type { LineageEdge, LineageGraph, NodeKind } from '../query/lineage.js';
import type { GraphDetails } from './details.js';
import { cutLabel, cutSide, nodeLines } from './labels.js';

/** A node of a laid-out graph: its centre, size and the lines of text drawn in it; `cut` is a "… more" marker. */
export interface PlacedNode {
  id: string;
  kind: NodeKind | 'cut';
  lines: string[];
  x: number;
  y: number;
  width: number;
  height: number;
  /** True when a limit cut the traversal here. */
  truncated?: boolean;
  /** For a cut marker: the node it hangs on. */
  of?: string;
}

/** An edge of a laid-out graph: a curve from `a` to `b`, leaving and entering horizontally (`h`) or vertically (`v`). */
export interface PlacedEdge {
  from: string;
  to: string;
  type: LineageEdge['type'] | 'cut';
  a: { x: number; y: number };
  b: { x: number; y: number };
  bend: 'h' | 'v';
}

/** A laid-out lineage graph, left to right in the direction data flows. */
export interface Placement {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: PlacedEdge[];
}

// Text metrics without a font engine: an average glyph width of the sans-serif fonts the pictures
// use at 11 px, so that boxes are wide enough without measuring.
const CHAR_WIDTH = 6.4;
const LINE_HEIGHT = 14;
const PAD_X = 12;
const PAD_Y = 7;
const MAX_CHARS = 44;
const RANK_GAP = 56;
const NODE_GAP = 14;
const BAND_GAP = 70;
const MARGIN = 12;
const SWEEPS = 6;

interface Work extends PlacedNode {
  rank: number;
  /** Index into the flow graph's arrays; -1 for a transform drawn in the band above. */
  i: number;
}

/**
 * A layered (Sugiyama-style) layout made for lineage graphs, linear in their size up to a few
 * sweeps of sorting: ranks by longest path along the data flow (files and runs), order within ranks by
 * barycentre sweeps, then coordinates. A transform with one run in the graph sits in the rank before
 * it; a transform with several runs sits in a band above, over the middle of its runs: the edges from
 * one transform to runs all along a long chain are what make Graphviz's dot (and dagre and ELK) take
 * seconds to minutes (bench/layout.ts), because each becomes a chain of dummy nodes across every rank.
 */
export function layered(graph: LineageGraph, details?: GraphDetails): Placement {
  const nodes: Work[] = [];
  const byId = new Map<string, Work>();
  const put = (id: string, kind: PlacedNode['kind'], lines: string[], extra: Partial<PlacedNode> = {}) => {
    const cut = lines.map((l) => (l.length > MAX_CHARS ? `${l.slice(0, MAX_CHARS - 1)}…` : l));
    const width = Math.ceil(Math.max(...cut.map((l) => l.length), 4) * CHAR_WIDTH + 2 * PAD_X);
    const w: Work = { id, kind, lines: cut, x: 0, y: 0, width, height: cut.length * LINE_HEIGHT + 2 * PAD_Y, rank: 0, i: -1, ...extra };
    nodes.push(w);
    byId.set(id, w);
  };
  for (const n of graph.nodes) put(n.id, n.kind, nodeLines(n, details), n.truncated ? { truncated: true } : {});
  const edges: Omit<PlacedEdge, 'a' | 'b' | 'bend'>[] = graph.edges.filter((e) => byId.has(e.from) && byId.has(e.to)).map((e) => ({ ...e }));
  const side = cutSide(graph);
  for (const n of graph.nodes) {
    if (!n.truncated) continue;
    const id = `cut-${n.id}`;
    put(id, 'cut', [cutLabel(graph)], { of: n.id });
    edges.push(side === 'after' ? { from: n.id, to: id, type: 'cut' } : { from: id, to: n.id, type: 'cut' });
  }

  // Transforms with several runs go to the band; the rest take part in the flow.
  const runsOf = new Map<string, Work[]>();
  for (const e of edges) {
    if (e.type !== 'transform') continue;
    const runs = runsOf.get(e.from) ?? [];
    runs.push(byId.get(e.to)!);
    runsOf.set(e.from, runs);
  }
  const banded = (n: Work) => n.kind === 'transform' && (runsOf.get(n.id)?.length ?? 0) > 1;
  const flow = nodes.filter((n) => !banded(n));
  flow.forEach((n, i) => (n.i = i));
  const succ: number[][] = flow.map(() => []);
  const pred: number[][] = flow.map(() => []);
  for (const e of edges) {
    const a = byId.get(e.from)!;
    const b = byId.get(e.to)!;
    if (a.i < 0 || b.i < 0) continue;
    succ[a.i]!.push(b.i);
    pred[b.i]!.push(a.i);
  }

  const order = topological(flow.length, succ, pred);
  rank(flow, order, succ, pred);
  const ranks = orderWithinRanks(flow, succ, pred);
  place(flow, ranks, succ, pred);
  const band = nodes.filter(banded);
  placeBand(band, runsOf);

  // Shift everything into view.
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const n of nodes) {
    minX = Math.min(minX, n.x - n.width / 2);
    minY = Math.min(minY, n.y - n.height / 2);
    maxX = Math.max(maxX, n.x + n.width / 2);
    maxY = Math.max(maxY, n.y + n.height / 2);
  }
  if (nodes.length === 0) minX = minY = maxX = maxY = 0;
  for (const n of nodes) {
    n.x = Math.round(n.x - minX + MARGIN);
    n.y = Math.round(n.y - minY + MARGIN);
  }
  const placedEdges = edges.map((e) => {
    const a = byId.get(e.from)!;
    const b = byId.get(e.to)!;
    if (banded(a)) return { ...e, a: { x: a.x, y: a.y + a.height / 2 }, b: { x: b.x, y: b.y - b.height / 2 }, bend: 'v' as const };
    return { ...e, a: { x: a.x + a.width / 2, y: a.y }, b: { x: b.x - b.width / 2, y: b.y }, bend: 'h' as const };
  });
  const out = nodes.map(({ rank: _r, i: _i, ...n }) => n);
  return { width: Math.ceil(maxX - minX + 2 * MARGIN), height: Math.ceil(maxY - minY + 2 * MARGIN), nodes: out, edges: placedEdges };
}

// Kahn's order; where a cycle leaves no node without unvisited predecessors, the unvisited node with
// the fewest goes next (lineage is acyclic, but a re-created file can close a loop).
function topological(n: number, succ: number[][], pred: number[][]): number[] {
  const indeg = pred.map((p) => p.length);
  const done = new Uint8Array(n);
  const queue: number[] = [];
  for (let i = 0; i < n; i++) if (indeg[i] === 0) queue.push(i);
  const out: number[] = [];
  let next = 0;
  let head = 0;
  while (out.length < n) {
    if (head === queue.length) {
      let best = -1;
      for (let i = next; i < n; i++) if (!done[i] && (best < 0 || indeg[i]! < indeg[best]!)) best = i;
      queue.push(best);
    }
    const v = queue[head++]!;
    if (done[v]) continue;
    done[v] = 1;
    out.push(v);
    while (next < n && done[next]) next++;
    for (const w of succ[v]!) if (!done[w] && --indeg[w]! === 0) queue.push(w);
  }
  return out;
}

// Longest path from the sources, then each node pulled as far right as its successors allow, so that
// an input sits next to the run that reads it rather than at the far left.
function rank(flow: Work[], order: number[], succ: number[][], pred: number[][]): void {
  const pos = new Int32Array(flow.length);
  order.forEach((v, k) => (pos[v] = k));
  for (const v of order) {
    let r = 0;
    for (const u of pred[v]!) if (pos[u]! < pos[v]!) r = Math.max(r, flow[u]!.rank + 1);
    flow[v]!.rank = r;
  }
  for (let k = order.length - 1; k >= 0; k--) {
    const v = order[k]!;
    let r = Infinity;
    for (const w of succ[v]!) if (pos[w]! > pos[v]!) r = Math.min(r, flow[w]!.rank - 1);
    if (r !== Infinity && r > flow[v]!.rank) flow[v]!.rank = r;
  }
}

// Barycentre sweeps: each rank sorted by the mean position of its neighbours, alternately from the
// left and from the right. Positions are fractions of a rank's length, so ranks of different sizes compare.
function orderWithinRanks(flow: Work[], succ: number[][], pred: number[][]): number[][] {
  const ranks: number[][] = [];
  for (const n of flow) (ranks[n.rank] ??= []).push(n.i);
  for (let r = 0; r < ranks.length; r++) ranks[r] ??= [];
  const pos = new Float64Array(flow.length);
  const index = () => {
    for (const rk of ranks) rk.forEach((v, k) => (pos[v] = (k + 0.5) / rk.length));
  };
  index();
  const key = new Float64Array(flow.length);
  for (let s = 0; s < SWEEPS; s++) {
    const forward = s % 2 === 0;
    for (let k = 0; k < ranks.length; k++) {
      const rk = ranks[forward ? k : ranks.length - 1 - k]!;
      for (const v of rk) {
        const nb = forward ? pred[v]! : succ[v]!;
        const all = nb.length ? nb : forward ? succ[v]! : pred[v]!;
        key[v] = all.length ? all.reduce((t, u) => t + pos[u]!, 0) / all.length : pos[v]!;
      }
      rk.sort((a, b) => key[a]! - key[b]! || a - b);
      rk.forEach((v, i) => (pos[v] = (i + 0.5) / rk.length));
    }
  }
  return ranks;
}

// x by rank (each rank as wide as its widest node); y: nodes stacked in order, then pulled towards the
// mean y of their neighbours without overlapping or changing order, a few passes each way.
function place(flow: Work[], ranks: number[][], succ: number[][], pred: number[][]): void {
  let x = 0;
  for (const rk of ranks) {
    const w = rk.reduce((m, v) => Math.max(m, flow[v]!.width), 0);
    for (const v of rk) flow[v]!.x = x + w / 2;
    x += w + RANK_GAP;
  }
  for (const rk of ranks) {
    let y = 0;
    for (const v of rk) {
      const n = flow[v]!;
      n.y = y + n.height / 2;
      y += n.height + NODE_GAP;
    }
  }
  for (let s = 0; s < 4; s++) {
    const forward = s % 2 === 0;
    for (let k = 0; k < ranks.length; k++) {
      const rk = ranks[forward ? k : ranks.length - 1 - k]!;
      const want = rk.map((v) => {
        const nb = [...pred[v]!, ...succ[v]!];
        return nb.length ? nb.reduce((t, u) => t + flow[u]!.y, 0) / nb.length : flow[v]!.y;
      });
      // Place at the wanted y, pushing down to keep the order and the gap, then centre the overflow.
      let bottom = -Infinity;
      let shift = 0;
      rk.forEach((v, i) => {
        const n = flow[v]!;
        const top = Math.max(want[i]! - n.height / 2, bottom + NODE_GAP);
        shift += top + n.height / 2 - want[i]!;
        n.y = top + n.height / 2;
        bottom = top + n.height;
      });
      const mean = rk.length ? shift / rk.length : 0;
      for (const v of rk) flow[v]!.y -= mean;
    }
  }
}

// Transforms with several runs: a row above the flow, each over the mean x of its runs, spread apart.
function placeBand(band: Work[], runsOf: Map<string, Work[]>): void {
  if (band.length === 0) return;
  let top = Infinity;
  for (const runs of runsOf.values()) for (const r of runs) top = Math.min(top, r.y - r.height / 2);
  if (top === Infinity) top = 0;
  for (const t of band) {
    const runs = runsOf.get(t.id) ?? [];
    t.x = runs.reduce((s, r) => s + r.x, 0) / Math.max(runs.length, 1);
  }
  band.sort((a, b) => a.x - b.x);
  let right = -Infinity;
  const height = band.reduce((m, t) => Math.max(m, t.height), 0);
  for (const t of band) {
    const left = Math.max(t.x - t.width / 2, right + NODE_GAP);
    t.x = left + t.width / 2;
    right = left + t.width;
    t.y = top - BAND_GAP - height / 2;
  }
}
