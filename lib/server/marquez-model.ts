import { LineageError } from '../errors.js';
import type { EventBuilder } from '../interop/openlineage-events.js';
import { terminalType } from '../interop/openlineage-events.js';
import type { OpenLineageFacets } from '../interop/openlineage-model.js';
import type { FileRow, RunRow, TransformRow } from '../state/rows.js';
import type { View } from '../state/view.js';
import type { Identities, OlName } from './identities.js';
import type { DeclaredIds } from '../interop/facets.js';
import type { EventSource } from '../log/source.js';
import { describedBy, lifecycle, recordedJob, recordedRuns, type RecordedRun, schemaFields } from './marquez-records.js';

// The shapes of Marquez's API (marquez.service.models: Namespace, Job, JobData, Run, Dataset,
// DatasetData), field for field, so that Marquez's web UI and clients read them unchanged.

/** `{ namespace, name }`: Marquez's JobId and DatasetId. */
export type MarquezId = OlName;
/** A dataset version as a run sees it (Marquez's InputDatasetVersion / OutputDatasetVersion). */
export interface MarquezDatasetVersion {
  datasetVersionId: { namespace: string; name: string; version: string };
  facets: OpenLineageFacets;
}
/** Marquez's Run. */
export interface MarquezRun {
  id: string;
  createdAt: string;
  updatedAt: string;
  nominalStartTime: string | null;
  nominalEndTime: string | null;
  state: 'RUNNING' | 'COMPLETED' | 'FAILED' | 'ABORTED';
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  args: Record<string, string>;
  jobVersion: { namespace: string; name: string; version: string };
  inputDatasetVersions: MarquezDatasetVersion[];
  outputDatasetVersions: MarquezDatasetVersion[];
  context: Record<string, string>;
  facets: OpenLineageFacets;
}
/** Marquez's JobData (a lineage graph node's data). */
export interface MarquezJobData {
  id: MarquezId;
  type: 'BATCH';
  name: string;
  simpleName: string;
  parentJobName: string | null;
  parentJobUuid: string | null;
  createdAt: string;
  updatedAt: string;
  namespace: string;
  inputs: MarquezId[];
  outputs: MarquezId[];
  location: string | null;
  description: string | null;
  latestRun: MarquezRun | null;
}
/** Marquez's Job. */
export interface MarquezJob extends MarquezJobData {
  latestRuns: MarquezRun[];
  facets: OpenLineageFacets;
  currentVersion: string | null;
  labels: string[];
  tags: string[];
}
/** Marquez's DatasetData (a lineage graph node's data). */
export interface MarquezDatasetData {
  id: MarquezId;
  type: 'DB_TABLE';
  name: string;
  physicalName: string;
  createdAt: string;
  updatedAt: string;
  namespace: string;
  sourceName: string;
  fields: { name: string; type: string | null; tags: string[]; description: string | null }[];
  tags: string[];
  lastModifiedAt: string | null;
  description: string | null;
  lastLifecycleState: string | null;
}
/** Marquez's Dataset. */
export interface MarquezDataset extends MarquezDatasetData {
  currentVersion: string | null;
  columnLineage: null;
  facets: OpenLineageFacets;
  deleted: boolean;
}
/** Marquez's JobVersion: one transform of a job, with what its runs read and wrote. */
export interface MarquezJobVersion {
  id: { namespace: string; name: string; version: string };
  type: 'BATCH';
  name: string;
  version: string;
  createdAt: string;
  namespace: string;
  inputs: MarquezId[];
  outputs: MarquezId[];
  location: string | null;
  context: Record<string, string>;
  description: string | null;
  latestRun: MarquezRun | null;
  facets: OpenLineageFacets;
}
/** Marquez's DatasetVersion: one file of a dataset, with the run that wrote it. */
export interface MarquezDatasetVersionFull {
  id: { namespace: string; name: string; version: string };
  type: 'DB_TABLE';
  name: string;
  physicalName: string;
  createdAt: string;
  version: string;
  namespace: string;
  sourceName: string;
  fields: MarquezDatasetData['fields'];
  tags: string[];
  lastModifiedAt: string | null;
  description: string | null;
  lifecycleState: string | null;
  createdByRun: MarquezRun | null;
  facets: OpenLineageFacets;
}
/** Marquez's Namespace. */
export interface MarquezNamespace {
  name: string;
  createdAt: string;
  updatedAt: string;
  ownerName: string;
  description: string | null;
  isHidden: boolean;
}

