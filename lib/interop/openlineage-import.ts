import { createHash } from 'node:crypto';
import { LineageError } from '../errors.js';
import { validateInput } from '../events/catalog.js';
import type { EventInput, JsonValue } from '../events/types.js';
import { newId } from '../ids.js';
import { Ledger } from '../ledger.js';
import { LIMITS } from '../limits.js';
import { suffixOf } from '../model/records.js';
import { cleanName, cleanParams } from '../model/sanitize.js';
import { View } from '../state/view.js';
import { LEDGER_FACET, type OpenLineageEventType } from './openlineage-model.js';
import { checkOpenLineage } from './openlineage-validate.js';
import { derivedId } from './uuid.js';
import { strip } from '../util/strip.js';

/** Options of `importOpenLineage()`. */
export interface ImportOptions {
  /** Reject the whole import when any line is invalid (default: skip invalid lines and report them). */
  strict?: boolean;
  /** Where the events came from (a file name), recorded with the import. */
  source?: string;
}

/** An input line that was not imported, and why. */
export interface SkippedLine {
  line: number;
  message: string;
}

/** What `importOpenLineage()` did. */
export interface ImportReport {
  /** The id of the `openlineage.imported` event that records this import. */
  importId: string;
  /** Valid RunEvents read. */
  events: number;
  /** Valid events that are not RunEvents (JobEvent, DatasetEvent): read, and not mapped. */
  ignored: number;
  /** Invalid lines, skipped. */
  skipped: SkippedLine[];
  /** Runs found in the input (distinct runIds). */
  runs: number;
  /** Records and edges this import added; all zero when everything was already known. */
  created: { transforms: number; runs: number; files: number; inputs: number; outputs: number; finished: number };
  /** Lineage events appended (the import record itself not counted). */
  appended: number;
}

type Terminal = 'COMPLETE' | 'FAIL' | 'ABORT';
interface DatasetRef {
  namespace: string;
  name: string;
  version?: string;
  size?: number;
}
interface JobRef {
  namespace: string;
  name: string;
  version: string;
  type: 'pipeline' | 'notebook' | 'script' | 'function';
  reference?: string;
  hash?: string;
}
/** One valid RunEvent, reduced to what lineage-ledger keeps. */
interface Parsed {
  line: number;
  uuid: string;
  type: OpenLineageEventType;
  time: number;
  job: JobRef;
  parentUuid?: string;
  name?: string;
  params?: { [key: string]: JsonValue };
  error?: string;
  inputs: DatasetRef[];
  outputs: DatasetRef[];
}
/** All events of one runId, merged whatever their order. */
interface MergedRun {
  uuid: string;
  id: string;
  job: JobRef;
  startedAt: string;
  start: number;
  /** Where its first event stands in the input: ties in start time keep the producer's order. */
  line: number;
  parentUuid?: string;
  name?: string;
  params?: { [key: string]: JsonValue };
  terminal?: { type: Terminal; at: string; error?: string };
  inputs: DatasetRef[];
  outputs: DatasetRef[];
}

const TYPES = ['pipeline', 'notebook', 'script', 'function'] as const;
const ORDER: Record<OpenLineageEventType, number> = { START: 0, RUNNING: 1, OTHER: 2, COMPLETE: 3, FAIL: 3, ABORT: 3 };
const locks = new WeakMap<Ledger, Promise<unknown>>();

/**
 * Imports OpenLineage events (JSONL text, or parsed events): merged per runId whatever their order,
 * into transforms (jobs), runs and files (datasets, without stored content). Ids derive from the
 * OpenLineage ids, so importing the same events again adds nothing. Everything is validated and
 * planned first, then appended in one atomic batch with an `openlineage.imported` record.
 */
