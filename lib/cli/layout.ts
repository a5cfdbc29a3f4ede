import { Worker } from 'node:worker_threads';
import { LineageError } from '../errors.js';
import type { LineageGraph } from '../query/lineage.js';
import type { GraphDetails } from '../render/details.js';

/**
 * `renderSvg` in a worker thread, stopped after `seconds`: Graphviz lays out most lineage graphs in
 * well under a second, but some shapes (one transform with runs all along a long chain) take minutes.
 */
export function svgWithin(graph: LineageGraph, details: GraphDetails | undefined, seconds: number): Promise<string> {
  const worker = new Worker(new URL('./layout-worker.js', import.meta.url), { workerData: { graph, details: details ? [...details] : undefined } });
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
