import type { EventInput } from '../lib/events/types.js';
import { generateWorkload, type WorkloadOptions } from './workload.js';

/** One step of a pipeline: a run of a transform that reads files by name and writes new ones. */
export interface PlannedRun {
  transform: number;
  name: string;
  params: Record<string, string | number>;
  inputs: string[];
  outputs: { name: string; content: Buffer }[];
}

/** The pipeline workload: transforms to register, then runs in an order where every input was written before. */
export interface Plan {
  transforms: { name: string; version: string; type: 'pipeline' | 'script' | 'notebook' | 'function' }[];
  runs: PlannedRun[];
  /** Events the plan makes in the ledger (transforms, run starts and finishes, loads, files). */
  events: number;
  files: number;
  inputs: number;
  /** Files the queries look up: a sample of names, the tip and root of the deep chain, and a file at the end of a workflow. */
  sampleNames: string[];
  chainTip: string;
  chainRoot: string;
  typical: string;
  chainLength: number;
}

/**
 * The benchmark workload (bench/workload.ts) turned into what a pipeline does: per run, load each
 * input by name and add each output with small content of its own (so no two files share a hash).
 */
export function planOf(options: WorkloadOptions): Plan {
  const w = generateWorkload(options);
  const transformIndex = new Map<string, number>();
  const fileNames = new Map<string, string>();
  const transforms: Plan['transforms'] = [];
  const runs: PlannedRun[] = [];
  const byId = new Map<string, PlannedRun>();
  let files = 0;
  let inputs = 0;
  for (const e of w.events as EventInput[]) {
    if (e.type === 'transform.registered') {
      transformIndex.set(e.data.id, transforms.length);
      transforms.push({ name: e.data.name, version: e.data.version, type: e.data.type });
    } else if (e.type === 'run.started') {
      const r: PlannedRun = { transform: transformIndex.get(e.data.transformId)!, name: e.data.name!, params: e.data.params as PlannedRun['params'], inputs: [], outputs: [] };
      byId.set(e.data.id, r);
      runs.push(r);
    } else if (e.type === 'file.loaded_as_input') {
      byId.get(e.data.runId)!.inputs.push(fileNames.get(e.data.fileId)!);
      inputs++;
    } else if (e.type === 'file.created') {
      fileNames.set(e.data.id, e.data.name);
      byId.get(e.data.runId!)!.outputs.push({ name: e.data.name, content: Buffer.from(`${e.data.name}\n${e.data.hash}\n`) });
      files++;
    }
  }
  const chainTip = w.chainTip.name;
  // The chain's first file: walk the tip's producers back through single inputs.
  const producer = new Map<string, PlannedRun>();
  for (const r of runs) for (const o of r.outputs) producer.set(o.name, r);
  let root = chainTip;
  for (let i = 1; i < w.chainLength; i++) root = producer.get(root)!.inputs[0]!;
  return {
    transforms,
    runs,
    events: transforms.length + runs.length * 2 + inputs + files,
    files,
    inputs,
    sampleNames: w.fileNames,
    chainTip,
    chainRoot: root,
    typical: w.typicalFile.name,
    chainLength: w.chainLength,
  };
}
