import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { LineageError } from '../errors.js';
import { validateInput } from '../events/catalog.js';
import type { EventInput, JsonValue, OpenLineageEventRecorded } from '../events/types.js';
import type { InlineBlob } from '../log/event-log.js';
import { newId } from '../ids.js';
import { Ledger } from '../ledger.js';
import { LIMITS } from '../limits.js';
import { suffixOf } from '../model/records.js';
import { cleanName, cleanParams } from '../model/sanitize.js';
import { View } from '../state/view.js';
import { LEDGER_FACET, type OpenLineageEventType } from './openlineage-model.js';
import { LARGE_FACET_BYTES, readRecords, recordOf, type SplitEvent, splitEvent } from './openlineage-records.js';
import { checkOpenLineage } from './openlineage-validate.js';
import { checkStandardFacets } from './standard-facets.js';
import { parseEventBytes, parseEventText } from './raw-facets.js';
import { derivedId, importedRunId } from './uuid.js';
import { sha256OfText } from '../util/sha256-text.js';
import { sha256Hex } from '../log/envelope.js';
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
  /** `INVALID_FACET` when a standard facet failed its own schema (the message names the event and the facet's path); absent for any other invalid line. */
  code?: 'INVALID_FACET';
}

/** A RunEvent refused because its runId already belongs to another job (never merged into that job's run). */
export interface RunJobConflict {
  line: number;
  runId: string;
  /** The job this event names, as `namespace/name`. */
  job: string;
  /** The job the run belongs to (in the ledger, or first in this input). */
  existingJob: string;
}

/** What `importOpenLineage()` did. */
export interface ImportReport {
  /** The id of the `openlineage.imported` event that records this import. */
  importId: string;
  /** Valid RunEvents read. */
  events: number;
  /** Valid events of another kind than RunEvent, JobEvent and DatasetEvent (none in 2-0-2): read, and not mapped. */
  ignored: number;
  /** JobEvents and DatasetEvents (static lineage) read. */
  staticEvents: number;
  /** Events already recorded (in the ledger or earlier in the input): idempotent, recorded once. */
  duplicates: number;
  /** RunEvents refused with RUN_JOB_CONFLICT. */
  conflicts: RunJobConflict[];
  /** Invalid lines, skipped. */
  skipped: SkippedLine[];
  /** Runs found in the input (distinct runIds). */
  runs: number;
  /** Records and edges this import added (`amended`: placeholder runs given their real start); all zero when everything was already known. */
  created: { transforms: number; runs: number; files: number; inputs: number; outputs: number; finished: number; amended: number };
  /** Lineage events appended (the import record itself not counted). */
  appended: number;
}