export async function importOpenLineage(ledger: Ledger, input: string | Uint8Array | readonly unknown[], options: ImportOptions = {}): Promise<ImportReport> {
  if (!(ledger instanceof Ledger)) throw new LineageError('INVALID_ARGUMENT', 'importOpenLineage() takes an open Ledger');
  if (options === null || typeof options !== 'object') throw new LineageError('INVALID_ARGUMENT', 'import options must be an object');
  const source = options.source === undefined ? undefined : cleanName(options.source, 'import source');
  const { values, digest } = readInput(input);
  const skipped: SkippedLine[] = [];
  const parsed: Parsed[] = [];
  let ignored = 0;
  for (const { line, value, error } of values) {
    if (error !== undefined) {
      skipped.push({ line, message: error });
      continue;
    }
    const checked = checkOpenLineage(value);
    if (checked.kind === 'invalid') skipped.push({ line, message: checked.message });
    else if (checked.kind === 'other') ignored++;
    else {
      try {
        parsed.push(parseRunEvent(line, value as RawEvent));
      } catch (err) {
        skipped.push({ line, message: err instanceof Error ? err.message : String(err) });
      }
    }
  }
  if (options.strict && skipped.length > 0) {
    const list = skipped.slice(0, 10).map((s) => `  line ${s.line}: ${s.message}`).join('\n');
    throw new LineageError('IMPORT_INVALID', `${skipped.length} invalid line(s); nothing was imported (strict):\n${list}${skipped.length > 10 ? '\n  …' : ''}`, { cause: skipped });
  }
  const runs = merge(parsed);
  // One import at a time per ledger: two imports of the same events must not both create a record.
  const previous = locks.get(ledger) ?? Promise.resolve();
  const task = previous.catch(() => {}).then(async () => {
    const view = new View(ledger.projection);
    const plan = planEvents(view, runs);
    const importId = newId();
    plan.events.push({ type: 'openlineage.imported', data: strip({ id: importId, source, digest, events: parsed.length, skipped: skipped.length, appended: plan.events.length }) });
    const versions = plan.events.map((e) => validateInput(e));
    await ledger.log.append(plan.events, versions);
    const report: ImportReport = { importId, events: parsed.length, ignored, skipped, runs: runs.length, created: plan.created, appended: plan.events.length - 1 };
    return report;
  });
  locks.set(ledger, task);
  return task;
}

// ── reading ────────────────────────────────────────────────────────────────

function readInput(input: string | Uint8Array | readonly unknown[]): { values: { line: number; value?: unknown; error?: string }[]; digest: string } {
  if (Array.isArray(input)) {
    const values = input.map((value, i) => ({ line: i + 1, value }));
    return { values, digest: createHash('sha256').update(JSON.stringify(input)).digest('hex') };
  }
  let text: string;
  if (typeof input === 'string') text = input;
  else if (input instanceof Uint8Array) text = Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
  else throw new LineageError('INVALID_ARGUMENT', 'import input is JSONL text (string or bytes) or an array of events');
  const values: { line: number; value?: unknown; error?: string }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, '');
    if (raw.trim() === '') continue;
    try {
      values.push({ line: i + 1, value: JSON.parse(raw) });
    } catch (err) {
      values.push({ line: i + 1, error: `not JSON: ${(err as Error).message}` });
    }
  }
  return { values, digest: createHash('sha256').update(text).digest('hex') };
}

type Facets = Record<string, Record<string, unknown> | undefined>;
interface RawDataset {
  namespace: string;
  name: string;
  facets?: Facets;
}
interface RawEvent {
  eventTime: string;
  eventType?: OpenLineageEventType;
  run: { runId: string; facets?: Facets };
  job: { namespace: string; name: string; facets?: Facets };
  inputs?: RawDataset[];
  outputs?: RawDataset[];
}

function parseRunEvent(line: number, e: RawEvent): Parsed {
  const time = Date.parse(e.eventTime);
  // The ledger keeps times as four-digit-year ISO strings.
  if (Number.isNaN(time) || !/^\d{4}-/.test(new Date(time).toISOString())) throw new Error(`/eventTime ${e.eventTime} is not a time this importer can read (years 0000 to 9999)`);
  const rf = e.run.facets ?? {};
  const ours = rf[LEDGER_FACET.run];
  const parentUuid = str(rf.parent?.run && (rf.parent.run as { runId?: unknown }).runId);
  const error = str(rf.errorMessage?.message);
  const params = ours?.params !== undefined ? cleanParams(ours.params) : undefined;
  if (params !== undefined && Buffer.byteLength(JSON.stringify(params)) > LIMITS.paramsBytes) throw new Error(`run params exceed ${LIMITS.paramsBytes} bytes`);
  return {
    line,
    uuid: e.run.runId.toLowerCase(),
    type: e.eventType ?? 'OTHER',
    time,
    job: parseJob(e.job),
    parentUuid: parentUuid?.toLowerCase(),
    name: ours?.name === undefined ? undefined : cleanName(ours.name, 'run name'),
    params,
    error: error === undefined ? undefined : error.slice(0, LIMITS.errorLength),
    inputs: (e.inputs ?? []).map(parseDataset),
    outputs: (e.outputs ?? []).map(parseDataset),
  };
}

