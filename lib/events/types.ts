import type { LifecycleEventData } from './lifecycle.js';
/** The kinds of code a Transform stands for. */
export type TransformType = 'pipeline' | 'notebook' | 'script' | 'function';
/** The states of a Run. */
export type RunStatus = 'started' | 'completed' | 'failed';
/** A JSON value as stored in params. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** `transform.registered` v1. */
export interface TransformRegistered {
  id: string;
  name: string;
  version: string;
  type: TransformType;
  reference?: string;
  hash?: string;
  revises?: string;
}
/** `run.started` v1. */
export interface RunStartedV1 {
  id: string;
  transformId: string;
  name?: string;
  params?: { [key: string]: JsonValue };
  parentRunId?: string;
  startedAt: string;
}
/** Where a run executed: recorded by `run.started` since v2. */
export interface RunEnvironment {
  hostname: string;
  pid: number;
  /** `process.platform`, e.g. `linux`. */
  platform: string;
  /** `process.version`, e.g. `v20.19.0`. */
  node: string;
  /** The OS user, when it can be read. */
  user?: string;
}
/** `run.started` v2 (current): v1 and the run's environment (absent for runs started before v2). */
export interface RunStarted extends RunStartedV1 {
  environment?: RunEnvironment;
}
/** `file.created` v1: `key` is absent when the content is not stored (e.g. imported lineage). */
export interface FileCreated {
  id: string;
  name: string;
  suffix: string;
  size?: number;
  hash?: string;
  key?: string;
  runId?: string;
}
/** `file.recreated` v1: the same content was added again by another run. */
export interface FileRecreated {
  fileId: string;
  runId: string;
}
/** `file.loaded_as_input` v1. */
export interface FileLoadedAsInput {
  fileId: string;
  runId: string;
}
/** `run.finished` v1. */
export interface RunFinished {
  runId: string;
  status: 'completed' | 'failed';
  error?: string;
  finishedAt: string;
}

/**
 * `run.amended` v2: a run's real start (and job version), learned after the run was recorded (an OpenLineage parent
 * made as a placeholder from its child's time, whose own START came later). A new version, never an edit.
 */
export interface RunAmended {
  runId: string;
  startedAt: string;
  /** v2: the run's real transform (its job at the version its own events name), when not the placeholder's. */
  transformId?: string;
}

/** `openlineage.linked` v1: the OpenLineage identity of a transform (job), run or file (dataset) made by an import. */
export interface OpenLineageLinked {
  kind: 'transform' | 'run' | 'file';
  id: string;
  namespace: string;
  name: string;
  /** The run's OpenLineage runId (lower-case UUID). */
  runUuid?: string;
  /** The dataset's version (DatasetVersionDatasetFacet), or the job's version. */
  version?: string;
  /** v2: a run known only from its children's parent facet, until its own events arrive. */
  placeholder?: true;
}
/** `openlineage.imported` v1: one import of OpenLineage events, recorded with the events it added. */
export interface OpenLineageImported {
  id: string;
  /** The file name the events were read from. */
  source?: string;
  /** SHA-256 of the input's bytes. */
  digest: string;
  /** OpenLineage events read (valid ones). */
  events: number;
  /** Lines skipped as invalid. */
  skipped: number;
  /** Lineage events this import appended (0 when everything was already known). */
  appended: number;
}

/** A large value kept out of an `openlineage.event`: the JSON Pointer where it belongs, and its content-addressed bytes. */
export interface OpenLineageBlobRef {
  /** RFC 6901 pointer into `event` (e.g. `/run/facets/spark.logicalPlan`). */
  at: string;
  /** SHA-256 of the value's canonical JSON bytes: its key in the object store. */
  hash: string;
  bytes: number;
}
/**
 * \`openlineage.event\` v1: one OpenLineage event (RunEvent, JobEvent or DatasetEvent) kept verbatim,
 * with the ledger entities it names, so that every facet survives. Large facets are replaced by
 * null in \`event\` and stored in the object store (\`blobs\`).
 */