type Terminal = 'COMPLETE' | 'FAIL' | 'ABORT';
interface DatasetRef {
  namespace: string;
  name: string;
  version?: string;
  /** Other names of the same dataset (the `symlinks` facet). */
  symlinks?: { namespace: string; name: string }[];
  /** The file it is, once names and symlinks are resolved against the ledger. */
  id?: string;
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
  split: SplitEvent;
  digest: string;
  uuid: string;
  type: OpenLineageEventType;
  time: number;
  job: JobRef;
  parentUuid?: string;
  parentJob?: { namespace: string; name: string };
  name?: string;
  params?: { [key: string]: JsonValue };
  error?: string;
  inputs: DatasetRef[];
  outputs: DatasetRef[];
}
/** All events of one runId, merged whatever their order. */
interface MergedRun {
  uuid: string;
  /** The events merged into it, in input order, to be recorded verbatim. */
  events: Parsed[];
  /** The parent's job, from the parent facet (a placeholder is made of it when the parent is unknown). */
  parentJob?: { namespace: string; name: string };
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
  const read = readInput(input);
  const { values } = read;
  // Parsed events are hashed by their split digests (a 200 KB facet is not serialized again for it).
  const arrayDigest = read.digest === undefined ? createHash('sha256') : undefined;
  const skipped: SkippedLine[] = [];
  const parsed: Parsed[] = [];
  const statics: StaticEvent[] = [];
  let ignored = 0;
  for (const { line, value, error } of values) {
    if (error !== undefined) {
      arrayDigest?.update('\n');
      skipped.push({ line, message: error });
      continue;
    }
    // Large facets are split off first: validated as the base facet they are (the core schema does not
    // look inside a facet), and serialized and hashed once.
    const split = value !== null && typeof value === 'object' && !Array.isArray(value) ? splitEvent(value as { [key: string]: JsonValue }) : undefined;
    arrayDigest?.update(split ? split.digest : (JSON.stringify(value) ?? 'undefined')).update('\n');
    const checked = checkOpenLineage(split ? split.copy : value);
    // Standard facets against their own schemas, on the event itself (its copy holds stubs of large facets).
    const facet = checked.kind === 'invalid' || !split ? undefined : checkStandardFacets(value);
    if (checked.kind === 'invalid' || !split) skipped.push({ line, message: checked.kind === 'invalid' ? checked.message : '/ must be object' });
    else if (facet) skipped.push({ line, code: 'INVALID_FACET', message: `${eventName(value as RawStatic & Partial<RawEvent>)}: ${facet.message}` });
    else {
      try {
        if (checked.kind === 'run') parsed.push(parseRunEvent(line, value as RawEvent, split));
        else {
          const s = parseStatic(line, value as RawStatic, split);
          if (s) statics.push(s);
          else ignored++;
        }
      } catch (err) {
        skipped.push({ line, message: err instanceof Error ? err.message : String(err) });
      }
    }
  }
  const digest = read.digest ?? arrayDigest!.digest('hex');
  if (options.strict && skipped.length > 0) {
    const list = skipped.slice(0, 10).map((s) => `  line ${s.line}: ${s.message}`).join('\n');
    throw new LineageError('IMPORT_INVALID', `${skipped.length} invalid line(s); nothing was imported (strict):\n${list}${skipped.length > 10 ? '\n  …' : ''}`, { cause: skipped });
  }
  // One import at a time per ledger: two imports of the same events must not both create a record.
  const previous = locks.get(ledger) ?? Promise.resolve();
  const task = previous.catch(() => {}).then(async () => {
    const view = new View(ledger.projection);
    const known = await knownRuns(ledger, view, parsed, statics);
    const { accepted, conflicts, duplicates } = screen(parsed, known);
    const fresh = statics.filter((e) => !known.digests.has(e.digest) && (known.digests.add(e.digest), true));
    if (conflicts.length > 0 && (options.strict || (accepted.length === 0 && fresh.length === 0 && duplicates === 0))) {
      const c = conflicts[0]!;
      throw new LineageError('RUN_JOB_CONFLICT', `runId ${c.runId} belongs to job ${c.existingJob}; an event (line ${c.line}) names it with job ${c.job}: a runId is one run of one job, so nothing was merged${conflicts.length > 1 ? ` (${conflicts.length} such events)` : ''}`, { cause: conflicts });
    }
    const aliases = resolveDatasets(view, [...accepted.flatMap((e) => [e.inputs, e.outputs]), ...fresh.flatMap((e) => [e.inputs, e.outputs, e.dataset ? [e.dataset] : []])]);
    const runs = merge(accepted);
    const plan = planEvents(view, runs, fresh, aliases, known);
    const importId = newId();
    plan.events.push({ type: 'openlineage.imported', data: strip({ id: importId, source, digest, events: parsed.length + statics.length, skipped: skipped.length + conflicts.length, appended: plan.events.length }) });
    const versions = plan.events.map((e) => validateInput(e));
    await ledger.log.append(plan.events, versions, plan.blobs);
    const report: ImportReport = { importId, events: parsed.length, ignored, staticEvents: statics.length, duplicates: duplicates + statics.length - fresh.length, conflicts, skipped, runs: runs.length, created: plan.created, appended: plan.events.length - 1 };
    return report;
  });
  locks.set(ledger, task);
  return task;
}

// ── reading ────────────────────────────────────────────────────────────────

interface Read {
  values: { line: number; value?: unknown; error?: string }[];
  /** SHA-256 of the input's text (its UTF-8); undefined for parsed events. */
  digest?: string;
}

