import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FileRow, RunRow, TransformRow } from '../state/rows.js';
import type { View } from '../state/view.js';
import type { Links } from './links.js';
import {
  FACET_SCHEMA_URLS,
  LEDGER_FACET,
  LEDGER_FACET_SCHEMA_URLS,
  type OpenLineageDataset,
  type OpenLineageEventType,
  type OpenLineageFacet,
  type OpenLineageFacets,
  type OpenLineageRunEvent,
  PRODUCER,
  RUN_EVENT_SCHEMA_URL,
} from './openlineage-model.js';
import { runUuid } from './uuid.js';
import { strip } from '../util/strip.js';
import { lifecycleFields } from './lifecycle-fields.js';

// OpenLineage's standard documentation facets: where a description goes, for Marquez and other consumers.
const DOCUMENTATION_DATASET_FACET = 'https://openlineage.io/spec/facets/1-0-1/DocumentationDatasetFacet.json#/$defs/DocumentationDatasetFacet';
const DOCUMENTATION_JOB_FACET = 'https://openlineage.io/spec/facets/1-0-1/DocumentationJobFacet.json#/$defs/DocumentationJobFacet';

/** Options shared by export and forwarding. */
export interface OpenLineageOptions {
  /** Namespace of our jobs and datasets (default `lineage-ledger.<ledger id>`). */
  namespace?: string;
  /** The `producer` URI (default: this package on npm, with its version). */
  producer?: string;
}

/** What turning ledger state into run events needs: naming, and the links imports recorded. */
export class EventBuilder {
  readonly namespace: string;
  readonly producer: string;
  readonly #links: Links;

  constructor(ledgerId: string, links: Links, options: OpenLineageOptions = {}) {
    this.namespace = options.namespace ?? `lineage-ledger.${ledgerId}`;
    this.producer = options.producer ?? PRODUCER;
    this.#links = links;
  }

  /** The OpenLineage runId of a run: the one it was imported with, else a UUIDv7 from its start and id. */
  runId(run: RunRow): string {
    return this.#links.get(run.id)?.runUuid ?? runUuid(run.id, run.startedAt);
  }

  /** The job of a transform: the one it was imported from, else (namespace, transform name). */
  job(t: TransformRow): { namespace: string; name: string } {
    const link = this.#links.get(t.id);
    return link ? { namespace: link.namespace, name: link.name } : { namespace: this.namespace, name: t.name };
  }

