import { createRequire } from 'node:module';

/** A facet: any JSON object with OpenLineage's `_producer` and `_schemaURL`. */
export interface OpenLineageFacet {
  _producer: string;
  _schemaURL: string;
  [field: string]: unknown;
}
/** Facets by name. */
export type OpenLineageFacets = Record<string, OpenLineageFacet>;

/** A dataset of a run event. */
export interface OpenLineageDataset {
  namespace: string;
  name: string;
  facets?: OpenLineageFacets;
}

/** The state transitions of an OpenLineage run. */
export type OpenLineageEventType = 'START' | 'RUNNING' | 'COMPLETE' | 'ABORT' | 'FAIL' | 'OTHER';

/** An OpenLineage RunEvent (spec 2-0-2). */
export interface OpenLineageRunEvent {
  eventTime: string;
  eventType: OpenLineageEventType;
  producer: string;
  schemaURL: string;
  run: { runId: string; facets?: OpenLineageFacets };
  job: { namespace: string; name: string; facets?: OpenLineageFacets };
  inputs?: OpenLineageDataset[];
  outputs?: OpenLineageDataset[];
}

/** An OpenLineage JobEvent or DatasetEvent (spec 2-0-2 static lineage: no run). */
export interface OpenLineageStaticEvent {
  eventTime: string;
  producer: string;
  schemaURL: string;
  job?: { namespace: string; name: string; facets?: OpenLineageFacets };
  dataset?: OpenLineageDataset;
  inputs?: OpenLineageDataset[];
  outputs?: OpenLineageDataset[];
}

const pkg = createRequire(import.meta.url)('../../../package.json') as { version: string };

/** This package's version, as producers report it. */
export const VERSION: string = pkg.version;
/** The default `producer` URI of exported events. */
export const PRODUCER = `https://www.npmjs.com/package/lineage-ledger/v/${VERSION}`;
/** The `schemaURL` of every exported RunEvent. */
export const RUN_EVENT_SCHEMA_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';

/** `_schemaURL` of the standard facets lineage-ledger writes (the versions vendored in fixtures/interop). */
export const FACET_SCHEMA_URLS = {
  version: 'https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet',
  storage: 'https://openlineage.io/spec/facets/1-0-1/StorageDatasetFacet.json#/$defs/StorageDatasetFacet',
  parent: 'https://openlineage.io/spec/facets/1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet',
  errorMessage: 'https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet',
  jobType: 'https://openlineage.io/spec/facets/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet',
  sourceCodeLocation: 'https://openlineage.io/spec/facets/1-1-0/SourceCodeLocationJobFacet.json#/$defs/SourceCodeLocationJobFacet',
  tags: 'https://openlineage.io/spec/facets/1-0-0/TagsRunFacet.json#/$defs/TagsRunFacet',
} as const;

/** The `$id` of lineage-ledger's own facets' schema (`LEDGER_FACETS_SCHEMA`). */
export const LEDGER_FACETS_ID = `urn:lineage-ledger:spec:facets:1-0-0`;
/** Names of lineage-ledger's own facets: what OpenLineage has no standard field for (transform version and type, run name and params, file size). */
export const LEDGER_FACET = { transform: 'lineageLedger_transform', run: 'lineageLedger_run', file: 'lineageLedger_file' } as const;

// Labels of transforms and files (runs' go in the standard TagsRunFacet).
const labelsSchema = { type: 'array', items: { type: 'string' }, description: 'the labels of the record (lamindb labels)' } as const;

const facetBase = (ref: string) => ({ $ref: `https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/${ref}` });

/**
 * JSON Schema (draft 2020-12) of lineage-ledger's own facets, in the layout of OpenLineage's facet
 * files: the root validates an object of facets by name; each facet extends the core's base facet.
 */
// Trash and descriptions, on every ledger facet.
const LIFECYCLE_PROPERTIES = {
  description: { type: 'string' },
  trashed: { const: true, description: 'the record is in the trash (lineage keeps it)' },
} as const;

export const LEDGER_FACETS_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: LEDGER_FACETS_ID,
  $defs: {
    TransformJobFacet: {
      allOf: [
        facetBase('JobFacet'),
        {
          type: 'object',
          properties: {
            version: { type: 'string', description: 'the transform version' },
            type: { enum: ['pipeline', 'notebook', 'script', 'function'] },
            hash: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the source' },
            reference: { type: 'string' },
            ...LIFECYCLE_PROPERTIES,
            labels: labelsSchema,
            sourceHash: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the source code stored in the ledger' },
          },
          required: ['version', 'type'],
        },
      ],
      type: 'object',
    },
    RunFacet: {
      allOf: [
        facetBase('RunFacet'),
        { type: 'object', properties: { name: { type: 'string' }, params: { type: 'object' }, reference: { type: 'string', description: "the run's external reference (a Nextflow run id, a URL)" }, referenceType: { type: 'string' }, ...LIFECYCLE_PROPERTIES } },
      ],
      type: 'object',
    },
    FileDatasetFacet: {
      allOf: [
        facetBase('DatasetFacet'),
        {
          type: 'object',
          properties: {
            size: { type: 'integer', minimum: 0 },
            hash: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the content' },
            stored: { type: 'boolean', description: 'true when the ledger holds the content' },
            ...LIFECYCLE_PROPERTIES,
            key: { type: 'string', description: 'the virtual, path-like key' },
            revises: { type: 'string', description: 'the id of the version this one revises' },
            isLatest: { type: 'boolean', description: 'false when a newer version replaced this one' },
            erased: { type: 'object', properties: { at: { type: 'string' }, by: { type: 'string' } }, description: 'when and by whom the content was erased' },
            labels: labelsSchema,
          },
          required: ['stored'],
        },
      ],
      type: 'object',
    },
  },
  type: 'object',
  properties: {
    [LEDGER_FACET.transform]: { $ref: '#/$defs/TransformJobFacet' },
    [LEDGER_FACET.run]: { $ref: '#/$defs/RunFacet' },
    [LEDGER_FACET.file]: { $ref: '#/$defs/FileDatasetFacet' },
  },
} as const;

/** `_schemaURL` of each of lineage-ledger's own facets. */
export const LEDGER_FACET_SCHEMA_URLS = {
  transform: `${LEDGER_FACETS_ID}#/$defs/TransformJobFacet`,
  run: `${LEDGER_FACETS_ID}#/$defs/RunFacet`,
  file: `${LEDGER_FACETS_ID}#/$defs/FileDatasetFacet`,
} as const;
