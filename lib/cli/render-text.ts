import type { LineageGraph } from '../query/lineage.js';
import type { Reader } from '../reader.js';
import { graphDetails } from '../render/details.js';
import { PLAIN, type Style } from '../render/style.js';
import { renderText } from '../render/text.js';

export { ANSI, PLAIN, type Style } from '../render/style.js';
export { formatBytes } from '../render/format.js';

/** Renders a lineage graph as an indented tree from its start node, with each node's details read from `reader`. */
export function renderTree(graph: LineageGraph, reader: Reader, style: Style = PLAIN): string {
  return renderText(graph, graphDetails(reader, graph), style);
}
