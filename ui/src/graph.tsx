import { useEffect, useRef, useState } from 'preact/hooks';
import { get, type GraphPage, type PlacedEdge, type PlacedNode } from './api.js';
import { href, type PageProps, useData } from './route.js';

// The lineage graph page: laid out on the server (lib/render/layered.ts, the same layout as
// `lineage graph --format svg`), drawn here as SVG, panned and zoomed through its viewBox.

const DIRECTIONS: [string, string][] = [
  ['up', 'upstream: where it came from'],
  ['down', 'downstream: what was made from it'],
  ['both', 'both'],
];

function shape(n: PlacedNode) {
  const x = n.x - n.width / 2;
  const y = n.y - n.height / 2;
  const w = n.width;
  const h = n.height;
  if (n.kind === 'file') return <path class="shape" d={`M${x} ${y}h${w - 10}l10 10v${h - 10}h${-w}z M${x + w - 10} ${y}v10h10`} />;
  if (n.kind === 'transform') return <path class="shape" d={`M${x + 10} ${y}h${w - 20}l10 ${h / 2}l-10 ${h / 2}h${-(w - 20)}l-10 ${-h / 2}z`} />;
  return <rect class="shape" x={x} y={y} width={w} height={h} rx={n.kind === 'run' ? 8 : 4} />;
}

function edgePath(e: PlacedEdge): string {
  const { a, b } = e;
  if (e.bend === 'v') {
    const d = Math.max(20, (b.y - a.y) / 2);
    return `M${a.x} ${a.y}C${a.x} ${a.y + d} ${b.x} ${b.y - d} ${b.x} ${b.y}`;
  }
  const d = Math.max(20, Math.abs(b.x - a.x) / 2);
  return `M${a.x} ${a.y}C${a.x + d} ${a.y} ${b.x - d} ${b.y} ${b.x} ${b.y}`;
}

interface Box { x: number; y: number; w: number; h: number }

// A node's name (its <title>: what a screen reader says, and the tooltip on hover): the text drawn
// on it first (WCAG 2.5.3: the visible label is part of the name), then its kind, and its full
// title where the drawn one was cut short.
function nodeLabel(n: PlacedNode, title: string | undefined): string {
  const shown = n.lines.join(' ');
  if (n.kind === 'cut') return `${shown}: expand`;
  return `${shown} (${n.kind}${title && !n.lines.includes(title) ? `: ${title}` : ''})`;
}

// Graphs up to this many nodes are drawn whole (and every node is a Tab stop); larger ones are virtualised.
const VIRTUAL_FROM = 400;

/** The nodes and edges of the layout that meet the view (with a margin of half a view each side). */
function visibleIn(data: GraphPage | undefined, box: Box | undefined): { nodes: PlacedNode[]; edges: PlacedEdge[] } | undefined {
  if (!data) return undefined;
  const { nodes, edges } = data.layout;
  if (nodes.length < VIRTUAL_FROM) return { nodes, edges };
  // Before the view is set (the first render, which measures the drawing area) nothing is drawn:
  // drawing it all then would cost what virtualising saves.
  if (!box) return { nodes: [], edges: [] };
  const x0 = box.x - box.w / 2;
  const x1 = box.x + box.w * 1.5;
  const y0 = box.y - box.h / 2;
  const y1 = box.y + box.h * 1.5;
  const meets = (ax: number, ay: number, bx: number, by: number) => Math.max(ax, bx) >= x0 && Math.min(ax, bx) <= x1 && Math.max(ay, by) >= y0 && Math.min(ay, by) <= y1;
  return {
    nodes: nodes.filter((n) => meets(n.x - n.width / 2, n.y - n.height / 2, n.x + n.width / 2, n.y + n.height / 2)),
    edges: edges.filter((e) => meets(e.a.x, e.a.y, e.b.x, e.b.y)),
  };
}

