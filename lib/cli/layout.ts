import { Worker } from 'node:worker_threads';
import { LineageError } from '../errors.js';
import type { LineageGraph } from '../query/lineage.js';
import type { GraphDetails } from '../render/details.js';
import type { RunGroup } from '../render/groups.js';
import { renderLayeredSvg } from '../render/layered-svg.js';

// Graphviz draws the nicer picture where it is quick: small graphs whose transforms have few runs.
// Beyond that its time grows steeply (12 runs of 3 transforms take a second; 60 runs of
// 3 transforms take more than 20 s, see bench/layout.ts), and the layered layout takes over.
const GRAPHVIZ_MAX_NODES = 80;
const GRAPHVIZ_MAX_RUNS_PER_TRANSFORM = 3;

/** Whether Graphviz lays this graph out quickly enough to use it. */
export function graphvizIsQuick(graph: LineageGraph): boolean {
  if (graph.nodes.length > GRAPHVIZ_MAX_NODES) return false;
  const runs = new Map<string, number>();
  for (const e of graph.edges) {
    if (e.type !== 'transform') continue;
    const n = (runs.get(e.from) ?? 0) + 1;
    if (n > GRAPHVIZ_MAX_RUNS_PER_TRANSFORM) return false;
    runs.set(e.from, n);
  }
  return true;
}

/** Which layout draws an svg or html picture: Graphviz where it is quick (auto), always Graphviz, or always ours. */
export type PictureLayout = 'auto' | 'graphviz' | 'layered';

/**
 * An SVG picture of a lineage graph: Graphviz where it is quick (`svgWithin`), else the layered
 * layout, which draws thousands of nodes in well under a second. Graphviz that does not finish within
 * `seconds` (or stops) gives way to the layered layout too, and `onNote` is told why: a picture is
 * always drawn, never a LIMIT_EXCEEDED for a shape Graphviz happens to be slow on.
 */
export async function pictureSvg(graph: LineageGraph, details: GraphDetails | undefined, seconds: number, layout: PictureLayout = 'auto', onNote: (message: string) => void = () => {}, groups: readonly RunGroup[] = []): Promise<string> {
  if (layout === 'layered' || (layout === 'auto' && !graphvizIsQuick(graph))) return layered(graph, details, groups, onNote);
  try {
    return await svgWithin(graph, details, seconds, groups);
  } catch (err) {
    if (!(err instanceof LineageError && err.code === 'LIMIT_EXCEEDED')) throw err;
    onNote(`${err.message.replace(/;.*$/, '')}: drawn with the layered layout instead (--layout layered skips Graphviz; --timeout waits longer for it)`);
    return layered(graph, details, groups, onNote);
  }
}

// The layered layout has no clusters: the picture is still drawn, and the user told how to get them.
function layered(graph: LineageGraph, details: GraphDetails | undefined, groups: readonly RunGroup[], onNote: (message: string) => void): string {
  if (groups.length > 0) onNote(`${graph.nodes.length} nodes are drawn by the layered layout, which does not box runs by parent; --format dot or mermaid does`);
  return renderLayeredSvg(graph, details);
}

/**
 * `renderSvg` in a worker thread, stopped after `seconds`: Graphviz lays out most lineage graphs in
 * well under a second, but some shapes (one transform with runs all along a long chain) take minutes.
 */
export function svgWithin(graph: LineageGraph, details: GraphDetails | undefined, seconds: number, groups: readonly RunGroup[] = []): Promise<string> {
  const worker = new Worker(new URL('./layout-worker.js', import.meta.url), { workerData: { graph, details: details ? [...details] : undefined, groups } });
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(
        new LineageError(
          'LIMIT_EXCEEDED',
          `Graphviz did not lay out ${graph.nodes.length} nodes within ${seconds} s; draw less with --depth or --max-nodes, wait longer with --timeout, or use --format text, mermaid or dot`,
        ),
      );
    }, seconds * 1000);
    worker.once('message', (svg: string) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(svg);
    });
    worker.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    worker.once('exit', (code) => {
      clearTimeout(timer);
      reject(new LineageError('LIMIT_EXCEEDED', `Graphviz stopped (exit ${code}) before laying out ${graph.nodes.length} nodes`));
    });
  });
}