function readInput(input: string | Uint8Array | readonly unknown[]): Read {
  if (Array.isArray(input)) {
    const values = input.map((value, i) => ({ line: i + 1, value }));
    return { values };
  }
  if (input instanceof Uint8Array) {
    const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    // Bytes that are not UTF-8 are read as their decoded text (replacement characters and all), as before.
    return isUtf8(bytes) ? readBytes(bytes) : readText(bytes.toString('utf8'));
  }
  if (typeof input === 'string') return readText(input);
  throw new LineageError('INVALID_ARGUMENT', 'import input is JSONL text (string or bytes) or an array of events');
}

function readText(text: string): Read {
  const values: Read['values'] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, '');
    if (raw.trim() === '') continue;
    try {
      // Large facets whose text is what JSON.stringify writes are kept as that text, not parsed.
      values.push({ line: i + 1, value: parseEventText(raw) });
    } catch (err) {
      values.push({ line: i + 1, error: `not JSON: ${(err as Error).message}` });
    }
  }
  return { values, digest: sha256OfText(text) };
}

// A line that is only white space, as String#trim sees it: skipped.
const BLANK = Symbol('blank');
const parseLine = (text: string): unknown => (text.trim() === '' ? BLANK : JSON.parse(text));

/**
 * readText of the text whose UTF-8 is `bytes` (valid), line for line the same, without decoding the
 * whole: a long line is scanned as bytes and only what is left of it once its large facets are set
 * aside is decoded (parseEventBytes). Its digest is of the bytes themselves, as readText's of their text.
 */
function readBytes(bytes: Buffer): Read {
  const values: Read['values'] = [];
  for (let start = 0, line = 1; start <= bytes.length; line++) {
    const nl = bytes.indexOf(0x0a, start);
    const next = nl < 0 ? bytes.length : nl;
    const end = next > start && bytes[next - 1] === 0x0d ? next - 1 : next;
    try {
      const value = end - start <= LARGE_FACET_BYTES ? parseLine(bytes.toString('utf8', start, end)) : parseEventBytes(bytes.subarray(start, end), parseLine);
      if (value !== BLANK) values.push({ line, value });
    } catch (err) {
      values.push({ line, error: `not JSON: ${(err as Error).message}` });
    }
    start = next + 1;
  }
  return { values, digest: sha256Hex(bytes) };
}

type Facets = Record<string, Record<string, unknown> | undefined>;
interface RawDataset {
  namespace: string;
  name: string;
  facets?: Facets;
}
interface RawEvent {
  eventTime: string;
  producer?: string;
  eventType?: OpenLineageEventType;
  run: { runId: string; facets?: Facets };
  job: { namespace: string; name: string; facets?: Facets };
  inputs?: RawDataset[];
  outputs?: RawDataset[];
}

/** A JobEvent or DatasetEvent (2-0-2 static lineage: no run). */
interface RawStatic {
  eventTime: string;
  job?: RawEvent['job'];
  dataset?: RawDataset;
  inputs?: RawDataset[];
  outputs?: RawDataset[];
}
interface StaticEvent {
  line: number;
  split: SplitEvent;
  digest: string;
  job?: JobRef;
  dataset?: DatasetRef;
  inputs: DatasetRef[];
  outputs: DatasetRef[];
}

// How a message names an event: its run and job, or the job or dataset of a static event.
function eventName(e: RawStatic & Partial<RawEvent>): string {
  if (e.run) return `RunEvent ${e.run.runId} of job ${e.job?.namespace}/${e.job?.name}`;
  if (e.job) return `JobEvent of job ${e.job.namespace}/${e.job.name}`;
  return `DatasetEvent of dataset ${e.dataset?.namespace}/${e.dataset?.name}`;
}

function parseStatic(line: number, e: RawStatic, split: SplitEvent): StaticEvent | undefined {
  const digest = split.digest;
  if (e.job) return { line, split, digest, job: parseJob(e.job), inputs: (e.inputs ?? []).map(parseDataset), outputs: (e.outputs ?? []).map(parseDataset) };
  if (e.dataset) return { line, split, digest, dataset: parseDataset(e.dataset), inputs: [], outputs: [] };
  return undefined;
}