function parseJob(job: RawEvent['job']): JobRef {
  const f = job.facets ?? {};
  const ours = f[LEDGER_FACET.transform];
  const code = f.sourceCodeLocation;
  const type = str(ours?.type) ?? '';
  const hash = str(ours?.hash);
  const version = str(ours?.version) ?? str(code?.version) ?? '1';
  return strip({
    namespace: cleanName(job.namespace, 'job namespace'),
    name: cleanName(job.name, 'job name'),
    version: cleanName(version, 'job version', 256),
    type: (TYPES as readonly string[]).includes(type) ? (type as JobRef['type']) : 'pipeline',
    reference: ours?.reference !== undefined ? cleanName(ours.reference, 'job reference') : str(code?.url) === undefined ? undefined : cleanName(code!.url, 'source code url'),
    hash: hash && /^[0-9a-f]{64}$/.test(hash) ? hash : undefined,
  });
}

function parseDataset(d: RawDataset): DatasetRef {
  const f = d.facets ?? {};
  const version = str(f.version?.datasetVersion);
  const size = f[LEDGER_FACET.file]?.size;
  return strip({
    namespace: cleanName(d.namespace, 'dataset namespace'),
    name: cleanName(d.name, 'dataset name'),
    version: version === undefined ? undefined : cleanName(version, 'dataset version'),
    size: typeof size === 'number' && Number.isSafeInteger(size) && size >= 0 ? size : undefined,
  });
}

// ── merging ────────────────────────────────────────────────────────────────

/** Merges the events of each runId: the earliest START starts it, the last terminal event ends it, datasets are the union. */
function merge(events: Parsed[]): MergedRun[] {
  const byRun = new Map<string, Parsed[]>();
  for (const e of events) {
    const list = byRun.get(e.uuid);
    if (list) list.push(e);
    else byRun.set(e.uuid, [e]);
  }
  const runs: MergedRun[] = [];
  for (const [uuid, list] of byRun) {
    list.sort((a, b) => a.time - b.time || ORDER[a.type] - ORDER[b.type] || a.line - b.line);
    const start = list.find((e) => e.type === 'START') ?? list[0]!;
    const run: MergedRun = { uuid, id: `olr_${uuid.replace(/-/g, '')}`, job: start.job, startedAt: new Date(start.time).toISOString(), start: start.time, line: Math.min(...list.map((e) => e.line)), inputs: [], outputs: [] };
    const inputs = new Map<string, DatasetRef>();
    const outputs = new Map<string, DatasetRef>();
    // Later events replace what earlier ones said (OpenLineage's rule for facets of the same name).
    for (const e of list) {
      if (e.parentUuid !== undefined) run.parentUuid = e.parentUuid;
      if (e.name !== undefined) run.name = e.name;
      if (e.params !== undefined) run.params = e.params;
      for (const d of e.inputs) inputs.set(fileKey(d), { ...inputs.get(fileKey(d)), ...d });
      for (const d of e.outputs) outputs.set(fileKey(d), { ...outputs.get(fileKey(d)), ...d });
      if (e.type === 'COMPLETE' || e.type === 'FAIL' || e.type === 'ABORT') {
        const error = e.type === 'ABORT' ? (e.error ?? 'aborted (OpenLineage ABORT)') : e.type === 'FAIL' ? e.error : undefined;
        run.terminal = strip({ type: e.type, at: new Date(e.time).toISOString(), error });
      }
    }
    // A run that reads and writes the same dataset (same version) records the write only: the graph stays acyclic.
    for (const k of outputs.keys()) inputs.delete(k);
    run.inputs = [...inputs.values()];
    run.outputs = [...outputs.values()];
    runs.push(run);
  }
  // Runs that start in the same millisecond keep the order the producer wrote them in (our own
  // exports write them in creation order), so a round trip keeps that order too.
  return runs.sort((a, b) => a.start - b.start || a.line - b.line || (a.uuid < b.uuid ? -1 : 1));
}

function fileKey(d: DatasetRef): string {
  return `${d.namespace}\u0000${d.name}\u0000${d.version ?? ''}`;
}
function fileId(d: DatasetRef): string {
  return derivedId('olf_', d.namespace, d.name, d.version ?? '');
}
function transformId(j: JobRef): string {
  return derivedId('olt_', j.namespace, j.name, j.version);
}