export interface OpenLineageEventRecorded {
  kind: 'run' | 'job' | 'dataset';
  /** SHA-256 of the event's canonical JSON: the same event imported twice is recorded once. */
  digest: string;
  runId?: string;
  transformId?: string;
  /** The files of `inputs`, `outputs` (or of `dataset`), in the event's order. */
  inputIds?: string[];
  outputIds?: string[];
  /** The file of a DatasetEvent's `dataset`. */
  datasetId?: string;
  event: { [key: string]: JsonValue };
  blobs?: OpenLineageBlobRef[];
}

/** `file.aliased` v1: another name of the same dataset (OpenLineage `symlinks`: a Hive table and its storage path). */
export interface FileAliased {
  fileId: string;
  namespace: string;
  name: string;
}

/** The kinds of record that carry labels. */
export type LabeledKind = 'transform' | 'run' | 'file';
/** `label.added` v1: labels put on a transform, run or file (lamindb's `record.labels.add`); one event per call. */
export interface LabelAdded {
  kind: LabeledKind;
  id: string;
  /** The labels this event adds, none of which the record had. */
  labels: string[];
}
/** `label.removed` v1: labels taken off a record; the history keeps that it had them. */
export interface LabelRemoved {
  kind: LabeledKind;
  id: string;
  /** The labels this event removes, all of which the record had. */
  labels: string[];
}
/** `transform.source_stored` v1: the source code of a transform, content-addressed in the object store. */
export interface TransformSourceStored {
  transformId: string;
  /** SHA-256 of the source's bytes. */
  hash: string;
  size: number;
  /** Where the bytes live: `inline/HASH` (LevelDB) or `objects/HASH` (a file). */
  key: string;
}
/** `run.referenced` v1: an external reference of a run (lamindb's `Run.reference`, `reference_type`): a Nextflow run id, a URL. */
export interface RunReferenced {
  runId: string;
  reference: string;
  /** What the reference is, e.g. `nextflow`, `url`. */
  referenceType?: string;
}

/** `request.keyed` v1: the Idempotency-Key of a server request and the request (`POST /path`), after the `events` events it appended (in the same batch). */
export interface RequestKeyed {
  key: string;
  request: string;
  events: number;
}

/** Each event type with the shape of its data at the current version. */
export interface EventDataByType {
  'transform.registered': TransformRegistered;
  'run.started': RunStarted;
  'file.created': FileCreated;
  'file.recreated': FileRecreated;
  'file.loaded_as_input': FileLoadedAsInput;
  'run.finished': RunFinished;
  'run.amended': RunAmended;
  'openlineage.linked': OpenLineageLinked;
  'openlineage.imported': OpenLineageImported;
  'openlineage.event': OpenLineageEventRecorded;
  'file.aliased': FileAliased;
  'record.trashed': LifecycleEventData['record.trashed'];
  'record.restored': LifecycleEventData['record.restored'];
  'file.erased': LifecycleEventData['file.erased'];
  'file.versioned': LifecycleEventData['file.versioned'];
  'record.described': LifecycleEventData['record.described'];
  'label.added': LabelAdded;
  'label.removed': LabelRemoved;
  'transform.source_stored': TransformSourceStored;
  'run.referenced': RunReferenced;
  'request.keyed': RequestKeyed;
}
/** An event type name. */
export type EventType = keyof EventDataByType;

/** An event before it is sealed into the log. */
export type EventInput = { [T in EventType]: { type: T; data: EventDataByType[T] } }[EventType];

/** An event as stored: the envelope, and the hash of its stored bytes. */
export type LedgerEvent = {
  [T in EventType]: {
    seq: number;
    type: T;
    v: number;
    at: string;
    data: EventDataByType[T];
    prev: string;
    hash: string;
  };
}[EventType];
