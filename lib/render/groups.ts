import { Run } from '../model/records.js';
import type { LineageGraph } from '../query/lineage.js';
import type { Reader } from '../reader.js';

/** A cluster of a picture: the runs of a graph that share a parent run (an Airflow DAG run, a dbt job, `lineage exec`). */
export interface RunGroup {
  /** The parent run's id. */
  id: string;
  /** What the cluster is titled: the parent run's transform and id. */
  label: string;
  /** The ids of the graph's runs that are children of it. */
  members: string[];
}

/**
 * Groups the runs of `graph` by their parent run, as `reader` sees them: one group per parent with
 * at least one child in the graph, in the order the graph lists them. Runs without a parent are in none.
 */
export function groupByParent(reader: Reader, graph: LineageGraph): RunGroup[] {
  const groups = new Map<string, RunGroup>();
  for (const n of graph.nodes) {
    if (n.kind !== 'run') continue;
    const parent = reader.select(Run, { id: n.id }).first()?.parent;
    if (!parent) continue;
    let g = groups.get(parent.id);
    if (!g) {
      const t = parent.transform;
      groups.set(parent.id, (g = { id: parent.id, label: `run ${parent.id} of ${t.version ? `${t.name} v${t.version}` : t.name}`, members: [] }));
    }
    g.members.push(n.id);
  }
  return [...groups.values()];
}
