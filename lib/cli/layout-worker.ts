// Runs Graphviz (WebAssembly) off the main thread, so that the CLI can keep a progress bar moving
// and give up after a time budget: dot's layout time grows steeply on some graphs.
import { parentPort, workerData } from 'node:worker_threads';
import type { LineageGraph } from '../query/lineage.js';
import type { NodeDetails } from '../render/details.js';
import type { RunGroup } from '../render/groups.js';
import { renderSvg } from '../render/svg.js';

const { graph, details, groups } = workerData as { graph: LineageGraph; details: [string, NodeDetails][] | undefined; groups?: RunGroup[] };
parentPort!.postMessage(await renderSvg(graph, details ? new Map(details) : undefined, groups));