const LATEST_RUNS = 10;

/**
 * The ledger seen as Marquez sees lineage: jobs are transforms grouped by OpenLineage name (all
 * their versions), datasets are files grouped by name (all their versions), runs are runs. Names
 * are the ones `lineage export` gives (imported entities keep the names they came with).
 */
export class MarquezModel {
  readonly view: View;
  readonly #ids: Identities;
  readonly #builder: EventBuilder;
  // A model serves one request: what a lineage graph asks for many times is worked out once.
  readonly #names = new Map<string, OlName>();
  readonly #rowsByName = new Map<string, unknown[]>();
  readonly #runs = new Map<string, MarquezRun>();
  readonly #runsOf = new WeakMap<readonly TransformRow[], RunRow[]>();
  #byUuid: Map<string, RunRow> | undefined;
  // What producers sent, read from the log by loadRecorded() (null: nothing was recorded for it).
  readonly #recordedRuns = new Map<string, RecordedRun | null>();
  readonly #recordedJobs = new Map<string, { facets: OpenLineageFacets; declared?: DeclaredIds } | null>();

  constructor(view: View, ids: Identities, builder: EventBuilder) {
    this.view = view;
    this.#ids = ids;
    this.#builder = builder;
  }

  /**
   * Reads what producers sent for these jobs (their job facets, the datasets a JobEvent declared) and
   * for their latest runs and these runs (run facets, nominal times, ABORT, input and output facets),
   * once per model, so that job(), jobData() and run() answer with them as Marquez does. Facets live in
   * the log, not in memory: a read that shows them loads them first.
   */
  async loadRecorded(log: EventSource, { jobs = [], runs = [] }: { jobs?: readonly OlName[]; runs?: readonly RunRow[] }): Promise<void> {
    const wanted = [...runs];
    for (const n of jobs) {
      const transforms = this.transformsOf(n);
      const last = transforms[transforms.length - 1];
      if (last && !this.#recordedJobs.has(last.id)) this.#recordedJobs.set(last.id, (await recordedJob(log, this.view, last.id)) ?? null);
      wanted.push(...this.runsOf(transforms).slice(0, LATEST_RUNS));
    }
    const missing = [...new Set(wanted.filter((r) => !this.#recordedRuns.has(r.id)).map((r) => r.id))];
    // One read of the log for all of them, not one per run.
    const recorded = await recordedRuns(log, this.view, missing);
    for (const id of missing) {
      this.#recordedRuns.set(id, recorded.get(id) ?? null);
      // A run answered before its facets were read is answered again with them.
      this.#runs.delete(id);
    }
  }

  /** A dataset's own name, or, for a name its `symlinks` facet gave it (a Hive table of a storage path), the name it is known by. */
  resolveDataset(name: OlName): OlName {
    if (this.filesOf(name).length > 0) return name;
    const aliased = this.view.fileAliased(name.namespace, name.name);
    const f = aliased === undefined ? undefined : this.view.file(aliased);
    return f ? this.datasetName(f) : name;
  }

  /** The OpenLineage name of a transform (its job). */
  jobName(t: TransformRow): OlName {
    return this.#memo(t.id, () => this.#builder.job(t));
  }

  /** The OpenLineage name of a file (its dataset). */
  datasetName(f: FileRow): OlName {
    return this.#memo(f.id, () => this.#ids.link(f.id) ?? { namespace: this.#builder.namespace, name: f.name });
  }

  /** The transforms (job versions) behind a job name, oldest first; empty when there is no such job. */
  transformsOf(job: OlName): TransformRow[] {
    return this.#rows(job, 'transform', (n) => this.view.transformsNamed(n), (id) => this.view.transform(id), (t) => this.jobName(t));
  }

  /** The files (dataset versions) behind a dataset name, oldest first. */
  filesOf(dataset: OlName): FileRow[] {
    return this.#rows(dataset, 'file', (n) => this.view.filesNamed(n), (id) => this.view.file(id), (f) => this.datasetName(f));
  }

  /** The runs of a job, latest start first. */
  runsOf(transforms: readonly TransformRow[]): RunRow[] {
    const known = this.#runsOf.get(transforms);
    if (known) return known;
    const runs = transforms.flatMap((t) => this.view.runsOf(t.id).map((id) => this.view.run(id)!));
    runs.sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : b.seq - a.seq));
    this.#runsOf.set(transforms, runs);
    return runs;
  }

  /** Every namespace that holds a job or a dataset, by name. */
  namespaces(): MarquezNamespace[] {
    const spans = new Map<string, { createdAt: string; updatedAt: string }>();
    const see = (ns: string, at: string) => {
      const s = spans.get(ns);
      if (!s) spans.set(ns, { createdAt: at, updatedAt: at });
      else {
        if (at < s.createdAt) s.createdAt = at;
        if (at > s.updatedAt) s.updatedAt = at;
      }
    };
    for (const id of this.view.transformIds()) {
      const t = this.view.transform(id)!;
      see(this.jobName(t).namespace, t.createdAt);
    }
    for (const id of this.view.fileIds()) {
      const f = this.view.file(id)!;
      see(this.datasetName(f).namespace, f.createdAt);
    }
    return [...spans].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, s]) => ({ name, ...s, ownerName: 'lineage-ledger', description: null, isHidden: false }));
  }

  /** The job names of a namespace, by name. */
  jobNames(namespace: string): OlName[] {
    return namesIn(namespace, this.view.transformIds(), (id) => this.jobName(this.view.transform(id)!));
  }

  /** The dataset names of a namespace, by name. */
  datasetNames(namespace: string): OlName[] {
    return namesIn(namespace, this.view.fileIds(), (id) => this.datasetName(this.view.file(id)!));
  }

  /** A job as Marquez's GET /namespaces/{ns}/jobs/{job} answers it; JOB_NOT_FOUND-like 404 when unknown. */
  job(name: OlName): MarquezJob {
    const transforms = this.transformsOf(name);
    if (transforms.length === 0) throw new LineageError('TRANSFORM_NOT_FOUND', `no job ${name.namespace}:${name.name} in this snapshot`);
    const data = this.jobData(name, transforms);
    const latest = this.runsOf(transforms).slice(0, LATEST_RUNS);
    const last = transforms[transforms.length - 1]!;
    const facets = this.#recordedJobs.get(last.id)?.facets ?? (latest[0] && this.#event(latest[0]).job.facets) ?? {};
    return { ...data, latestRuns: latest.map((r) => this.run(r)), facets, currentVersion: last.version, labels: [], tags: this.#tags('transform', transforms) };
  }

  /** A job's lineage-node data (Marquez's JobData). */
  jobData(name: OlName, transforms: readonly TransformRow[] = this.transformsOf(name)): MarquezJobData {
    const runs = this.runsOf(transforms);
    const inputs = new Map<string, MarquezId>();
    const outputs = new Map<string, MarquezId>();
    for (const r of runs) {
      for (const f of this.view.inputsOf(r.id)) addId(inputs, this.datasetName(this.view.file(f)!));
      for (const f of this.view.outputsOf(r.id)) addId(outputs, this.datasetName(this.view.file(f)!));
    }
    const first = transforms[0]!;
    const last = transforms[transforms.length - 1]!;
    const recorded = this.#recordedJobs.get(last.id);
    // A JobEvent's declared datasets are the job's too (static lineage), as Marquez shows them.
    for (const id of recorded?.declared?.inputIds ?? []) addId(inputs, this.datasetName(this.view.file(id)!));
    for (const id of recorded?.declared?.outputIds ?? []) addId(outputs, this.datasetName(this.view.file(id)!));
    const updatedAt = maxTime(last.createdAt, runs[0] ? (runs[0].finishedAt ?? runs[0].startedAt) : undefined);
    const parent = runs[0]?.parentRunId === undefined ? undefined : this.view.run(runs[0].parentRunId);
    const parentJob = parent && this.view.transform(parent.transformId);
    return {
      id: { namespace: name.namespace, name: name.name },
      type: 'BATCH',
      name: name.name,
      simpleName: name.name,
      parentJobName: parentJob ? this.jobName(parentJob).name : null,
      parentJobUuid: null,
      createdAt: first.createdAt,
      updatedAt,
      namespace: name.namespace,
      inputs: [...inputs.values()],
      outputs: [...outputs.values()],
      location: location(last.reference),
      description: describedBy(recorded?.facets),
      latestRun: runs[0] ? this.run(runs[0]) : null,
    };
  }

  /** A run as Marquez answers it. */
  run(r: RunRow): MarquezRun {
    let run = this.#runs.get(r.id);
    if (!run) this.#runs.set(r.id, (run = this.#run(r)));
    return run;
  }

  #run(r: RunRow): MarquezRun {
    const t = this.view.transform(r.transformId);
    const event = this.#event(r);
    const job = t ? this.jobName(t) : { namespace: this.#builder.namespace, name: r.transformId };
    const ended = r.finishedAt ?? null;
    const recorded = this.#recordedRuns.get(r.id) ?? undefined;
    const facets = recorded?.run ?? event.run.facets ?? {};
    const nominal = facets.nominalTime as { nominalStartTime?: unknown; nominalEndTime?: unknown } | undefined;
    const duration = ended === null ? null : Date.parse(ended) - Date.parse(r.startedAt);
    // ABORT and FAIL both end a run as failed in the ledger; Marquez tells them apart.
    const aborted = r.status === 'failed' && recorded !== undefined && recorded.eventTypes.includes('ABORT') && !recorded.eventTypes.includes('FAIL');
    return {
      id: event.run.runId,
      createdAt: r.startedAt,
      updatedAt: ended ?? r.startedAt,
      nominalStartTime: typeof nominal?.nominalStartTime === 'string' ? nominal.nominalStartTime : null,
      nominalEndTime: typeof nominal?.nominalEndTime === 'string' ? nominal.nominalEndTime : null,
      state: r.status === 'completed' ? 'COMPLETED' : aborted ? 'ABORTED' : r.status === 'failed' ? 'FAILED' : 'RUNNING',
      startedAt: r.startedAt,
      endedAt: ended,
      // An end stamped before its start (clocks of two hosts) is stored as given: its duration is unknown, never negative.
      durationMs: duration !== null && duration >= 0 ? duration : null,
      args: args(r.params),
      jobVersion: { ...job, version: t?.version ?? '' },
      inputDatasetVersions: this.view.inputsOf(r.id).map((id) => this.#version(this.view.file(id)!, recorded?.datasets.get(id))),
      outputDatasetVersions: this.view.outputsOf(r.id).map((id) => this.#version(this.view.file(id)!, recorded?.datasets.get(id))),
      context: {},
      facets,
    };
  }

  /** The run with this OpenLineage runId (the UUID Marquez names runs by), if the snapshot has it. */
  runByUuid(uuid: string): RunRow | undefined {
    if (!this.#byUuid) {
      this.#byUuid = new Map();
      for (const id of this.view.runIds()) {
        const r = this.view.run(id)!;
        this.#byUuid.set(this.#builder.runId(r), r);
      }
    }
    return this.#byUuid.get(uuid.toLowerCase()) ?? this.#byUuid.get(uuid);
  }

  /** The OpenLineage job facets and run facets the ledger gives a run that was not imported. */
  builtFacets(r: RunRow): { run: OpenLineageFacets; job: OpenLineageFacets } {
    const e = this.#event(r);
    return { run: e.run.facets ?? {}, job: e.job.facets ?? {} };
  }

  /** The dataset facets the ledger gives a file itself (version, storage, its own). */
  builtDatasetFacets(f: FileRow): OpenLineageFacets {
    return this.#builder.dataset(f).facets ?? {};
  }

  /** A job's versions (its transforms), newest first, as Marquez's GET …/jobs/{job}/versions lists them. */
  jobVersions(name: OlName): MarquezJobVersion[] {
    const transforms = this.transformsOf(name);
    if (transforms.length === 0) throw new LineageError('TRANSFORM_NOT_FOUND', `no job ${name.namespace}:${name.name} in this snapshot`);
    return [...transforms].reverse().map((t) => {
      const runs = this.runsOf([t]);
      const inputs = new Map<string, MarquezId>();
      const outputs = new Map<string, MarquezId>();
      for (const r of runs) {
        for (const f of this.view.inputsOf(r.id)) addId(inputs, this.datasetName(this.view.file(f)!));
        for (const f of this.view.outputsOf(r.id)) addId(outputs, this.datasetName(this.view.file(f)!));
      }
      const facets = runs[0] ? (this.#event(runs[0]).job.facets ?? {}) : {};
      return {
        id: { namespace: name.namespace, name: name.name, version: t.version },
        type: 'BATCH',
        name: name.name,
        version: t.version,
        createdAt: t.createdAt,
        namespace: name.namespace,
        inputs: [...inputs.values()],
        outputs: [...outputs.values()],
        location: location(t.reference),
        context: {},
        description: null,
        latestRun: runs[0] ? this.run(runs[0]) : null,
        facets,
      };
    });
  }

  /** A dataset's versions (its files), newest first, as Marquez's GET …/datasets/{ds}/versions lists them; `facetsOf` gives each file's facets. */
  datasetVersions(name: OlName, facetsOf: (f: FileRow) => OpenLineageFacets = (f) => this.#builder.dataset(f).facets ?? {}): MarquezDatasetVersionFull[] {
    const files = this.filesOf(name);
    if (files.length === 0) throw new LineageError('FILE_NOT_FOUND', `no dataset ${name.namespace}:${name.name} in this snapshot`);
    return [...files].reverse().map((f) => {
      const producer = this.view.producersOf(f.id)[0];
      const run = producer === undefined ? undefined : this.view.run(producer);
      const facets = facetsOf(f);
      const version = this.#version(f).datasetVersionId.version;
      return {
        id: { namespace: name.namespace, name: name.name, version },
        type: 'DB_TABLE',
        name: name.name,
        physicalName: name.name,
        createdAt: f.createdAt,
        version,
        namespace: name.namespace,
        sourceName: name.namespace,
        fields: schemaFields(facets),
        tags: [],
        lastModifiedAt: run?.status === 'completed' ? (run.finishedAt ?? null) : null,
        description: describedBy(facets),
        lifecycleState: lifecycle(facets),
        createdByRun: run ? this.run(run) : null,
        facets,
      };
    });
  }

  /** A dataset as Marquez's GET /namespaces/{ns}/datasets/{ds} answers it. */
  dataset(name: OlName): MarquezDataset {
    const files = this.filesOf(name);
    if (files.length === 0) throw new LineageError('FILE_NOT_FOUND', `no dataset ${name.namespace}:${name.name} in this snapshot`);
    const last = files[files.length - 1]!;
    const ds = this.#builder.dataset(last);
    return { ...this.datasetData(name, files), currentVersion: this.#version(last).datasetVersionId.version, columnLineage: null, facets: ds.facets ?? {}, deleted: false };
  }

  /** A dataset's lineage-node data (Marquez's DatasetData). */
  datasetData(name: OlName, files: readonly FileRow[] = this.filesOf(name)): MarquezDatasetData {
    let lastModifiedAt: string | null = null;
    for (const f of files) {
      for (const rid of this.view.producersOf(f.id)) {
        const r = this.view.run(rid);
        if (r?.status === 'completed' && r.finishedAt) lastModifiedAt = maxTime(lastModifiedAt ?? r.finishedAt, r.finishedAt);
      }
    }
    return {
      id: { namespace: name.namespace, name: name.name },
      type: 'DB_TABLE',
      name: name.name,
      physicalName: name.name,
      createdAt: files[0]!.createdAt,
      updatedAt: files[files.length - 1]!.createdAt,
      namespace: name.namespace,
      sourceName: name.namespace,
      fields: [],
      tags: this.#tags('file', files),
      lastModifiedAt,
      description: null,
      lastLifecycleState: null,
    };
  }

  /** The version Marquez shows for a file: its `version` facet (the content hash for the ledger's own files), else its id. */
  versionOf(f: FileRow): string {
    return this.#version(f).datasetVersionId.version;
  }

  /** Marquez tags of a job or dataset: the labels of its transforms or files (every version), first seen first. */
  #tags(kind: 'transform' | 'file', rows: readonly { id: string }[]): string[] {
    const p = this.view.projection;
    const table = kind === 'file' ? p.files : p.transforms;
    const out = new Set<string>();
    for (const r of rows) for (const l of p.labels.labelsOf(kind, table.indexOf(r.id), this.view.watermark)) out.add(l);
    return [...out];
  }

  /** A file as a run's input or output: its version, and its facets with those the run's events gave it (`recorded`) over them. */
  #version(f: FileRow, recorded?: OpenLineageFacets): MarquezDatasetVersion {
    const ds = this.#builder.dataset(f);
    const version = (ds.facets?.version as { datasetVersion?: string } | undefined)?.datasetVersion ?? f.id;
    return { datasetVersionId: { namespace: ds.namespace, name: ds.name, version }, facets: recorded ? { ...ds.facets, ...recorded } : (ds.facets ?? {}) };
  }

  #event(r: RunRow) {
    const type = terminalType(r);
    return this.#builder.runEvent(this.view, r, type ?? 'START', type ? r.finishedAt! : r.startedAt);
  }

  #rows<R extends { seq: number; createdAt: string }>(
    want: OlName,
    kind: 'transform' | 'file',
    named: (name: string) => string[],
    row: (id: string) => R | undefined,
    nameOf: (r: R) => OlName,
  ): R[] {
    const key = `${kind}\u0000${want.namespace}\u0000${want.name}`;
    const known = this.#rowsByName.get(key);
    if (known) return known as R[];
    const ids = new Set(this.#ids.linked(kind, want.namespace, want.name));
    if (want.namespace === this.#builder.namespace) for (const id of named(want.name)) ids.add(id);
    const rows: R[] = [];
    for (const id of ids) {
      const r = row(id);
      if (!r) continue;
      const n = nameOf(r);
      if (n.namespace === want.namespace && n.name === want.name) rows.push(r);
    }
    rows.sort((a, b) => a.seq - b.seq);
    this.#rowsByName.set(key, rows);
    return rows;
  }

  #memo(id: string, make: () => OlName): OlName {
    let n = this.#names.get(id);
    if (!n) this.#names.set(id, (n = make()));
    return n;
  }
}

/** Marquez's node id of a job or dataset: `job:NS:NAME`, `dataset:NS:NAME`. */
export function nodeId(type: 'job' | 'dataset', n: OlName): string {
  return `${type}:${n.namespace}:${n.name}`;
}

function namesIn(namespace: string, ids: readonly string[], nameOf: (id: string) => OlName): OlName[] {
  const names = new Set<string>();
  for (const id of ids) {
    const n = nameOf(id);
    if (n.namespace === namespace) names.add(n.name);
  }
  return [...names].sort().map((name) => ({ namespace, name }));
}

function addId(map: Map<string, MarquezId>, n: OlName): void {
  const k = `${n.namespace}\u0000${n.name}`;
  if (!map.has(k)) map.set(k, { namespace: n.namespace, name: n.name });
}

function maxTime(a: string, b: string | undefined): string {
  return b !== undefined && b > a ? b : a;
}

// Marquez's args are strings; params that are not keep their JSON.
function args(params: RunRow['params']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params ?? {})) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}

function location(reference: string | undefined): string | null {
  return reference !== undefined && /^[a-z][a-z0-9+.-]*:\/\//i.test(reference) ? reference : null;
}
