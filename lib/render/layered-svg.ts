import type { LineageGraph } from '../query/lineage.js';
import type { GraphDetails } from './details.js';
import { printable } from './format.js';
import { PALETTE } from './labels.js';
import { layered, type PlacedEdge, type PlacedNode } from './layered.js';

const FONT = 'Helvetica,Arial,sans-serif';

/**
 * Renders a lineage graph as a standalone SVG document laid out by `layered()`: the same ids and
 * classes as Graphviz's picture (`g.node.<kind>` with id `node-<ledger id>`, `g.edge.<type>`, a
 * `<title>` per node), so that the HTML page scripts either one alike.
 */
export function renderLayeredSvg(graph: LineageGraph, details?: GraphDetails): string {
  const p = layered(graph, details);
  const out = [
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${p.width}pt" height="${p.height}pt" viewBox="0 0 ${p.width} ${p.height}">`,
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#6b7280"/></marker></defs>`,
    `<g id="graph0" class="graph" font-family="${FONT}">`,
    `<rect width="${p.width}" height="${p.height}" fill="white"/>`,
  ];
  for (const e of p.edges) out.push(edge(e));
  for (const n of p.nodes) out.push(node(n, graph, details));
  out.push('</g>', '</svg>');
  return `${out.join('\n')}\n`;
}

function node(n: PlacedNode, graph: LineageGraph, details: GraphDetails | undefined): string {
  const c = PALETTE[n.kind];
  const d = details?.get(n.id);
  const tip = n.kind === 'cut' ? n.lines[0]! : d ? `${n.kind} ${d.title}: ${d.summary}` : `${n.kind} ${n.lines[0]}`;
  const id = n.kind === 'cut' ? n.id : `node-${n.id}`;
  const width = n.id === graph.start ? 2.5 : 1.2;
  const paint = `fill="${c.fill}" stroke="${c.stroke}" stroke-width="${width}"${n.kind === 'cut' ? ' stroke-dasharray="4 3"' : ''}`;
  const lineY = (i: number) => n.y - ((n.lines.length - 1) * 14) / 2 + i * 14 + 4;
  const text = n.lines.map((l, i) => `<text text-anchor="middle" x="${n.x}" y="${lineY(i)}" font-size="${n.kind === 'cut' ? 9 : 11}" fill="${c.text}"${i === 0 && n.kind !== 'cut' ? ' font-weight="bold"' : ''}>${xml(l)}</text>`);
  return `<g id="${xml(id)}" class="node ${n.kind}"><title>${xml(printable(tip))}</title>${shape(n, paint)}${text.join('')}</g>`;
}

function shape(n: PlacedNode, paint: string): string {
  const x = n.x - n.width / 2;
  const y = n.y - n.height / 2;
  const { width: w, height: h } = n;
  if (n.kind === 'file') return `<path d="M${x} ${y}h${w - 10}l10 10v${h - 10}h${-w}z M${x + w - 10} ${y}v10h10" ${paint}/>`;
  if (n.kind === 'transform') return `<path d="M${x + 10} ${y}h${w - 20}l10 ${h / 2}l-10 ${h / 2}h${-(w - 20)}l-10 ${-h / 2}z" ${paint}/>`;
  return `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="${n.kind === 'run' ? 8 : 4}" ${paint}/>`;
}

function edge(e: PlacedEdge): string {
  const { a, b } = e;
  const d =
    e.bend === 'v'
      ? `M${a.x} ${a.y}C${a.x} ${a.y + Math.max(20, (b.y - a.y) / 2)} ${b.x} ${b.y - Math.max(20, (b.y - a.y) / 2)} ${b.x} ${b.y}`
      : `M${a.x} ${a.y}C${a.x + Math.max(20, Math.abs(b.x - a.x) / 2)} ${a.y} ${b.x - Math.max(20, Math.abs(b.x - a.x) / 2)} ${b.y} ${b.x} ${b.y}`;
  // A transform's edges are solid: to runs all along a long chain they are so long that dashes would
  // number in the millions and stall a browser.
  const stroke = e.type === 'transform' ? `stroke="${PALETTE.transform.stroke}" opacity="0.45"` : e.type === 'cut' ? `stroke="${PALETTE.cut.stroke}" stroke-dasharray="4 3"` : 'stroke="#6b7280"';
  return `<g id="${xml(`edge-${e.from}-${e.to}-${e.type}`)}" class="edge ${e.type}"><path d="${d}" fill="none" ${stroke} stroke-width="1.2" marker-end="url(#arrow)"/></g>`;
}

function xml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
