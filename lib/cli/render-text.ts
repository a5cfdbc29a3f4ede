import type { LineageGraph, LineageNode } from '../query/lineage.js';
import type { Reader } from '../reader.js';
import type { Snapshot } from '../snapshot.js';
import type { Ledger } from '../ledger.js';
import { File, Run } from '../model/records.js';

/** Styles for terminal output; identity functions when colour is off. */
export interface Style {
  file(s: string): string;
  run(s: string): string;
  transform(s: string): string;
  dim(s: string): string;
}

/** A style with no colour. */
export const PLAIN: Style = { file: (s) => s, run: (s) => s, transform: (s) => s, dim: (s) => s };

/** An ANSI style. */
export const ANSI: Style = {
  file: (s) => `\x1b[36m${s}\x1b[39m`,
  run: (s) => `\x1b[33m${s}\x1b[39m`,
  transform: (s) => `\x1b[35m${s}\x1b[39m`,
  dim: (s) => `\x1b[2m${s}\x1b[22m`,
};

/** Renders a lineage graph as an indented tree from its start node, following edges away from it. */
export function renderTree(graph: LineageGraph, reader: Reader | Ledger | Snapshot, style: Style = PLAIN): string {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const up = graph.direction !== 'downstream';
  const children = new Map<string, { id: string; label: string }[]>();
  const transformOf = new Map<string, string>();
  for (const e of graph.edges) {
    if (e.type === 'transform') {
      transformOf.set(e.to, e.from);
      continue;
    }
    // Upstream trees hang each node's producers and inputs below it; downstream trees its consumers and outputs.
    const [parent, child] = up ? [e.to, e.from] : [e.from, e.to];
    const label = e.type === 'input' ? (up ? 'input' : 'read by') : up ? 'produced by' : 'output';
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent)!.push({ id: child, label });
  }
  const lines: string[] = [];
  const seen = new Set<string>();
  const walk = (id: string, prefix: string, connector: string, label: string | undefined) => {
    const node = byId.get(id);
    if (!node) return;
    const head = `${prefix}${connector}${label ? style.dim(`${label} `) : ''}${describeNode(node, reader, transformOf, byId, style)}`;
    if (seen.has(id)) {
      lines.push(`${head} ${style.dim('(see above)')}`);
      return;
    }
    seen.add(id);
    lines.push(node.truncated ? `${head} ${style.dim('… (depth limit)')}` : head);
    const kids = children.get(id) ?? [];
    const childPrefix = prefix + (connector === '' ? '' : connector.startsWith('└') ? '   ' : '│  ');
    kids.forEach((k, i) => walk(k.id, childPrefix, i === kids.length - 1 ? '└─ ' : '├─ ', k.label));
  };
  walk(graph.start, '', '', undefined);
  if (graph.truncated) lines.push(style.dim('… more nodes than maxNodes; narrow with --depth'));
  return lines.join('\n');
}

function describeNode(node: LineageNode, reader: Reader | Ledger | Snapshot, transformOf: Map<string, string>, byId: Map<string, LineageNode>, style: Style): string {
  if (node.kind === 'file') {
    const f = reader.select(File, { id: node.id }).first();
    const size = f?.size === undefined ? '' : `, ${formatBytes(f.size)}`;
    return `${style.file(node.label)} ${style.dim(`(file ${node.id}${size})`)}`;
  }
  if (node.kind === 'run') {
    const r = reader.select(Run, { id: node.id }).first();
    const t = transformOf.get(node.id);
    const tl = t ? byId.get(t)?.label : r?.transform.name;
    const when = r?.startedAt ? `, ${r.status} ${r.startedAt.toISOString()}` : '';
    return `${style.run(`run ${node.id}`)} of ${style.transform(tl ?? '?')}${style.dim(when)}`;
  }
  return style.transform(node.label);
}

/** Bytes in a short human form. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}