  /**
   * One run event for a run as `view` sees it: START carries the inputs (and the outputs, while the
   * run is open), COMPLETE / FAIL / OTHER carry inputs and outputs; `only` narrows them to some files.
   */
  runEvent(view: View, run: RunRow, eventType: OpenLineageEventType, eventTime: string, only?: { inputs: string[]; outputs: string[] }): OpenLineageRunEvent {
    const t = view.transform(run.transformId);
    const job = t ? this.job(t) : { namespace: this.namespace, name: run.transformId };
    const runFacets: OpenLineageFacets = {};
    const parent = run.parentRunId === undefined ? undefined : view.run(run.parentRunId);
    if (parent) {
      const pt = view.transform(parent.transformId);
      runFacets.parent = this.#facet(FACET_SCHEMA_URLS.parent, {
        run: { runId: this.runId(parent) },
        job: pt ? this.job(pt) : { namespace: this.namespace, name: parent.transformId },
      });
    }
    if (eventType === 'FAIL' && run.error) {
      runFacets.errorMessage = this.#facet(FACET_SCHEMA_URLS.errorMessage, { message: run.error, programmingLanguage: 'JavaScript' });
    }
    const runExtra = lifecycleFields(view, 'run', run.id);
    const r = view.projection.runs.indexOf(run.id);
    const ref = view.projection.references.at(r, view.watermark);
    if (run.name !== undefined || run.params !== undefined || ref !== undefined || Object.keys(runExtra).length > 0) {
      runFacets[LEDGER_FACET.run] = this.#facet(LEDGER_FACET_SCHEMA_URLS.run, strip({ name: run.name, params: run.params, reference: ref?.reference, referenceType: ref?.referenceType, ...runExtra }));
    }
    // A run's labels are OpenLineage tags (TagsRunFacet), one per label.
    const labels = view.projection.labels.labelsOf('run', r, view.watermark);
    if (labels.length) runFacets.tags = this.#facet(FACET_SCHEMA_URLS.tags, { tags: labels.map((label) => ({ key: label, value: 'true', source: 'LINEAGE_LEDGER' })) });
    const event: OpenLineageRunEvent = {
      eventTime: new Date(eventTime).toISOString(),
      eventType,
      producer: this.producer,
      schemaURL: RUN_EVENT_SCHEMA_URL,
      run: { runId: this.runId(run), facets: runFacets },
      job: { ...job, facets: t ? this.#jobFacets(t, view) : {} },
      inputs: (only?.inputs ?? view.inputsOf(run.id)).map((id) => this.dataset(view.file(id)!, view)),
      outputs: (only?.outputs ?? (eventType === 'START' && run.status !== 'started' ? [] : view.outputsOf(run.id))).map((id) => this.dataset(view.file(id)!, view)),
    };
    return event;
  }

  /** A file as a dataset: version = content hash, storage, size. */
  dataset(f: FileRow, view?: View): OpenLineageDataset {
    const link = this.#links.get(f.id);
    const facets: OpenLineageFacets = {};
    const version = f.hash ?? link?.version;
    if (version !== undefined) facets.version = this.#facet(FACET_SCHEMA_URLS.version, { datasetVersion: version });
    if (f.key !== undefined) {
      facets.storage = this.#facet(FACET_SCHEMA_URLS.storage, strip({ storageLayer: 'lineage-ledger', fileFormat: f.suffix ? f.suffix.slice(1) : undefined }));
    }
    // Trash, erasure, key, version and description (with `view`): an erased file's content is no longer stored.
    const extra = view ? lifecycleFields(view, 'file', f.id) : {};
    const labels = view ? labelsOf(view, 'file', f.id) : undefined;
    facets[LEDGER_FACET.file] = this.#facet(LEDGER_FACET_SCHEMA_URLS.file, strip({ size: f.size, hash: f.hash, stored: f.key !== undefined && extra.erased === undefined, labels, ...extra }));
    if (extra.description !== undefined) facets.documentation = this.#facet(DOCUMENTATION_DATASET_FACET, { description: extra.description });
    return { namespace: link?.namespace ?? this.namespace, name: link?.name ?? f.name, facets };
  }

  #jobFacets(t: TransformRow, view: View): OpenLineageFacets {
    const extra = lifecycleFields(view, 'transform', t.id);
    const p = view.projection;
    const sourceHash = p.sources.at(p.transforms.indexOf(t.id), view.watermark)?.hash;
    const facets: OpenLineageFacets = {
      jobType: this.#facet(FACET_SCHEMA_URLS.jobType, { processingType: 'BATCH', integration: 'LINEAGE_LEDGER', jobType: t.type.toUpperCase() }),
      [LEDGER_FACET.transform]: this.#facet(LEDGER_FACET_SCHEMA_URLS.transform, strip({ version: t.version, type: t.type, hash: t.hash, reference: t.reference, labels: labelsOf(view, 'transform', t.id), sourceHash, ...extra })),
    };
    if (extra.description !== undefined) facets.documentation = this.#facet(DOCUMENTATION_JOB_FACET, { description: extra.description });
    const url = sourceUrl(t.reference);
    if (url) facets.sourceCodeLocation = this.#facet(FACET_SCHEMA_URLS.sourceCodeLocation, strip({ type: 'file', url, path: t.reference, version: t.hash }));
    return facets;
  }

  #facet(schemaURL: string, fields: Record<string, unknown>): OpenLineageFacet {
    return { _producer: this.producer, _schemaURL: schemaURL, ...fields };
  }
}

/** The labels of a transform or file as the view sees them, or undefined for none (the facet keeps its old shape). */
function labelsOf(view: View, kind: 'transform' | 'file', id: string): string[] | undefined {
  const p = view.projection;
  const labels = p.labels.labelsOf(kind, (kind === 'file' ? p.files : p.transforms).indexOf(id), view.watermark);
  return labels.length ? labels : undefined;
}

/** The run's OpenLineage terminal state, or undefined while it runs. */
export function terminalType(run: RunRow): 'COMPLETE' | 'FAIL' | undefined {
  return run.status === 'completed' ? 'COMPLETE' : run.status === 'failed' ? 'FAIL' : undefined;
}

// A reference that is a URL, or an absolute path (a script), locates source code.
function sourceUrl(reference: string | undefined): string | undefined {
  if (!reference) return undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(reference)) return reference;
  if (isAbsolute(reference)) return pathToFileURL(reference).href;
  return undefined;
}
