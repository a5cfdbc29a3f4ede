import type { LineageEdge, LineageGraph, LineageNode } from '../query/lineage.js';
import type { GraphDetails } from './details.js';
import type { RunGroup } from './groups.js';
import { printable } from './format.js';
import { cutLabel, cutSide, nodeLines, PALETTE } from './labels.js';

const FONT = 'Helvetica,Arial,sans-serif';
const SHAPES = {
  file: 'shape=note, style="filled"',
  run: 'shape=box, style="rounded,filled"',
  transform: 'shape=hexagon, style="filled"',
} as const;

/**
 * Renders a lineage graph as Graphviz DOT, laid out left to right in the direction data flows.
 * Each node gets the SVG id `node-<ledger id>` and the class of its kind (file, run, transform), so
 * the SVG made from it can be styled and scripted; a depth cut is a dashed "… more" marker. With
 * `groups`, the runs of each group are drawn in a cluster (a dashed box titled by their parent run).
 */
export function renderDot(graph: LineageGraph, details?: GraphDetails, groups: readonly RunGroup[] = []): string {
  const out = [
    'digraph lineage {',
    `  graph [rankdir=LR, bgcolor="white", nodesep=0.35, ranksep=0.6, fontname=${q(FONT)}];`,
    `  node [fontname=${q(FONT)}, fontsize=11, margin="0.15,0.06"];`,
    `  edge [fontname=${q(FONT)}, fontsize=9, color="#6b7280", fontcolor="#4b5563", arrowsize=0.7];`,
  ];
  const grouped = new Set(groups.flatMap((g) => g.members));
  for (const n of graph.nodes) if (!grouped.has(n.id)) out.push(`  ${q(n.id)} [${nodeAttrs(n, graph, details)}];`);
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  for (const g of groups) {
    const c = PALETTE.run;
    out.push(`  subgraph ${q(`cluster_${g.id}`)} {`, `    id=${q(`group-${g.id}`)}; class="group"; label=${q(g.label)}; style="dashed,rounded"; color=${q(c.stroke)}; fontcolor=${q(c.text)}; fontsize=10;`);
    for (const id of g.members) {
      const n = byId.get(id);
      if (n) out.push(`    ${q(n.id)} [${nodeAttrs(n, graph, details)}];`);
    }
    out.push('  }');
  }
  for (const e of graph.edges) out.push(`  ${q(e.from)} -> ${q(e.to)} [${edgeAttrs(e)}];`);
  const side = cutSide(graph);
  const c = PALETTE.cut;
  for (const n of graph.nodes) {
    if (!n.truncated) continue;
    const cut = `cut-${n.id}`;
    out.push(`  ${q(cut)} [id=${q(cut)}, class="cut", label=${q(cutLabel(graph))}, shape=box, style="dashed,rounded", color=${q(c.stroke)}, fontcolor=${q(c.text)}, fontsize=9];`);
    const [from, to] = side === 'after' ? [n.id, cut] : [cut, n.id];
    out.push(`  ${q(from)} -> ${q(to)} [style=dashed, color=${q(c.stroke)}${side === 'beside' ? ', dir=none' : ''}];`);
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}

function nodeAttrs(n: LineageNode, graph: LineageGraph, details: GraphDetails | undefined): string {
  const c = PALETTE[n.kind];
  const d = details?.get(n.id);
  const attrs = [
    `id=${q(`node-${n.id}`)}`,
    `class=${q(n.kind)}`,
    SHAPES[n.kind],
    `label=${q(nodeLines(n, details).join('\n'))}`,
    `fillcolor=${q(c.fill)}`,
    `color=${q(c.stroke)}`,
    `fontcolor=${q(c.text)}`,
    `tooltip=${q(printable(d ? `${n.kind} ${d.title}: ${d.summary}` : `${n.kind} ${n.label}`))}`,
  ];
  if (n.id === graph.start) attrs.push('penwidth=2.5');
  return attrs.join(', ');
}

function edgeAttrs(e: LineageEdge): string {
  const id = `id=${q(`edge-${e.from}-${e.to}-${e.type}`)}, class=${q(e.type)}`;
  if (e.type === 'transform') return `${id}, label="run", style=dashed, color=${q(PALETTE.transform.stroke)}`;
  return `${id}, label=${q(e.type)}`;
}

// A DOT quoted string. Backslashes are doubled so that a name's `\N` or `\l` is text, not a Graphviz escape;
// `&` becomes `&amp;` because Graphviz reads HTML entities in strings (a name holding `&amp;` would
// otherwise lose characters); our own line breaks arrive as real newlines and become `\n`.
function q(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/&/g, '&amp;').replace(/\n/g, '\\n')}"`;
}
