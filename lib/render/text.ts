import { trashMark } from './labels.js';
import type { LineageGraph, LineageNode } from '../query/lineage.js';
import type { GraphDetails } from './details.js';
import { printable } from './format.js';
import { PLAIN, type Style } from './style.js';

interface Hop {
  id: string;
  /** What the neighbour is to the node it hangs under: `produced by`, `input`, `output`, `read by` ('' for a transform's runs). */
  relation: string;
  edge: number;
}

/**
 * Renders a lineage graph as an indented tree from its start node, readable in a terminal. Each
 * edge is followed once, so a node reached twice (a diamond) is printed once and then referred to.
 * A run's transform is named on the run's line; transform nodes get lines of their own only as the start.
 */
export function renderText(graph: LineageGraph, details?: GraphDetails, style: Style = PLAIN): string {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const hops = new Map<string, Hop[]>();
  const transformOf = new Map<string, string>();
  const add = (at: string, hop: Hop) => {
    if (!hops.has(at)) hops.set(at, []);
    hops.get(at)!.push(hop);
  };
  // Upstream neighbours are listed before downstream ones at every node.
  graph.edges.forEach((e, i) => {
    if (e.type === 'transform') {
      transformOf.set(e.to, e.from);
      add(e.from, { id: e.to, relation: '', edge: i });
    } else add(e.to, { id: e.from, relation: e.type === 'input' ? 'input' : 'produced by', edge: i });
  });
  graph.edges.forEach((e, i) => {
    if (e.type !== 'transform') add(e.from, { id: e.to, relation: e.type === 'input' ? 'read by' : 'output', edge: i });
  });

  const limit = graph.truncated ? 'a depth or node limit' : 'the depth limit';
  const lines: string[] = [];
  const seen = new Set<string>();
  const used = new Set<number>();
  // An explicit stack rather than recursion: a long chain of runs must not overflow the call stack.
  const stack: { id: string; prefix: string; connector: string; relation: string }[] = [{ id: graph.start, prefix: '', connector: '', relation: '' }];
  while (stack.length > 0) {
    const { id, prefix, connector, relation } = stack.pop()!;
    const node = byId.get(id);
    if (!node) continue;
    const head = `${prefix}${connector}${relation ? style.dim(`${relation} `) : ''}${describe(node, details, transformOf, byId, style)}`;
    if (seen.has(id)) {
      lines.push(`${head} ${style.dim('(see above)')}`);
      continue;
    }
    seen.add(id);
    lines.push(node.truncated ? `${head} ${style.dim(`… more beyond ${limit}`)}` : head);
    const kids = (hops.get(id) ?? []).filter((h) => !used.has(h.edge) && byId.has(h.id));
    for (const k of kids) used.add(k.edge);
    const childPrefix = prefix + (connector === '' ? '' : connector.startsWith('└') ? '   ' : '│  ');
    for (let i = kids.length - 1; i >= 0; i--) {
      stack.push({ id: kids[i]!.id, prefix: childPrefix, connector: i === kids.length - 1 ? '└─ ' : '├─ ', relation: kids[i]!.relation });
    }
  }
  if (graph.truncated) lines.push(style.dim('… more nodes than the node limit; narrow the query with --depth'));
  return lines.join('\n');
}

function describe(node: LineageNode, details: GraphDetails | undefined, transformOf: Map<string, string>, byId: Map<string, LineageNode>, style: Style): string {
  const mark = trashMark(node);
  return mark ? `${describeNode(node, details, transformOf, byId, style)} ${style.dim(mark)}` : describeNode(node, details, transformOf, byId, style);
}

function describeNode(node: LineageNode, details: GraphDetails | undefined, transformOf: Map<string, string>, byId: Map<string, LineageNode>, style: Style): string {
  const d = details?.get(node.id);
  if (node.kind === 'file') {
    const extra = d ? `, ${d.summary}` : '';
    return `${style.file(printable(node.label))} ${style.dim(`(file ${node.id}${printable(extra)})`)}`;
  }
  if (node.kind === 'run') {
    const t = transformOf.get(node.id);
    const of = t ? byId.get(t)?.label : undefined;
    const what = of !== undefined ? ` of ${style.transform(printable(of))}` : '';
    return `${style.run(`run ${node.id}`)}${what}${d ? style.dim(`, ${printable(d.summary)}`) : ''}`;
  }
  return `${style.transform(printable(node.label))} ${style.dim(`(transform ${node.id}${d ? `, ${printable(d.summary)}` : ''})`)}`;
}
