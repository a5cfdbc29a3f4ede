import type { LineageGraph } from '../query/lineage.js';
import type { GraphDetails } from './details.js';
import { printable } from './format.js';
import { PALETTE } from './labels.js';
import { inlineSvg } from './svg.js';

/** What the page says about where the graph came from. */
export interface HtmlMeta {
  /** The page title, e.g. `Lineage of output.bam`. */
  title: string;
  /** One line under the title: the query, the ledger, the snapshot. */
  subtitle?: string;
}

/**
 * One self-contained HTML page: the SVG made by `renderSvg`, a legend, and each node's details
 * (hash, size, run times, params) on hover and on click. Nothing is loaded from anywhere (a
 * Content-Security-Policy forbids it); names reach the page only as escaped text or inert JSON.
 */
export function renderHtml(graph: LineageGraph, svg: string, details: GraphDetails | undefined, meta: HtmlMeta): string {
  const data = {
    start: graph.start,
    direction: graph.direction,
    truncated: graph.truncated,
    nodes: graph.nodes.map((n) => {
      const d = details?.get(n.id);
      return {
        id: n.id,
        kind: n.kind,
        title: printable(d?.title ?? n.label),
        summary: printable(d?.summary ?? ''),
        truncated: n.truncated === true,
        trashed: n.trashed === true,
        erased: n.erased === true,
        fields: (d?.fields ?? [['id', n.id]]).map(([k, v]) => [k, printable(v)]),
      };
    }),
  };
  const counts = (['file', 'run', 'transform'] as const).map((k) => `${graph.nodes.filter((n) => n.kind === k).length} ${k}s`).join(', ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${xml(meta.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>${xml(meta.title)}</h1>
  <p class="meta">${xml(meta.subtitle ? `${meta.subtitle} · ${counts}` : counts)}</p>
</header>
<main>
  <section class="graph fit" aria-label="lineage graph">
    <button id="zoom" type="button" title="switch between fitting the window and the picture's own size">actual size</button>
${inlineSvg(svg)}
  </section>
  <aside>
    <section class="legend" aria-label="legend">
      <h2>Legend</h2>
      <ul>
        <li>${swatch('file')} file</li>
        <li>${swatch('run')} run</li>
        <li>${swatch('transform')} transform</li>
        <li>${swatch('cut')} more beyond a depth limit</li>
        <li>${line(false)} <span><b>input</b>: a file read by a run</span></li>
        <li>${line(false)} <span><b>output</b>: a file made by a run</span></li>
        <li>${line(true)} <span><b>run</b>: a run of a transform</span></li>
      </ul>
    </section>
    <section class="details" aria-live="polite">
      <h2 id="d-title"></h2>
      <p id="d-kind" class="kind"></p>
      <dl id="d-fields"></dl>
      <p class="hint">Hover a node for its summary; click it (or focus it and press Enter) to show its details here.</p>
    </section>
  </aside>
</main>
<div id="tip" role="tooltip" hidden></div>
<script type="application/json" id="lineage-data">${scriptJson(data)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function xml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// JSON inside <script>: `<`, `>` and `&` as \u escapes cannot close the element or start a comment.
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function swatch(kind: keyof typeof PALETTE): string {
  const c = PALETTE[kind];
  const shape =
    kind === 'file'
      ? `<path d="M2 2h15l5 5v11H2z" />`
      : kind === 'transform'
        ? `<path d="M6 2h12l5 8-5 8H6l-5-8z" />`
        : `<rect x="2" y="3" width="20" height="14" rx="5" ${kind === 'cut' ? 'stroke-dasharray="3 2"' : ''}/>`;
  return `<svg class="swatch" width="24" height="20" viewBox="0 0 24 20" aria-hidden="true"><g fill="${c.fill}" stroke="${c.stroke}" stroke-width="1.5">${shape}</g></svg>`;
}

function line(dashed: boolean): string {
  const color = dashed ? PALETTE.transform.stroke : '#6b7280';
  return `<svg class="swatch" width="24" height="10" viewBox="0 0 24 10" aria-hidden="true"><path d="M1 5h18" stroke="${color}" stroke-width="1.5" ${dashed ? 'stroke-dasharray="3 2"' : ''}/><path d="M18 1l5 4-5 4z" fill="${color}"/></svg>`;
}

const STYLE = `
:root { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #111827; }
body { margin: 0; background: #f9fafb; }
header { padding: 14px 20px 6px; }
h1 { font-size: 20px; margin: 0 0 4px; }
.meta { margin: 0; color: #4b5563; font-size: 13px; }
main { display: flex; gap: 16px; padding: 10px 20px 20px; align-items: flex-start; }
.graph { flex: 1 1 auto; min-width: 0; overflow: auto; background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 8px; }
.graph { position: relative; }
.graph.fit svg { display: block; width: 100%; height: auto; max-height: 78vh; margin: auto; }
.graph:not(.fit) svg { display: block; margin: auto; }
#zoom { position: absolute; top: 6px; right: 6px; font: inherit; font-size: 12px; padding: 2px 8px; border: 1px solid #d1d5db; border-radius: 4px; background: #fff; color: #374151; cursor: pointer; }
.graph g.node { cursor: pointer; }
.graph g.node:hover polygon, .graph g.node:hover path, .graph g.node:focus polygon, .graph g.node:focus path { stroke-width: 2.5; }
.graph g.node.selected polygon, .graph g.node.selected path { stroke: #dc2626; stroke-width: 3; }
.graph g.node:focus { outline: none; }
aside { flex: 0 0 320px; display: flex; flex-direction: column; gap: 12px; }
aside > section { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 10px 14px; }
h2 { font-size: 14px; margin: 0 0 6px; overflow-wrap: anywhere; }
.legend ul { list-style: none; margin: 0; padding: 0; font-size: 13px; }
.legend li { display: flex; align-items: center; gap: 8px; margin: 4px 0; }
.swatch { flex: none; }
.kind { margin: 0 0 8px; color: #6b7280; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 3px 10px; margin: 0; font-size: 12px; }
dt { color: #6b7280; }
dd { margin: 0; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; overflow-wrap: anywhere; }
.hint { color: #6b7280; font-size: 12px; margin: 10px 0 0; }
#tip { position: fixed; pointer-events: none; background: #111827; color: #fff; font-size: 12px; padding: 5px 8px; border-radius: 4px; max-width: 360px; overflow-wrap: anywhere; }
@media (max-width: 800px) { main { flex-direction: column; } aside { flex: none; width: 100%; } }
`;

// Plain DOM code, no framework: text goes in with textContent only, never as HTML.
const SCRIPT = `
(() => {
  const data = JSON.parse(document.getElementById('lineage-data').textContent);
  const byId = new Map(data.nodes.map((n) => [n.id, n]));
  const tip = document.getElementById('tip');
  const title = document.getElementById('d-title');
  const kind = document.getElementById('d-kind');
  const fields = document.getElementById('d-fields');
  const svg = document.querySelector('.graph svg');
  // Our own tooltip replaces Graphviz's, so that hovering does not show two.
  for (const t of svg.querySelectorAll('g.node title')) t.remove();
  for (const a of svg.querySelectorAll('a')) a.removeAttributeNS('http://www.w3.org/1999/xlink', 'title');
  const zoom = document.getElementById('zoom');
  zoom.addEventListener('click', () => {
    const fit = svg.parentElement.classList.toggle('fit');
    zoom.textContent = fit ? 'actual size' : 'fit to window';
  });
  let selected;
  const show = (g, n) => {
    if (selected) selected.classList.remove('selected');
    selected = g;
    g.classList.add('selected');
    title.textContent = n.title;
    kind.textContent = n.kind + (n.erased ? ' · in the trash, content erased' : n.trashed ? ' · in the trash' : '') + (n.truncated ? ' · more beyond a limit' : '') + (n.id === data.start ? ' · start of the query' : '');
    fields.replaceChildren(...n.fields.flatMap(([k, v]) => {
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      dd.textContent = v;
      return [dt, dd];
    }));
  };
  for (const g of svg.querySelectorAll('g.node')) {
    const n = byId.get(g.id.replace(/^node-/, ''));
    if (!n) continue;
    g.setAttribute('tabindex', '0');
    g.setAttribute('role', 'button');
    g.setAttribute('aria-label', n.kind + ' ' + n.title);
    g.addEventListener('mouseenter', () => {
      tip.textContent = n.kind + ' ' + n.title + (n.summary ? ' — ' + n.summary : '');
      tip.hidden = false;
    });
    g.addEventListener('mousemove', (e) => {
      tip.style.left = Math.min(e.clientX + 14, window.innerWidth - tip.offsetWidth - 4) + 'px';
      tip.style.top = (e.clientY + 14) + 'px';
    });
    g.addEventListener('mouseleave', () => { tip.hidden = true; });
    g.addEventListener('click', () => show(g, n));
    g.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); show(g, n); } });
    if (n.id === data.start) show(g, n);
  }
})();
`;
