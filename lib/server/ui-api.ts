import { LineageError } from '../errors.js';
import type { Ledger } from '../ledger.js';
import { File, type LineageRecord, Run, Transform } from '../model/records.js';
import type { Direction, LineageGraph, LineageNode } from '../query/lineage.js';
import type { Reader } from '../reader.js';
import { graphDetails, recordDetails } from '../render/details.js';
import { layered, type Placement } from '../render/layered.js';
import type { AuditEvent } from '../audit/events.js';
import type { EventType } from '../events/types.js';

// The answers of the web page's JSON endpoints, computed from a reader (the ledger's session or an
// asOf snapshot). Kept apart from the routes so that they can be read and tested without HTTP.

/** Where a read was answered: the seq it saw, and the time of that event. */
export interface AsOf {
  seq: number;
  at?: string;
  head: number;
}

/** A record named in a list (a search hit, a relation). */
export interface RecordRef {
  kind: 'file' | 'run' | 'transform';
  id: string;
  label: string;
  detail?: string;
}

/** The largest graph the page asks for; more is unreadable, and the layout grows with it. */
export const MAX_GRAPH_NODES = 5000;

/** Resolves `asOf=SEQ|TIME` to a reader: the ledger's consistent session when absent. */
export function readerAt(ledger: Ledger, asOf: string | undefined): Reader {
  if (asOf === undefined || asOf === '') return ledger.session();
  if (/^\d+$/.test(asOf)) return ledger.asOf(Number(asOf));
  const t = Date.parse(asOf);
  if (Number.isNaN(t)) throw new LineageError('INVALID_ARGUMENT', `asOf takes a seq (integer) or an ISO 8601 time, not ${JSON.stringify(asOf)}`);
  return ledger.asOf(new Date(t));
}

/** The seq a reader sees, with its event's time. */
export async function asOfOf(ledger: Ledger, reader: Reader): Promise<AsOf> {
  const seq = reader.seq;
  let at: string | undefined;
  for await (const e of reader.events({ from: seq, to: seq })) at = e.at;
  return { seq, at, head: ledger.head.seq };
}

/** A record by id, of any kind, or RECORD_NOT_FOUND-like FILE_NOT_FOUND. */
export function recordById(reader: Reader, id: string): LineageRecord {
  for (const model of [File, Run, Transform] as const) {
    const r = reader.select(model, { id }).first();
    if (r) return r;
  }
  throw new LineageError('FILE_NOT_FOUND', `no file, run or transform has the id ${JSON.stringify(id)} at seq ${reader.seq}`);
}

/** A reference to a record for lists. */
export function refOf(r: LineageRecord): RecordRef {
  const d = recordDetails(r);
  return { kind: d.kind, id: r.id, label: d.title, detail: d.summary };
}

/** Everything the record page shows. */
export interface RecordPage {
  kind: RecordRef['kind'];
  id: string;
  title: string;
  summary: string;
  fields: [string, string][];
  params?: unknown;
  environment?: unknown;
  relations: { name: string; records: RecordRef[] }[];
  history: AuditEvent[];
}

/** A record's fields, params, environment, relations and the events that made and changed it. */
export async function recordPage(reader: Reader, id: string): Promise<RecordPage> {
  const r = recordById(reader, id);
  const d = recordDetails(r);
  const relations: RecordPage['relations'] = [];
  const rel = (name: string, records: (LineageRecord | undefined)[]) => {
    const present = records.filter((x): x is LineageRecord => x !== undefined);
    relations.push({ name, records: present.map(refOf) });
  };
  let params: unknown;
  let environment: unknown;
  if (r instanceof File) {
    rel('produced by run', [r.run]);
    rel('transform', [r.transform]);
    rel('input of runs', r.inputOf);
  } else if (r instanceof Run) {
    rel('transform', [r.transform]);
    rel('inputs', r.inputs);
    rel('outputs', r.outputs);
    rel('parent run', [r.parent]);
    rel('child runs', r.children);
    params = r.params;
    environment = r.environment;
  } else {
    rel('revises', [r.revises]);
    rel('runs', r.runs);
  }
  return { kind: d.kind, id: r.id, title: d.title, summary: d.summary, fields: d.fields, params, environment, relations, history: await reader.history(r) };
}