function parseRunEvent(line: number, e: RawEvent, split: SplitEvent): Parsed {
  const time = Date.parse(e.eventTime);
  // The ledger keeps times as four-digit-year ISO strings.
  if (Number.isNaN(time) || !/^\d{4}-/.test(new Date(time).toISOString())) throw new Error(`/eventTime ${e.eventTime} is not a time this importer can read (years 0000 to 9999)`);
  const rf = e.run.facets ?? {};
  const ours = rf[LEDGER_FACET.run];
  const parentUuid = str(rf.parent?.run && (rf.parent.run as { runId?: unknown }).runId);
  const pj = rf.parent?.job as { namespace?: unknown; name?: unknown } | undefined;
  const parentJob = str(pj?.namespace) && str(pj?.name) ? { namespace: cleanName(pj!.namespace as string, 'parent job namespace'), name: cleanName(pj!.name as string, 'parent job name') } : undefined;
  const error = str(rf.errorMessage?.message);
  const params = ours?.params !== undefined ? cleanParams(ours.params) : undefined;
  if (params !== undefined && Buffer.byteLength(JSON.stringify(params)) > LIMITS.paramsBytes) throw new Error(`run params exceed ${LIMITS.paramsBytes} bytes`);
  return {
    line,
    split,
    digest: split.digest,
    uuid: e.run.runId.toLowerCase(),
    type: e.eventType ?? 'OTHER',
    time,
    job: parseJob(e.job),
    parentUuid: parentUuid?.toLowerCase(),
    parentJob,
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
  const ids = f.symlinks?.identifiers;
  const symlinks = Array.isArray(ids)
    ? ids.filter((x): x is { namespace: string; name: string } => str((x as { namespace?: unknown })?.namespace) !== undefined && str((x as { name?: unknown })?.name) !== undefined).map((x) => ({ namespace: cleanName(x.namespace, 'symlink namespace'), name: cleanName(x.name, 'symlink name') }))
    : undefined;
  const size = f[LEDGER_FACET.file]?.size;
  return strip({
    namespace: cleanName(d.namespace, 'dataset namespace'),
    name: cleanName(d.name, 'dataset name'),
    version: version === undefined ? undefined : cleanName(version, 'dataset version'),
    symlinks: symlinks?.length ? symlinks : undefined,
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
    const run: MergedRun = { uuid, events: [...list].sort((a, b) => a.line - b.line), id: runIdOf(uuid), job: start.job, startedAt: new Date(start.time).toISOString(), start: start.time, line: Math.min(...list.map((e) => e.line)), inputs: [], outputs: [] };
    const inputs = new Map<string, DatasetRef>();
    const outputs = new Map<string, DatasetRef>();
    // Later events replace what earlier ones said (OpenLineage's rule for facets of the same name).
    for (const e of list) {
      if (e.parentUuid !== undefined) {
        run.parentUuid = e.parentUuid;
        run.parentJob = e.parentJob;
      }
      if (e.name !== undefined) run.name = e.name;
      if (e.params !== undefined) run.params = e.params;
      for (const d of e.inputs) inputs.set(fileKey(d), { ...inputs.get(fileKey(d)), ...d });
      for (const d of e.outputs) outputs.set(fileKey(d), { ...outputs.get(fileKey(d)), ...d });
      if (e.type === 'COMPLETE' || e.type === 'FAIL' || e.type === 'ABORT') {
        const error = e.type === 'ABORT' ? (e.error ?? 'aborted (OpenLineage ABORT)') : e.type === 'FAIL' ? e.error : undefined;
        run.terminal = strip({ type: e.type, at: new Date(e.time).toISOString(), error });
      }
    }
    // A run that reads and writes the same dataset (an incremental model, a MERGE) keeps both edges,
    // as OpenLineage says: traversal guards against the cycle. (Native load() keeps lamindb's rule.)
    run.inputs = [...inputs.values()];
    run.outputs = [...outputs.values()];
    runs.push(run);
  }
  // Runs that start in the same millisecond keep the order the producer wrote them in (our own
  // exports write them in creation order), so a round trip keeps that order too.
  return runs.sort((a, b) => a.start - b.start || a.line - b.line || (a.uuid < b.uuid ? -1 : 1));
}

function runIdOf(uuid: string): string {
  return importedRunId(uuid);
}
function jobName(j: { namespace: string; name: string }): string {
  return `${j.namespace}/${j.name}`;
}

/** What the ledger already holds about the runIds of the input: each run's job, and every recorded event's digest. */
interface Known {
  jobs: Map<string, string>;
  digests: Set<string>;
  /** Runs with OpenLineage events of their own recorded (a placeholder parent has none). */
  own: Set<string>;
  /** Runs whose START is recorded. */
  started: Set<string>;
}

async function knownRuns(ledger: Ledger, view: View, parsed: Parsed[], statics: StaticEvent[]): Promise<Known> {
  const known: Known = { jobs: new Map(), digests: new Set(), own: new Set(), started: new Set() };
  const p = view.projection;
  const seqs: number[] = [];
  for (const uuid of new Set(parsed.map((e) => e.uuid))) {
    const id = runIdOf(uuid);
    const run = view.run(id);
    if (!run) continue;
    const before = seqs.length;
    p.runFacets.seqs(p.runs.indexOf(id), view.watermark, seqs);
    // A run recorded before events were kept (or a placeholder): its transform's name is its job's.
    if (seqs.length === before) known.jobs.set(uuid, `?/${view.transform(run.transformId)?.name ?? ''}`);
  }
  // A JobEvent or DatasetEvent imported again is found among the events of its transform or file.
  for (const e of statics) {
    const [rel, i] = e.job ? [p.transformFacets, p.transforms.indexOf(transformId(e.job))] : [p.fileFacets, p.files.indexOf(fileId(e.dataset!))];
    if (i >= 0) rel.seqs(i, view.watermark, seqs);
  }
  // Only ids, types and digests are read here, never a facet: large facets stay in the store.
  for (const { data, event } of await readRecords(ledger.log, [...new Set(seqs)], () => false)) {
    known.digests.add(data.digest);
    if (data.kind !== 'run') continue;
    const job = event.job as { namespace: string; name: string };
    const uuid = String((event.run as { runId: string }).runId).toLowerCase();
    known.own.add(uuid);
    if (event.eventType === 'START') known.started.add(uuid);
    if (!known.jobs.has(uuid)) known.jobs.set(uuid, jobName(job));
  }
  return known;
}

/** Drops events already recorded, and refuses those whose runId belongs to another job. */
function screen(parsed: Parsed[], known: Known): { accepted: Parsed[]; conflicts: RunJobConflict[]; duplicates: number } {
  const accepted: Parsed[] = [];
  const conflicts: RunJobConflict[] = [];
  let duplicates = 0;
  for (const e of [...parsed].sort((a, b) => a.line - b.line)) {
    if (known.digests.has(e.digest)) {
      duplicates++;
      continue;
    }
    const job = jobName(e.job);
    const existing = known.jobs.get(e.uuid);
    const same = existing === undefined || existing === job || (existing.startsWith('?/') && existing.slice(2) === e.job.name);
    if (!same) {
      conflicts.push({ line: e.line, runId: e.uuid, job, existingJob: existing! });
      continue;
    }
    if (existing === undefined || existing.startsWith('?/')) known.jobs.set(e.uuid, job);
    known.digests.add(e.digest);
    accepted.push(e);
  }
  return { accepted, conflicts, duplicates };
}

function fileKey(d: DatasetRef): string {
  return fileId(d);
}
function fileId(d: DatasetRef): string {
  return d.id ?? derivedId('olf_', d.namespace, d.name, d.version ?? '');
}

interface AliasPlan {
  fileId: string;
  namespace: string;
  name: string;
}

/**
 * Resolves each dataset to its file through the `symlinks` facet: a dataset known by another name
 * (a Hive table and its storage path) is one file, whichever name came first. Returns the new names
 * to record (`file.aliased`). Datasets with a version keep their own identity.
 */
function resolveDatasets(view: View, lists: DatasetRef[][]): AliasPlan[] {
  const key = (ns: string, name: string) => `${ns}\u0000${name}`;
  const seen = new Map<string, string>();
  const plans: AliasPlan[] = [];
  const planned = new Set<string>();
  const lookup = (ns: string, name: string): string | undefined => {
    const k = key(ns, name);
    if (seen.has(k)) return seen.get(k);
    const aliased = view.fileAliased(ns, name);
    if (aliased) return aliased;
    const own = derivedId('olf_', ns, name, '');
    return view.file(own) ? own : undefined;
  };
  for (const list of lists) {
    for (const d of list) {
      if (d.version !== undefined) continue;
      const names = [{ namespace: d.namespace, name: d.name }, ...(d.symlinks ?? [])];
      let id: string | undefined;
      for (const n of names) if ((id = lookup(n.namespace, n.name))) break;
      id ??= derivedId('olf_', d.namespace, d.name, '');
      d.id = id;
      for (const n of names) {
        const k = key(n.namespace, n.name);
        if (seen.get(k) === id) continue;
        seen.set(k, id);
        // A file's own name needs no alias; a name already aliased to it neither.
        if (derivedId('olf_', n.namespace, n.name, '') === id || view.fileAliased(n.namespace, n.name) === id || planned.has(`${id}\u0000${k}`)) continue;
        planned.add(`${id}\u0000${k}`);
        plans.push({ fileId: id, ...n });
      }
    }
  }
  return plans;
}
function transformId(j: JobRef): string {
  return derivedId('olt_', j.namespace, j.name, j.version);
}

// ── planning ───────────────────────────────────────────────────────────────

/** The events that add what the ledger does not know yet, in an order the projection accepts, then each OpenLineage event recorded verbatim. */
function planEvents(view: View, runs: MergedRun[], statics: StaticEvent[], aliases: AliasPlan[], recorded: Known): { events: EventInput[]; blobs: InlineBlob[]; created: ImportReport['created'] } {
  const events: EventInput[] = [];
  const created = { transforms: 0, runs: 0, files: 0, inputs: 0, outputs: 0, finished: 0, amended: 0 };
  const known = new Set<string>();
  const has = (kind: 'transform' | 'run' | 'file', id: string) =>
    known.has(id) || (kind === 'transform' ? view.transform(id) : kind === 'run' ? view.run(id) : view.file(id)) !== undefined;
  const edges = new Set<string>();

  const registerJob = (j: JobRef) => {
    const tid = transformId(j);
    if (has('transform', tid)) return;
    known.add(tid);
    created.transforms++;
    events.push({ type: 'openlineage.linked', data: { kind: 'transform', id: tid, namespace: j.namespace, name: j.name, version: j.version } });
    events.push({ type: 'transform.registered', data: strip({ id: tid, name: j.name, version: j.version, type: j.type, reference: j.reference, hash: j.hash }) });
  };
  for (const run of runs) registerJob(run.job);

  // Each link comes before its entity's event, so that a reader of the log (the forwarder) knows the
  // entity's OpenLineage identity when it meets the entity.
  // Parents before their children, so that a child's parentRunId names a run that exists.
  const byUuid = new Map(runs.map((r) => [r.uuid, r]));
  const started = new Set<string>();
  const link = (id: string, job: { namespace: string; name: string }, uuid: string, placeholder?: true) =>
    events.push({ type: 'openlineage.linked', data: strip({ kind: 'run' as const, id, namespace: job.namespace, name: job.name, runUuid: uuid, placeholder }) });
  const startRun = (run: MergedRun) => {
    if (started.has(run.uuid)) return;
    started.add(run.uuid);
    const parent = run.parentUuid === undefined || run.parentUuid === run.uuid ? undefined : byUuid.get(run.parentUuid);
    if (parent) startRun(parent);
    const parentId = run.parentUuid === undefined || run.parentUuid === run.uuid ? undefined : runIdOf(run.parentUuid);
    // A parent known only from its child's parent facet: a placeholder run of the parent's job, which
    // its own events fill in (finish, facets, edges) when they arrive.
    if (parentId && !parent && !has('run', parentId) && run.parentJob) {
      const job: JobRef = { ...run.parentJob, version: '1', type: 'pipeline' };
      registerJob(job);
      known.add(parentId);
      created.runs++;
      link(parentId, job, run.parentUuid!, true);
      events.push({ type: 'run.started', data: { id: parentId, transformId: transformId(job), startedAt: run.startedAt } });
    }
    if (has('run', run.id)) return;
    known.add(run.id);
    created.runs++;
    link(run.id, run.job, run.uuid);
    events.push({
      type: 'run.started',
      data: strip({ id: run.id, transformId: transformId(run.job), name: run.name, params: run.params, parentRunId: parentId && has('run', parentId) ? parentId : undefined, startedAt: run.startedAt }),
    });
  };
  for (const run of runs) startRun(run);
  // A run recorded before its own START (a placeholder parent, started at its child's time): its real
  // start, from its START or else its first own event, is a new version of it (never an edit). A
  // later START still corrects a start taken from another event; nothing else moves a START's time.
  // A placeholder was given its job at version '1' (a parent facet names no version): its own first
  // events move it to the job at the version they name, as the same amendment.
  const moved = new Map<string, string>();
  for (const run of runs) {
    const existing = view.run(run.id);
    if (!existing) continue;
    const tid = transformId(run.job);
    const move = !recorded.own.has(run.uuid) && existing.transformId !== tid && view.transform(existing.transformId)?.version === '1';
    if (existing.startedAt === run.startedAt && !move) continue;
    if (!move && recorded.own.has(run.uuid) && (recorded.started.has(run.uuid) || !run.events.some((e) => e.type === 'START'))) continue;
    created.amended++;
    if (move) moved.set(run.id, tid);
    events.push({ type: 'run.amended', data: strip({ runId: run.id, startedAt: run.startedAt, transformId: move ? tid : undefined }) });
  }

  const ensureFile = (d: DatasetRef, runId: string | undefined): boolean => {
    const id = fileId(d);
    if (has('file', id)) return false;
    known.add(id);
    created.files++;
    events.push({ type: 'openlineage.linked', data: strip({ kind: 'file' as const, id, namespace: d.namespace, name: d.name, version: d.version }) });
    events.push({ type: 'file.created', data: strip({ id, name: d.name, suffix: suffixOf(d.name), size: d.size, runId }) });
    return true;
  };
  // Outputs first, so that a dataset gets the run that wrote it as its creator even when a reader came earlier.
  // Of writers that started in the same millisecond, the creator is the first by runId, not by input
  // line: the same events in any order give the same creator.
  const writers = [...runs].sort((a, b) => a.start - b.start || (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0));
  for (const run of writers) {
    for (const d of run.outputs) {
      const id = fileId(d);
      if (ensureFile(d, run.id)) {
        // created by this run
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
      ensureFile(d, undefined);
      if (edges.has(`i${run.id}/${id}`) || view.isInputOf(id, run.id)) continue;
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
  for (const e of statics) {
    if (e.job) registerJob(e.job);
    for (const d of [...e.inputs, ...e.outputs]) ensureFile(d, undefined);
    if (e.dataset) ensureFile(e.dataset, undefined);
  }

  for (const a of aliases) events.push({ type: 'file.aliased', data: a });

  // Every event kept whole (each facet verbatim), after the entities it names exist.
  const blobs = new Map<string, InlineBlob>();
  const record = (split: SplitEvent, fields: Omit<OpenLineageEventRecorded, 'event' | 'blobs' | 'digest'>) => {
    for (const b of split.blobs) blobs.set(b.key, b);
    events.push({ type: 'openlineage.event', data: recordOf(split, strip(fields)) });
  };
  for (const run of runs) {
    const tid = moved.get(run.id) ?? view.run(run.id)?.transformId ?? transformId(run.job);
    for (const e of run.events) record(e.split, { kind: 'run', runId: run.id, transformId: tid, inputIds: ids(e.inputs), outputIds: ids(e.outputs) });
  }
  for (const e of statics) {
    if (e.job) record(e.split, { kind: 'job', transformId: transformId(e.job), inputIds: ids(e.inputs), outputIds: ids(e.outputs) });
    else record(e.split, { kind: 'dataset', datasetId: fileId(e.dataset!) });
  }
  return { events, blobs: [...blobs.values()], created };
}

function ids(list: DatasetRef[]): string[] | undefined {
  return list.length === 0 ? undefined : list.map(fileId);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}
