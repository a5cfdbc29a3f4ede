import { File, type LineageRecord, Run, Transform } from '../model/records.js';
import type { LineageGraph, NodeKind } from '../query/lineage.js';
import type { Reader } from '../reader.js';
import { formatBytes, formatDuration, formatTime, shortHash } from './format.js';

/** What the pictures say about one node beyond its label: a one-line summary and the fields shown on hover or click. */
export interface NodeDetails {
  id: string;
  kind: NodeKind;
  /** The node's name, to follow its kind: (file) `output.bam`, (run) `kOtQ7T31oJg7IQSH of Cell Ranger v7`, (transform) `Cell Ranger v7`. */
  title: string;
  /** One line: a file's size and hash, a run's status and times, a transform's type. */
  summary: string;
  /** The few short lines drawn under the title inside a node of a picture. */
  caption: string[];
  /** Label and value pairs, in display order. */
  fields: [string, string][];
}

/** Details of every node of a graph, by id. */
export type GraphDetails = ReadonlyMap<string, NodeDetails>;

/** Reads the details of each node of `graph` from the reader the graph was computed on (a ledger or a snapshot). */
export function graphDetails(reader: Reader, graph: LineageGraph): GraphDetails {
  const out = new Map<string, NodeDetails>();
  for (const n of graph.nodes) {
    const model = n.kind === 'file' ? File : n.kind === 'run' ? Run : Transform;
    const record = reader.select(model, { id: n.id }).first();
    if (record) out.set(n.id, recordDetails(record));
  }
  return out;
}

/** The details of one saved record. */
export function recordDetails(record: LineageRecord): NodeDetails {
  return record instanceof File ? fileDetails(record) : record instanceof Run ? runDetails(record) : transformDetails(record);
}

/** The one-line summary of a run: `completed in 2 ms, started 2026-11-27 02:24:17Z`. */
export function runSummary(run: Run): string {
  const started = run.startedAt;
  const finished = run.finishedAt;
  const took = started && finished ? (finished < started ? ` (${skew(started, finished)})` : ` in ${formatDuration(finished.getTime() - started.getTime())}`) : '';
  const status = run.status ?? 'unknown';
  return status === 'started' ? `started ${formatTime(started)}, not finished` : `${status}${took}, started ${formatTime(started)}`;
}

/** An end stamped before its start (clocks of two hosts disagree): said as such, never as a negative duration. */
function skew(started: Date, finished: Date): string {
  return `clock skew: its end is stamped ${formatDuration(started.getTime() - finished.getTime())} before its start`;
}

/** `Cell Ranger v7`: a transform's name with its version. */
export function transformTitle(t: Transform): string {
  return t.version ? `${t.name} v${t.version}` : t.name;
}

function fileDetails(f: File): NodeDetails {
  const id = f.id;
  const run = f.run;
  const fields: [string, string][] = [
    ['id', f.id],
    ['name', f.name],
    ['size', f.size === undefined ? '-' : `${formatBytes(f.size)} (${f.size} bytes)`],
    ['hash', f.hash === undefined ? '-' : `sha256:${f.hash}`],
    ['stored', storedText(f)],
    ['created', formatTime(f.createdAt)],
  ];
  if (f.key !== undefined) fields.push(['key', f.key]);
  const versions = f.versions;
  if (versions.length > 1) fields.push(['version', `${versions.findIndex((v) => v.id === f.id) + 1} of ${versions.length}${f.isLatest ? ' (latest)' : ''}; versions: ${versions.map((v) => v.id).join(', ')}`]);
  lifecycleFields(f, fields);
  if (run) fields.push(['produced by', `run ${run.id} of ${transformTitle(run.transform)}`]);
  const readers = f.inputOf;
  if (readers.length) fields.push(['input of', readers.map((r) => `run ${r.id}`).join(', ')]);
  const size = f.size === undefined ? '' : formatBytes(f.size);
  const summary = `${size ? `${size}, ` : ''}sha256 ${shortHash(f.hash)}`;
  return withLabels(f, { id, kind: 'file', title: f.name, summary, caption: size ? [size] : [], fields });
}

function runDetails(r: Run): NodeDetails {
  const id = r.id;
  const t = r.transform;
  const fields: [string, string][] = [
    ['id', r.id],
    ['transform', `${transformTitle(t)} (${t.type})`],
    ['status', r.status ?? '-'],
    ['started', formatTime(r.startedAt)],
    ['finished', formatTime(r.finishedAt)],
  ];
  if (r.startedAt && r.finishedAt) fields.push(['duration', r.finishedAt < r.startedAt ? skew(r.startedAt, r.finishedAt) : formatDuration(r.finishedAt.getTime() - r.startedAt.getTime())]);
  if (r.name !== undefined) fields.push(['name', r.name]);
  if (r.params !== undefined) fields.push(['params', JSON.stringify(r.params)]);
  if (r.parent) fields.push(['parent run', r.parent.id]);
  if (r.error !== undefined) fields.push(['error', r.error]);
  lifecycleFields(r, fields);
  if (r.reference !== undefined) fields.push(['reference', r.referenceType === undefined ? r.reference : `${r.reference} (${r.referenceType})`]);
  const title = `${r.name ?? r.id} of ${transformTitle(t)}`;
  const summary = runSummary(r);
  return withLabels(r, { id, kind: 'run', title, summary, caption: summary.split(', '), fields });
}

function transformDetails(t: Transform): NodeDetails {
  const id = t.id;
  const fields: [string, string][] = [
    ['id', t.id],
    ['name', t.name],
    ['version', t.version ?? '-'],
    ['type', t.type],
  ];
  if (t.reference !== undefined) fields.push(['reference', t.reference]);
  if (t.hash !== undefined) fields.push(['source hash', `sha256:${t.hash}`]);
  fields.push(['created', formatTime(t.createdAt)]);
  if (t.revises) fields.push(['revises', t.revises.id]);
  fields.push(['runs', String(t.runs.length)]);
  lifecycleFields(t, fields);
  if (t.hasSource) fields.push(['source', 'stored in the ledger (lineage show --source)']);
  return withLabels(t, { id, kind: 'transform', title: transformTitle(t), summary: t.type, caption: [t.type], fields });
}

// The most characters of labels a node's caption shows; the details list them all.
const LABEL_CAPTION = 40;

/** Adds a record's labels to its details: a field with all of them, and a caption line (shortened) for the pictures. */
function withLabels(record: LineageRecord, d: NodeDetails): NodeDetails {
  const labels = record.labels.all();
  if (labels.length === 0) return d;
  const line = labels.map((l) => `#${l}`).join(' ');
  d.fields.push(['labels', labels.join(', ')]);
  d.caption.push(line.length > LABEL_CAPTION ? `${line.slice(0, LABEL_CAPTION - 1)}…` : line);
  return d;
}

/** Whether a file's content is stored, erased (when, by whom) or was never stored. */
function storedText(f: File): string {
  const e = f.erased;
  if (e) return `erased ${formatTime(e.at)} by ${e.by.user ? `${e.by.user}@` : ''}${e.by.hostname}`;
  return f.storageKey === undefined ? 'no (lineage only)' : 'yes';
}

/** A record's description and trash state, as detail rows. */
function lifecycleFields(r: File | Run | Transform, fields: [string, string][]): void {
  if (r.description !== undefined) fields.push(['description', r.description]);
  if (r.trashed) fields.push(['trash', r instanceof File && r.erased ? 'in the trash, for good: its content was erased' : 'in the trash (`lineage restore` brings it back)']);
}
