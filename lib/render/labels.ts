import type { LineageGraph, LineageNode } from '../query/lineage.js';
import type { GraphDetails } from './details.js';
import { printable } from './format.js';

/** The lines of text drawn inside a node of a picture: its name, then a short summary. */
export function nodeLines(node: LineageNode, details: GraphDetails | undefined): string[] {
  const d = details?.get(node.id);
  const title = node.kind === 'run' ? `run ${node.id.slice(0, 8)}` : node.label;
  const caption = d ? d.caption : node.kind === 'run' ? [node.label] : [];
  const mark = trashMark(node);
  return [title, ...caption, ...(mark ? [mark] : [])].map(printable);
}

/** How every picture marks a record in the trash (lineage keeps it), and a file whose content was erased. */
export function trashMark(node: LineageNode): string | undefined {
  return node.erased ? '[trashed, content erased]' : node.trashed ? '[trashed]' : undefined;
}

/** The text of the marker hung on a node where a limit cut the traversal. */
export function cutLabel(graph: LineageGraph): string {
  const beyond = graph.direction === 'upstream' ? 'upstream' : graph.direction === 'downstream' ? 'downstream' : 'beyond';
  return `… more ${beyond} (${graph.truncated ? 'depth or node limit' : 'depth limit'})`;
}

/** Whether a cut marker comes before its node (upstream), after it (downstream), or beside it (both). */
export function cutSide(graph: LineageGraph): 'before' | 'after' | 'beside' {
  return graph.direction === 'upstream' ? 'before' : graph.direction === 'downstream' ? 'after' : 'beside';
}

/** Node colours shared by every picture: fill, stroke and text, by kind. */
export const PALETTE = {
  file: { fill: '#e0f2fe', stroke: '#0369a1', text: '#0c4a6e' },
  run: { fill: '#fef3c7', stroke: '#b45309', text: '#78350f' },
  transform: { fill: '#f3e8ff', stroke: '#7e22ce', text: '#581c87' },
  cut: { fill: '#ffffff', stroke: '#9ca3af', text: '#6b7280' },
} as const;