export function GraphView({ route, onAsOf }: PageProps) {
  const p = route.params;
  const id = route.id ?? '';
  const asOf = p.get('asOf') ?? undefined;
  const direction = p.get('direction') ?? 'up';
  const depth = p.get('depth') ?? '';
  const maxNodes = p.get('maxNodes') ?? '300';
  const expand = p.get('expand') ?? '';
  const { data, error, loading } = useData(`graph ${id} ${direction} ${depth} ${maxNodes} ${expand} ${asOf}`, () =>
    get<GraphPage>(`graph/${encodeURIComponent(id)}`, { direction, depth, maxNodes, expand, asOf }),
  );
  useEffect(() => data && onAsOf(data.asOf), [data]);
  const [selected, setSelected] = useState<string>();
  const [hover, setHover] = useState<string>();
  const [box, setBox] = useState<Box>();
  const svg = useRef<SVGSVGElement>(null);
  const [px, setPx] = useState(900);
  useEffect(() => {
    const w = svg.current?.getBoundingClientRect().width;
    if (w) setPx(w);
  }, [data]);
  const drag = useRef<{ x: number; y: number; box: Box } | undefined>(undefined);
  const nav = (over: Record<string, string | undefined>) => (location.hash = href('graph', id, { direction, depth, maxNodes, expand, asOf, ...over }));

  const fit = (): Box | undefined => (data ? { x: 0, y: 0, w: Math.max(data.layout.width, 200), h: Math.max(data.layout.height, 120) } : undefined);
  // A graph too large to read when fitted opens at a readable scale around its start node; Fit shows it all.
  const initial = (): Box | undefined => {
    const whole = fit();
    const r = svg.current?.getBoundingClientRect();
    const start = data?.layout.nodes.find((n) => n.id === data.graph.start);
    if (!whole || !r || !start || Math.min(r.width / whole.w, r.height / whole.h) > 0.3) return whole;
    const w = r.width / 0.8;
    const h = r.height / 0.8;
    return { x: start.x - w * 0.8, y: start.y - h / 2, w, h };
  };
  useEffect(() => {
    setBox(initial());
    if (data && !selected) setSelected(data.graph.start);
    if (data) (window as unknown as { __graphDrawn?: number }).__graphDrawn = performance.now();
  }, [data]);

  const zoom = (factor: number, cx?: number, cy?: number) => {
    if (!box) return;
    const x = cx ?? box.x + box.w / 2;
    const y = cy ?? box.y + box.h / 2;
    setBox({ x: x - (x - box.x) * factor, y: y - (y - box.y) * factor, w: box.w * factor, h: box.h * factor });
  };
  const toGraph = (clientX: number, clientY: number, b: Box) => {
    const r = svg.current!.getBoundingClientRect();
    const s = Math.max(b.w / r.width, b.h / r.height);
    return { x: b.x + (clientX - r.left - (r.width - b.w / s) / 2) * s, y: b.y + (clientY - r.top - (r.height - b.h / s) / 2) * s, s };
  };
  const expandNode = (nid: string) => {
    const list = new Set(expand.split(',').filter(Boolean));
    list.add(nid);
    nav({ expand: [...list].join(',') });
  };
  const activate = (n: PlacedNode) => {
    if (n.kind === 'cut') return expandNode(n.of!);
    setSelected(n.id);
    if (n.truncated) expandNode(n.id);
  };

  // Level of detail: zoomed far out, labels and arrowheads would be specks that cost most of the
  // drawing time of a large graph; they come back on zooming in.
  const detailed = box ? px / box.w > 0.3 : true;
  // Virtualised: a large graph draws only the nodes in (or near) the view, and the edges that can
  // cross it; the browser's cost of a few thousand SVG groups goes to the few dozen one can read.
  const inView = visibleIn(data, box);
  const detail = selected && data?.details[selected];
  const hovered = hover && data?.details[hover];
  const counts = data ? (['file', 'run', 'transform'] as const).map((k) => `${data.graph.nodes.filter((n) => n.kind === k).length} ${k}s`).join(', ') : '';
  return (
    <section class="graph-page">
      <h1>Lineage {data?.details[id] ? <span class="title">of {data.details[id]!.title}</span> : null}</h1>
      <form class="graph-controls" onSubmit={(e) => e.preventDefault()} aria-label="graph options">
        <label>
          direction{' '}
          <select value={direction} onChange={(e) => nav({ direction: (e.target as HTMLSelectElement).value, expand: '' })}>
            {DIRECTIONS.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label>
          depth <input type="number" min={0} placeholder="all" value={depth} onChange={(e) => nav({ depth: (e.target as HTMLInputElement).value })} />
        </label>
        <label>
          node limit <input type="number" min={1} max={5000} value={maxNodes} onChange={(e) => nav({ maxNodes: (e.target as HTMLInputElement).value })} />
        </label>
        <button type="button" onClick={() => zoom(0.8)} aria-label="zoom in">
          +
        </button>
        <button type="button" onClick={() => zoom(1.25)} aria-label="zoom out">
          −
        </button>
        <button type="button" onClick={() => setBox(fit())}>
          Fit
        </button>
        {expand ? (
          <button type="button" onClick={() => nav({ expand: '' })}>
            Collapse all
          </button>
        ) : null}
        <a href={href('record', id, { asOf })}>Record page</a>
      </form>
      {error ? <p class="problem" role="alert">{error.message}</p> : null}
      {data ? (
        <p class="muted" aria-live="polite">
          {counts}
          {data.graph.truncated ? ' · node limit reached: “… more” marks where' : ''}
          {inView && inView.nodes.length < data.layout.nodes.length ? ` · ${inView.nodes.length} in view (drag or zoom for the rest; Fit shows all)` : ''}
          {detailed ? '' : ' · zoom in (wheel or +) to read the labels'} · laid out in {data.layoutMs} ms{loading ? ' · loading…' : ''}
        </p>
      ) : (
        <p class="muted">Loading…</p>
      )}
      <div class="graph-area">
        <svg
          ref={svg}
          class="graph"
          role="group"
          aria-label="lineage graph: Tab to a node, Enter to select it or expand a “… more” marker"
          viewBox={box ? `${box.x} ${box.y} ${box.w} ${box.h}` : '0 0 100 100'}
          onWheel={(e) => {
            if (!box) return;
            e.preventDefault();
            const pt = toGraph(e.clientX, e.clientY, box);
            zoom(e.deltaY > 0 ? 1.15 : 1 / 1.15, pt.x, pt.y);
          }}
          onPointerDown={(e) => {
            if (!box || (e.target as Element).closest('g.node')) return;
            drag.current = { x: e.clientX, y: e.clientY, box };
            (e.currentTarget as Element).setPointerCapture(e.pointerId);
          }}
          onPointerMove={(e) => {
            const d = drag.current;
            if (!d) return;
            const s = toGraph(0, 0, d.box).s;
            setBox({ ...d.box, x: d.box.x - (e.clientX - d.x) * s, y: d.box.y - (e.clientY - d.y) * s });
          }}
          onPointerUp={() => (drag.current = undefined)}
        >
          <defs>
            <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M0 0L10 5L0 10z" class="arrowhead" />
            </marker>
          </defs>
          <g class="edges">
            {inView?.edges.map((e) => (
              <path key={`${e.from}-${e.to}-${e.type}`} class={`edge ${e.type}`} d={edgePath(e)} marker-end={detailed ? 'url(#arrow)' : undefined} />
            ))}
          </g>
          <g class="nodes">
            {inView?.nodes.map((n) => (
              <g
                key={n.id}
                id={`node-${n.id}`}
                class={`node ${n.kind}${n.id === selected ? ' selected' : ''}${n.id === data!.graph.start ? ' start' : ''}${n.truncated ? ' truncated' : ''}`}
                tabIndex={0}
                role="button"

                onClick={() => activate(n)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' || e.key === ' ') {
                    e.preventDefault();
                    activate(n);
                  }
                }}
                onMouseEnter={() => setHover(n.id)}
                onMouseLeave={() => setHover(undefined)}
                onFocus={() => setHover(n.id)}
                onBlur={() => setHover(undefined)}
              >
                <title>{nodeLabel(n, data!.details[n.id]?.title)}</title>
                {shape(n)}
                {!detailed ? null : n.lines.map((l, i) => (
                  <text key={i} x={n.x} y={n.y - ((n.lines.length - 1) * 14) / 2 + i * 14 + 4} class={i === 0 ? 'name' : 'caption'}>
                    {l}
                  </text>
                ))}
              </g>
            ))}
          </g>
        </svg>
        <aside class="details" aria-live="polite">
          <ul class="legend" aria-label="legend">
            <li>
              <span class="swatch file" /> file
            </li>
            <li>
              <span class="swatch run" /> run
            </li>
            <li>
              <span class="swatch transform" /> transform
            </li>
            <li>
              <span class="swatch cut" /> … more (click to expand)
            </li>
          </ul>
          {hovered && hover !== selected ? (
            <p class="hover" role="tooltip">
              {hovered.title} — {hovered.summary}
            </p>
          ) : null}
          {detail ? (
            <>
              <h2>{detail.title}</h2>
              <p class="muted">{detail.summary}</p>
              <dl class="fields">{detail.fields.map(([k, v]) => [<dt key={`${k}t`}>{k}</dt>, <dd key={`${k}d`}>{v}</dd>])}</dl>
              <p class="actions">
                <a href={href('record', selected, { asOf })}>Record page</a> <a href={href('graph', selected, { direction, asOf })}>Graph from here</a>{' '}
                <button type="button" onClick={() => expandNode(selected!)}>
                  Expand
                </button>
              </p>
            </>
          ) : null}
        </aside>
      </div>
    </section>
  );
}