// ── planning ───────────────────────────────────────────────────────────────

/** The events that add what the ledger does not know yet, in an order the projection accepts. */
function planEvents(view: View, runs: MergedRun[]): { events: EventInput[]; created: ImportReport['created'] } {
  const events: EventInput[] = [];
  const created = { transforms: 0, runs: 0, files: 0, inputs: 0, outputs: 0, finished: 0 };
  const known = new Set<string>();
  const has = (kind: 'transform' | 'run' | 'file', id: string) =>
    known.has(id) || (kind === 'transform' ? view.transform(id) : kind === 'run' ? view.run(id) : view.file(id)) !== undefined;
  const edges = new Set<string>();

  for (const run of runs) {
    const tid = transformId(run.job);
    if (has('transform', tid)) continue;
    known.add(tid);
    created.transforms++;
    const j = run.job;
    events.push({ type: 'openlineage.linked', data: { kind: 'transform', id: tid, namespace: j.namespace, name: j.name, version: j.version } });
    events.push({ type: 'transform.registered', data: strip({ id: tid, name: j.name, version: j.version, type: j.type, reference: j.reference, hash: j.hash }) });
  }

  // Each link comes before its entity's event, so that a reader of the log (the forwarder) knows the
  // entity's OpenLineage identity when it meets the entity.
  // Parents before their children, so that a child's parentRunId names a run that exists.
  const byUuid = new Map(runs.map((r) => [r.uuid, r]));
  const started = new Set<string>();
  const startRun = (run: MergedRun) => {
    if (started.has(run.uuid)) return;
    started.add(run.uuid);
    const parent = run.parentUuid === undefined ? undefined : byUuid.get(run.parentUuid);
    if (parent) startRun(parent);
    if (has('run', run.id)) return;
    const parentId = run.parentUuid === undefined || run.parentUuid === run.uuid ? undefined : `olr_${run.parentUuid.replace(/-/g, '')}`;
    known.add(run.id);
    created.runs++;
    events.push({ type: 'openlineage.linked', data: { kind: 'run', id: run.id, namespace: run.job.namespace, name: run.job.name, runUuid: run.uuid } });
    events.push({
      type: 'run.started',
      data: strip({ id: run.id, transformId: transformId(run.job), name: run.name, params: run.params, parentRunId: parentId && has('run', parentId) ? parentId : undefined, startedAt: run.startedAt }),
    });
  };
  for (const run of runs) startRun(run);

  const createFile = (d: DatasetRef, runId: string | undefined) => {
    const id = fileId(d);
    known.add(id);
    created.files++;
    events.push({ type: 'openlineage.linked', data: strip({ kind: 'file' as const, id, namespace: d.namespace, name: d.name, version: d.version }) });
    events.push({ type: 'file.created', data: strip({ id, name: d.name, suffix: suffixOf(d.name), size: d.size, runId }) });
  };
  // Outputs first, so that a dataset gets the run that wrote it as its creator even when a reader came earlier.
  for (const run of runs) {
    for (const d of run.outputs) {
      const id = fileId(d);
      if (!has('file', id)) {
        createFile(d, run.id);
      } else if (!edges.has(`o${run.id}/${id}`) && !view.isOutputOf(id, run.id) && view.file(id)?.runId !== run.id) {
        events.push({ type: 'file.recreated', data: { fileId: id, runId: run.id } });
      } else continue;
      edges.add(`o${run.id}/${id}`);
      created.outputs++;
    }
  }
  for (const run of runs) {
    for (const d of run.inputs) {
      const id = fileId(d);
      if (!has('file', id)) createFile(d, undefined);
      if (edges.has(`o${run.id}/${id}`) || edges.has(`i${run.id}/${id}`) || view.isOutputOf(id, run.id) || view.isInputOf(id, run.id)) continue;
      edges.add(`i${run.id}/${id}`);
      created.inputs++;
      events.push({ type: 'file.loaded_as_input', data: { fileId: id, runId: run.id } });
    }
  }
  for (const run of runs) {
    if (!run.terminal) continue;
    const existing = view.run(run.id);
    if (existing && existing.status !== 'started') continue;
    created.finished++;
    const status = run.terminal.type === 'COMPLETE' ? ('completed' as const) : ('failed' as const);
    events.push({ type: 'run.finished', data: strip({ runId: run.id, status, error: run.terminal.error, finishedAt: run.terminal.at }) });
  }
  return { events, created };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}
