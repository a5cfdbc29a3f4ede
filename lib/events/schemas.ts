import { LIMITS } from '../limits.js';
import { LIFECYCLE_SCHEMAS } from './lifecycle.js';

// Shared pieces. Every string is bounded, every integer a safe integer, no extra properties.
const id = { type: 'string', pattern: '^[0-9A-Za-z_-]{1,64}$' } as const;
const name = { type: 'string', minLength: 1, maxLength: LIMITS.nameLength } as const;
const optText = { type: 'string', maxLength: LIMITS.nameLength } as const;
const sha256 = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;
const isoTime = {
  type: 'string',
  maxLength: 40,
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$',
} as const;
const size = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;

// Any JSON value, each keyword applying to its own type (JSON Schema's rule): the same values as
// an anyOf of one branch per type, but checked by one type switch, without collecting the errors
// of five failed branches at every node of a facet.
const json = {
  $id: 'lineage:json',
  type: ['null', 'boolean', 'number', 'string', 'array', 'object'],
  minimum: -Number.MAX_VALUE,
  maximum: Number.MAX_VALUE,
  maxLength: LIMITS.paramsBytes,
  maxItems: 100_000,
  items: { $ref: 'lineage:json' },
  maxProperties: 10_000,
  additionalProperties: { $ref: 'lineage:json' },
} as const;

/** JSON values that may appear in params, by reference. */
export const JSON_VALUE_SCHEMA = json;

function object(required: string[], properties: Record<string, unknown>) {
  return { type: 'object', additionalProperties: false, required, properties };
}

// Never edit a published version's schema: stored events must stay valid under the version they were written at.
const runStartedV1 = {
  id,
  transformId: id,
  name: optText,
  params: { type: 'object', additionalProperties: { $ref: 'lineage:json' } },
  parentRunId: id,
  startedAt: isoTime,
} as const;

