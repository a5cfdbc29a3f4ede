import type { LedgerEvent } from '../events/types.js';
import type { Ledger } from '../ledger.js';
import type { RunRow } from '../state/rows.js';
import type { View } from '../state/view.js';
import type { OlName } from './identities.js';
import { freshNodes, type LineageNode, type NodeSource } from './marquez-lineage.js';
import { type MarquezModel, nodeId } from './marquez-model.js';

// The fields of an event that name the transforms, runs and files it is about (every event type's, lib/events/schemas.ts).
const ID_FIELDS = ['id', 'runId', 'transformId', 'fileId', 'parentRunId', 'revises', 'datasetId'] as const;
const ID_LISTS = ['inputIds', 'outputIds'] as const;
// Types whose effect on lineage nodes is confined to the entities they name. Any other type (file.aliased
// gives a file a second dataset name; a type added later) drops every kept node rather than risk a stale one.
const NARROW = new Set([
  'transform.registered', 'run.started', 'file.created', 'file.recreated', 'file.loaded_as_input', 'run.finished', 'run.amended',
  'openlineage.linked', 'openlineage.imported', 'openlineage.event', 'record.trashed', 'record.restored', 'file.erased', 'file.versioned',
  'record.described', 'label.added', 'label.removed', 'transform.source_stored', 'run.referenced',
]);
// Beyond this many kept nodes, or this many events to catch up with, starting over costs less.
const MAX_KEPT = 200_000;
const MAX_GAP = 50_000;

interface Kept {
  node: LineageNode;
  /** Its Marquez data as JSON, once an answer has included it. */
  data?: string;
}

/**
 * The lineage nodes (neighbours and Marquez data, as JSON) of the server's head, kept across writes:
 * a write drops only the nodes of what it touched, so that the first lineage read after it builds
 * those again, not the whole graph. A node is dropped when an event names a transform, run or file
 * it was built from, or one now in it (a job's transforms, their runs and the files those read and
 * wrote; a dataset's files, and the runs writing and reading them); any other kind of event drops
 * them all.
 */
export class HeadNodes {
  readonly #ledger: Ledger;
  readonly #kept = new Map<string, Kept>();
  /** Entity id → the kept nodes built from it. */
  readonly #users = new Map<string, Set<string>>();
  /** The seq the kept nodes are true at. */
  #seq = 0;
  /** Node id → the seq at which a write last dropped it; every node before `#clearedAt`. */
  readonly #droppedAt = new Map<string, number>();
  #clearedAt = 0;
  #pending: Promise<void> = Promise.resolve();

  constructor(ledger: Ledger) {
    this.#ledger = ledger;
  }

