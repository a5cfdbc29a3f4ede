import type { LineageGraph, LineageNode } from '../query/lineage.js';
import type { GraphDetails } from './details.js';
import type { RunGroup } from './groups.js';
import { cutLabel, cutSide, nodeLines, PALETTE } from './labels.js';

/** The Mermaid id of a lineage node: `n` and its ledger id (ledger ids are alphanumeric). */
export function mermaidId(id: string): string {
  return `n${id.replace(/[^A-Za-z0-9]/g, (c) => `_${c.charCodeAt(0).toString(16)}_`)}`;
}

/**
 * Renders a lineage graph as a Mermaid flowchart (renders on GitHub in a ```mermaid block): files
 * are parallelograms, runs rounded boxes, transforms hexagons; edges say input or output; a node
 * where a limit cut the traversal gets a dotted "… more" marker. With `groups`, the runs of each
 * group are drawn in a subgraph titled by their parent run.
 */
export function renderMermaid(graph: LineageGraph, details?: GraphDetails, groups: readonly RunGroup[] = []): string {
  const out = ['flowchart LR'];
  for (const [kind, c] of Object.entries(PALETTE)) {
    const dash = kind === 'cut' ? ',stroke-dasharray:4 3' : '';
    out.push(`  classDef ${kind} fill:${c.fill},stroke:${c.stroke},color:${c.text}${dash}`);
  }
  out.push('  classDef start stroke-width:3px');
  const grouped = new Set(groups.flatMap((g) => g.members));
  const node = (n: LineageNode, indent: string) => `${indent}${mermaidId(n.id)}${shape(n, label(nodeLines(n, details)))}:::${n.kind}`;
  for (const n of graph.nodes) if (!grouped.has(n.id)) out.push(node(n, '  '));
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  for (const g of groups) {
    out.push(`  subgraph ${mermaidId(`group-${g.id}`)} [${label([g.label])}]`);
    for (const id of g.members) {
      const n = byId.get(id);
      if (n) out.push(node(n, '    '));
    }
    out.push('  end');
  }
  for (const e of graph.edges) {
    const arrow = e.type === 'transform' ? '-.->|run|' : `-->|${e.type}|`;
    out.push(`  ${mermaidId(e.from)} ${arrow} ${mermaidId(e.to)}`);
  }
  const side = cutSide(graph);
  for (const n of graph.nodes) {
    if (!n.truncated) continue;
    const id = mermaidId(n.id);
    out.push(`  ${id}_cut[${label([cutLabel(graph)])}]:::cut`);
    out.push(side === 'before' ? `  ${id}_cut -.-> ${id}` : side === 'after' ? `  ${id} -.-> ${id}_cut` : `  ${id} -.- ${id}_cut`);
  }
  if (graph.nodes.some((n) => n.id === graph.start)) out.push(`  class ${mermaidId(graph.start)} start`);
  return `${out.join('\n')}\n`;
}

function shape(n: LineageNode, text: string): string {
  if (n.kind === 'file') return `[/${text}/]`;
  if (n.kind === 'run') return `(${text})`;
  return `{{${text}}}`;
}

// Mermaid labels are quoted; anything that could end the quote, start markup or an entity is written as
// Mermaid's own entity code (#NN;), which it decodes after parsing. Our own line breaks are <br>.
function label(lines: string[]): string {
  const esc = (s: string) => s.replace(/["#<>&`\\|[\]{}]/g, (c) => `#${c.charCodeAt(0)};`);
  return `"${lines.map(esc).join('<br>')}"`;
}
