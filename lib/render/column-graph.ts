import type { ColumnEdge, ColumnGraph } from '../interop/column-lineage.js';

/** A column-lineage graph as a terminal tree: each column once, its sources (or derivations) below it with their transformations. */
export function renderColumnText(g: ColumnGraph): string {
  const nodes = new Map(g.nodes.map((n) => [n.id, n]));
  const label = (id: string) => {
    const n = nodes.get(id);
    return n ? `${n.dataset}.${n.column}` : id;
  };
  const how = (e: ColumnEdge) => {
    const t = e.transformations.map((x) => (x !== null && typeof x === 'object' && !Array.isArray(x) ? [x.type, x.subtype].filter(Boolean).join('/') : String(x))).filter(Boolean);
    return t.length ? `  [${t.join(', ')}]` : '';
  };
  const lines = [`${label(g.start)} (${g.direction})`];
  const seen = new Set([g.start]);
  const walk = (id: string, indent: string) => {
    const around: [ColumnEdge, string, string][] = [];
    for (const e of g.edges) {
      if (g.direction !== 'downstream' && e.to === id) around.push([e, e.from, '←']);
      if (g.direction !== 'upstream' && e.from === id) around.push([e, e.to, '→']);
    }
    for (const [e, other, arrow] of around) {
      const again = seen.has(other);
      lines.push(`${indent}${arrow} ${label(other)}${how(e)}${again ? ' (above)' : ''}`);
      if (again) continue;
      seen.add(other);
      walk(other, `${indent}  `);
    }
  };
  walk(g.start, '  ');
  if (g.truncated) lines.push('  … more beyond --depth');
  return `${lines.join('\n')}\n`;
}

/** A column-lineage graph as a Mermaid flowchart (upstream columns on the left). */
export function renderColumnMermaid(g: ColumnGraph): string {
  const ids = new Map(g.nodes.map((n, i) => [n.id, `c${i}`]));
  const esc = (s: string) => s.replace(/"/g, '#quot;');
  const lines = ['flowchart LR'];
  for (const n of g.nodes) lines.push(`  ${ids.get(n.id)}["${esc(`${n.dataset}.${n.column}`)}"]`);
  for (const e of g.edges) lines.push(`  ${ids.get(e.from)} --> ${ids.get(e.to)}`);
  return `${lines.join('\n')}\n`;
}