  /** The nodes for a walk over `model` (the head's): the kept ones brought up to its seq, or fresh ones when the head has moved past it. */
  async at(model: MarquezModel): Promise<NodeSource> {
    const to = model.view.watermark;
    const step = this.#pending.then(() => this.#advance(model, to));
    this.#pending = step.catch(() => this.#clear(to));
    try {
      await step;
    } catch {
      // The events could not be read (the ledger closing): this answer is built whole; the kept nodes are dropped.
      return freshNodes(model);
    }
    // Another read may have brought the nodes further meanwhile: this model's seq is not theirs.
    if (this.#seq !== to) return freshNodes(model);
    const fresh = freshNodes(model);
    return {
      node: (type, name) => this.#node(model, fresh, type, name),
      data: (id, n) => {
        const kept = this.#kept.get(id);
        if (kept?.node !== n) return fresh.data(id, n);
        return (kept.data ??= fresh.data(id, n));
      },
    };
  }

  async #advance(model: MarquezModel, to: number): Promise<void> {
    if (to <= this.#seq) return;
    if (this.#kept.size === 0 || to - this.#seq > MAX_GAP) return this.#clear(to);
    const touched = new Set<string>();
    for await (const batch of this.#ledger.log.read(this.#seq + 1, to)) {
      for (const { event } of batch) {
        if (!NARROW.has(event.type)) return this.#clear(to);
        idsOf(event, touched);
      }
    }
    const view = model.view;
    const drop = (id: string) => this.#drop(id, to);
    for (const id of touched) {
      for (const node of this.#users.get(id) ?? []) drop(node);
      this.#users.delete(id);
      nodesOf(model, view, id, drop);
    }
    this.#seq = to;
  }

  #node(model: MarquezModel, fresh: NodeSource, type: 'job' | 'dataset', name: OlName): LineageNode {
    const id = nodeId(type, name);
    const kept = this.#kept.get(id);
    if (kept) return kept.node;
    const node = fresh.node(type, name);
    if (this.#kept.size >= MAX_KEPT) this.#clear(this.#seq);
    this.#kept.set(id, { node });
    for (const used of sourcesOf(model, type, name)) {
      let users = this.#users.get(used);
      if (!users) this.#users.set(used, (users = new Set()));
      users.add(id);
    }
    return node;
  }

  /** Whether the nodes of an answer built at `seq` are all as they were then, at `head` (where the kept nodes stand). */
  unchangedSince(seq: number, nodes: readonly string[], head: number): boolean {
    if (this.#seq !== head || this.#clearedAt > seq) return false;
    for (const n of nodes) if ((this.#droppedAt.get(n) ?? 0) > seq) return false;
    return true;
  }

  #drop(nodeId: string, seq: number): void {
    this.#kept.delete(nodeId);
    this.#droppedAt.set(nodeId, seq);
  }

  #clear(seq: number): void {
    this.#kept.clear();
    this.#users.clear();
    this.#droppedAt.clear();
    this.#clearedAt = seq;
    this.#seq = seq;
  }
}

/** Adds the entity ids `event` names to `into`. */
function idsOf(event: LedgerEvent, into: Set<string>): void {
  const data = event.data as unknown as Record<string, unknown>;
  for (const f of ID_FIELDS) if (typeof data[f] === 'string') into.add(data[f]);
  for (const f of ID_LISTS) if (Array.isArray(data[f])) for (const id of data[f] as unknown[]) if (typeof id === 'string') into.add(id);
  const by = data.by as { runId?: unknown } | undefined;
  if (typeof by?.runId === 'string') into.add(by.runId);
}

/** The transforms, runs and files a node is built from: what an event must name to change it. */
function sourcesOf(model: MarquezModel, type: 'job' | 'dataset', name: OlName): string[] {
  const view = model.view;
  const ids: string[] = [];
  if (type === 'job') {
    const transforms = model.transformsOf(name);
    for (const t of transforms) ids.push(t.id);
    const runs = model.runsOf(transforms);
    for (const r of runs) ids.push(r.id, ...view.inputsOf(r.id), ...view.outputsOf(r.id));
    if (runs[0]?.parentRunId !== undefined) ids.push(runs[0].parentRunId);
  } else {
    for (const f of model.filesOf(name)) {
      ids.push(f.id);
      for (const rid of [...view.producersOf(f.id), ...view.consumersOf(f.id)]) ids.push(rid, view.run(rid)?.transformId ?? rid);
    }
  }
  return ids;
}

/** Calls `drop` with the node ids an entity is part of at `view`: a transform's job; a run's job and the datasets it read and wrote; a file's dataset and the jobs writing and reading it. */
function nodesOf(model: MarquezModel, view: View, id: string, drop: (nodeId: string) => void): void {
  const jobOf = (r: RunRow | undefined) => {
    const t = r && view.transform(r.transformId);
    if (t) drop(nodeId('job', model.jobName(t)));
  };
  const t = view.transform(id);
  if (t) drop(nodeId('job', model.jobName(t)));
  const r = view.run(id);
  if (r) {
    jobOf(r);
    for (const f of [...view.inputsOf(r.id), ...view.outputsOf(r.id)]) drop(nodeId('dataset', model.datasetName(view.file(f)!)));
  }
  const f = view.file(id);
  if (f) {
    drop(nodeId('dataset', model.datasetName(f)));
    for (const rid of [...view.producersOf(f.id), ...view.consumersOf(f.id)]) jobOf(view.run(rid));
  }
}
