import type { Viz } from '@viz-js/viz';
import type { LineageGraph } from '../query/lineage.js';
import type { GraphDetails } from './details.js';
import { renderDot } from './dot.js';
import type { RunGroup } from './groups.js';

let viz: Promise<Viz> | undefined;

// Graphviz compiled to WebAssembly: no system Graphviz, no network. Loaded on first use only,
// so that commands which draw nothing do not pay for it.
function graphviz(): Promise<Viz> {
  viz ??= import('@viz-js/viz').then((m) => m.instance());
  return viz;
}

/** Renders a lineage graph as a standalone SVG document (laid out by Graphviz's dot, in WebAssembly); `groups` as clusters. */
export async function renderSvg(graph: LineageGraph, details?: GraphDetails, groups: readonly RunGroup[] = []): Promise<string> {
  const v = await graphviz();
  return v.renderString(renderDot(graph, details, groups), { format: 'svg', engine: 'dot' });
}

/** An SVG document without its XML prolog and doctype, to inline in HTML. */
export function inlineSvg(svg: string): string {
  const at = svg.indexOf('<svg');
  return at < 0 ? svg : svg.slice(at);
}