const linkedV1 = {
  kind: { enum: ['transform', 'run', 'file'] },
  id,
  namespace: name,
  name,
  runUuid: { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' },
  version: optText,
} as const;

const labelChange = object(['kind', 'id', 'labels'], {
  kind: { enum: ['transform', 'run', 'file'] },
  id,
  labels: {
    type: 'array',
    minItems: 1,
    maxItems: LIMITS.labelsPerCall,
    uniqueItems: true,
    // No control characters, as cleanName enforces on the way in.
    items: { type: 'string', minLength: 1, maxLength: LIMITS.labelLength, pattern: '^[^\\u0000-\\u001f\\u007f]+$' },
  },
});

/** The JSON Schema of each event type and version: `SCHEMAS[type][v]`. */
export const SCHEMAS = {
  'transform.registered': {
    1: object(['id', 'name', 'version', 'type'], {
      id,
      name,
      version: { ...name, maxLength: 256 },
      type: { enum: ['pipeline', 'notebook', 'script', 'function'] },
      reference: optText,
      hash: sha256,
      revises: id,
    }),
  },
  'run.started': {
    1: object(['id', 'transformId', 'startedAt'], runStartedV1),
    // v2: where the run executed, for auditors. Absent in events written before v2 (and in imported runs).
    2: object(['id', 'transformId', 'startedAt'], {
      ...runStartedV1,
      environment: object(['hostname', 'pid', 'platform', 'node'], {
        hostname: { type: 'string', maxLength: 255 },
        pid: { type: 'integer', minimum: 0, maximum: 2 ** 32 },
        platform: { type: 'string', maxLength: 64 },
        node: { type: 'string', maxLength: 64 },
        user: { type: 'string', maxLength: 255 },
      }),
    }),
  },
  'file.created': {
    1: object(['id', 'name', 'suffix'], {
      id,
      name,
      suffix: { type: 'string', maxLength: 64 },
      size,
      hash: sha256,
      key: { type: 'string', pattern: '^(inline|objects)/[0-9a-f]{64}$' },
      runId: id,
    }),
  },
  'file.recreated': { 1: object(['fileId', 'runId'], { fileId: id, runId: id }) },
  'file.loaded_as_input': { 1: object(['fileId', 'runId'], { fileId: id, runId: id }) },
  'run.finished': {
    1: object(['runId', 'status', 'finishedAt'], {
      runId: id,
      status: { enum: ['completed', 'failed'] },
      error: { type: 'string', maxLength: LIMITS.errorLength },
      finishedAt: isoTime,
    }),
  },
  // A run's real start, learned after it was recorded (an OpenLineage placeholder parent).
  'run.amended': {
    1: object(['runId', 'startedAt'], { runId: id, startedAt: isoTime }),
    // v2 adds `transformId`: the job (version) the placeholder's own events name, when it is not the one guessed for it.
    2: object(['runId', 'startedAt'], { runId: id, startedAt: isoTime, transformId: id }),
  },
  // Interop (lib/interop/): an entity that came from OpenLineage keeps its identity there, so that
  // exporting or forwarding it again gives the same job, run and dataset to the backend.
  'openlineage.linked': {
    1: object(['kind', 'id', 'namespace', 'name'], linkedV1),
    // v2: a run known only from its children's parent facet is marked as a placeholder (never exported as if sent).
    2: object(['kind', 'id', 'namespace', 'name'], { ...linkedV1, placeholder: { const: true } }),
  },
  // One import of OpenLineage events: what was read and what it added.
  'openlineage.imported': {
    1: object(['id', 'digest', 'events', 'skipped', 'appended'], {
      id,
      source: optText,
      digest: sha256,
      events: size,
      skipped: size,
      appended: size,
    }),
  },
  // Another name of a file (an OpenLineage symlink): the file is found by either.
  'file.aliased': { 1: object(['fileId', 'namespace', 'name'], { fileId: id, namespace: name, name }) },
  // One OpenLineage event kept whole (facets verbatim); large facets are content-addressed blobs.
  'openlineage.event': {
    1: object(['kind', 'digest', 'event'], {
      kind: { enum: ['run', 'job', 'dataset'] },
      digest: sha256,
      runId: id,
      transformId: id,
      inputIds: { type: 'array', maxItems: 100_000, items: id },
      outputIds: { type: 'array', maxItems: 100_000, items: id },
      datasetId: id,
      event: { type: 'object', additionalProperties: { $ref: 'lineage:json' } },
      blobs: {
        type: 'array',
        maxItems: 100_000,
        items: object(['at', 'hash', 'bytes'], { at: { type: 'string', maxLength: 4 * LIMITS.nameLength }, hash: sha256, bytes: size }),
      },
    }),
  },
  // Trash, erase, file versions and keys, descriptions (lib/events/lifecycle.ts).
  ...LIFECYCLE_SCHEMAS,
  // Labels (lamindb's ULabel by name) put on or taken off a record: one event per call, the labels in the order given.
  'label.added': { 1: labelChange },
  'label.removed': { 1: labelChange },
  // A transform's source code (a tracked script's), stored content-addressed like a file's content.
  'transform.source_stored': {
    1: object(['transformId', 'hash', 'size', 'key'], { transformId: id, hash: sha256, size, key: { type: 'string', pattern: '^(inline|objects)/[0-9a-f]{64}$' } }),
  },
  // A run's external reference (a Nextflow run id, a URL); a later event replaces it, the history keeps both.
  'run.referenced': {
    1: object(['runId', 'reference'], { runId: id, reference: name, referenceType: { ...name, maxLength: LIMITS.labelLength } }),
  },
  // The Idempotency-Key of the server request (`lineage serve`) whose `events` events come right before it,
  // in its batch: a restarted server still answers a retry of it with what it did, instead of doing it again.
  'request.keyed': {
    1: object(['key', 'request', 'events'], { key: { type: 'string', pattern: '^[\\x21-\\x7e]{1,200}$' }, request: { type: 'string', minLength: 1, maxLength: 4 * LIMITS.nameLength }, events: { type: 'integer', minimum: 1 } }),
  },
} as const;
