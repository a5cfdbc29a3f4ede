// `node dist/bench/layout.js [--reps 5] [--graphviz-timeout 20]`: lays out the lineage graphs whose
// Graphviz layout blows up (long chains of runs of a few transforms) with Graphviz (dot, WebAssembly),
// dagre and ELK (layered), and prints the median time of each, as a markdown table.
import { parseArgs } from 'node:util';
import ElkModule from 'elkjs/lib/elk.bundled.js';
import { File, type LineageGraph, open, Transform } from '../lib/index.js';
import { svgWithin } from '../lib/cli/layout.js';
import dagre from '@dagrejs/dagre';
import { layered } from '../lib/render/layered.js';
import { now, summarize } from './harness.js';

const { values } = parseArgs({ options: { reps: { type: 'string', default: '5' }, 'graphviz-timeout': { type: 'string', default: '20' } } });
const reps = Number(values.reps);
const budget = Number(values['graphviz-timeout']);

// A chain of `runs` runs of `transforms` transforms, each run reading the previous run's output;
// `fan` extra inputs per run make it wider.
async function chain(runs: number, transforms: number, fan = 0): Promise<LineageGraph> {
  const ln = await open({ memory: true, durability: 'none' });
  let prev: File | undefined;
  const shared: File[] = [];
  for (let i = 0; i < fan; i++) shared.push(await ln.add(new File(Buffer.from(`shared ${i}`), { name: `ref${i}.fa` })));
  for (let i = 0; i < runs; i++) {
    await ln.run(new Transform({ name: `step ${i % transforms}` }), async () => {
      if (prev) await prev.load({ isRunInput: true });
      for (const s of shared) await s.load({ isRunInput: true });
      prev = await ln.add(new File(Buffer.from(`content ${i}`), { name: `f${i}.txt` }));
    });
  }
  const graph = ln.lineage(prev!, { direction: 'upstream', maxNodes: 100_000 });
  await ln.close();
  return graph;
}

// dagre and ELK lay out the graph as it is (every edge ranked), as they would if they were used.
function dagreLayout(graph: LineageGraph): void {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR' });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes) g.setNode(n.id, { width: 120, height: 36 });
  for (const e of graph.edges) g.setEdge(e.from, e.to);
  dagre.layout(g);
}

async function elk(graph: LineageGraph): Promise<void> {
  // elkjs ships CommonJS typings whose default export is the class itself.
  const Elk = ElkModule as unknown as new () => { layout(g: object): Promise<unknown> };
  const engine = new Elk();
  await engine.layout({
    id: 'root',
    layoutOptions: { 'elk.algorithm': 'layered', 'elk.direction': 'RIGHT' },
    children: graph.nodes.map((n) => ({ id: n.id, width: 120, height: 36 })),
    edges: graph.edges.map((e, i) => ({ id: `e${i}`, sources: [e.from], targets: [e.to] })),
  });
}

async function graphviz(graph: LineageGraph): Promise<number> {
  const t0 = now();
  try {
    await svgWithin(graph, undefined, budget);
    return now() - t0;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

const shapes: [string, () => Promise<LineageGraph>][] = [
  ['60 runs of 3 transforms (chain)', () => chain(60, 3)],
  ['254 runs of 3 transforms (chain, ~510 nodes)', () => chain(254, 3)],
  ['999 runs of 3 transforms (chain, ~2,000 nodes)', () => chain(999, 3)],
  ['400 runs of 5 transforms, 4 shared inputs (~2,000 edges)', () => chain(400, 5, 4)],
];

// dagre and ELK run on the main thread and cannot be stopped: they are only tried up to this size.
const LIBRARY_MAX_NODES = 600;

async function once(fn: () => unknown): Promise<number> {
  const t0 = now();
  try {
    await fn();
    return now() - t0;
  } catch {
    return Number.NaN;
  }
}

const fmt = (ms: number | undefined) => (ms === undefined ? 'not tried' : Number.isNaN(ms) ? 'failed (stack overflow)' : Number.isFinite(ms) ? `${ms.toFixed(ms < 10 ? 1 : 0)} ms` : `> ${budget} s (stopped)`);
console.log(`\`node dist/bench/layout.js --reps ${reps} --graphviz-timeout ${budget}\`: medians of ${reps} runs of our layered layout; Graphviz, dagre and ELK once (Graphviz stopped after ${budget} s; dagre and ELK tried up to ${LIBRARY_MAX_NODES} nodes)\n`);
console.log('| graph | nodes | edges | lineage layered | Graphviz dot | dagre | ELK layered | Graphviz / layered |');
console.log('|---|---|---|---|---|---|---|---|');
for (const [name, make] of shapes) {
  const graph = await make();
  const ours: number[] = [];
  for (let r = 0; r < reps; r++) ours.push(await once(() => layered(graph)));
  const d = summarize(ours).median;
  const small = graph.nodes.length <= LIBRARY_MAX_NODES;
  const dg = small ? await once(() => dagreLayout(graph)) : undefined;
  const ek = small ? await once(() => elk(graph)) : undefined;
  const gv = await graphviz(graph);
  const ratio = Number.isFinite(gv) ? `${(gv / d).toFixed(0)}×` : `> ${((budget * 1000) / d).toFixed(0)}×`;
  console.log(`| ${name} | ${graph.nodes.length} | ${graph.edges.length} | ${fmt(d)} | ${fmt(gv)} | ${fmt(dg)} | ${fmt(ek)} | ${ratio} |`);
}