/** Options of the graph page. */
export interface GraphQuery {
  direction: Direction;
  depth?: number;
  maxNodes: number;
  /** Nodes the user expanded: the lineage around each (two hops, same direction) is merged in. */
  expand: string[];
}

/** The graph page's answer: the graph, each node's details, and its layout. */
export interface GraphPage {
  graph: LineageGraph;
  details: Record<string, { title: string; summary: string; fields: [string, string][] }>;
  layout: Placement;
  layoutMs: number;
}

/** The lineage around `id`, with the expanded nodes' neighbourhoods merged in, laid out in layers. */
export function graphPage(reader: Reader, id: string, q: GraphQuery): GraphPage {
  const start = recordById(reader, id);
  const graph = reader.lineage(start, { direction: q.direction, depth: q.depth, maxNodes: q.maxNodes });
  for (const x of q.expand) {
    const rec = recordById(reader, x);
    const room = q.maxNodes - graph.nodes.length;
    if (room <= 0) {
      graph.truncated = true;
      break;
    }
    merge(graph, reader.lineage(rec, { direction: q.direction, depth: 2, maxNodes: room + 1 }));
  }
  const all = graphDetails(reader, graph);
  const details: GraphPage['details'] = {};
  for (const [nid, d] of all) details[nid] = { title: d.title, summary: d.summary, fields: d.fields };
  const t0 = performance.now();
  const layout = layered(graph, all);
  return { graph, details, layout, layoutMs: Math.round(performance.now() - t0) };
}

// Adds `more`'s nodes and edges to `graph`. A node stays marked as cut only where every traversal
// that reached it was cut there: an expanded node's neighbours are now drawn.
function merge(graph: LineageGraph, more: LineageGraph): void {
  const byId = new Map<string, LineageNode>(graph.nodes.map((n) => [n.id, n]));
  for (const n of more.nodes) {
    const had = byId.get(n.id);
    if (had) {
      if (had.truncated && !n.truncated) delete had.truncated;
    } else {
      const copy = { ...n };
      graph.nodes.push(copy);
      byId.set(n.id, copy);
    }
  }
  const seen = new Set(graph.edges.map((e) => `${e.from} ${e.to} ${e.type}`));
  for (const e of more.edges) {
    const k = `${e.from} ${e.to} ${e.type}`;
    if (!seen.has(k)) {
      seen.add(k);
      graph.edges.push(e);
    }
  }
  if (more.truncated) graph.truncated = true;
}

/** One page of the log. */
export interface LogPage {
  events: AuditEvent[];
  /** The seq to ask for next (`from`), when there is more. */
  next?: number;
}

/** Options of the log page: a seq to start from, a page size, event types and a time window. */
export interface LogQuery {
  from: number;
  limit: number;
  types?: EventType[];
  since?: string;
  until?: string;
}

/** A page of the events a reader sees, from a seq, of some types, within a time window. */
export async function logPage(reader: Reader, ledger: Ledger, q: LogQuery): Promise<LogPage> {
  let from = q.from;
  let to = reader.seq;
  if (q.since !== undefined) from = Math.max(from, seqBefore(ledger, time(q.since, 'since')) + 1);
  if (q.until !== undefined) to = Math.min(to, seqBefore(ledger, time(q.until, 'until') + 1));
  const events: AuditEvent[] = [];
  if (from > to) return { events };
  for await (const e of reader.events({ from, to, types: q.types })) {
    if (events.length === q.limit) return { events, next: e.seq };
    events.push(e);
  }
  return { events };
}

function time(s: string, name: string): number {
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new LineageError('INVALID_ARGUMENT', `${name} takes an ISO 8601 time, not ${JSON.stringify(s)}`);
  return t;
}

// The last seq strictly before time `t` (0 when there is none).
function seqBefore(ledger: Ledger, t: number): number {
  try {
    return ledger.asOf(new Date(t - 1)).seq;
  } catch (err) {
    if (err instanceof LineageError && err.code === 'OUT_OF_RANGE') return 0;
    throw err;
  }
}
