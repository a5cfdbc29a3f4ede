import type { FileRow } from '../state/rows.js';
import type { View } from '../state/view.js';
import { type LineageSource, pin } from './source.js';
import { lifecycleFields, type LifecycleFields } from './lifecycle-fields.js';

/** A PROV-JSON attribute value: a string, number, boolean or typed literal. */
export type ProvValue = string | number | boolean | { $: string; type: string } | string[];
/** A PROV-JSON record: attributes by qualified name. */
export type ProvRecord = Record<string, ProvValue>;
/** A PROV-JSON document (W3C Member Submission), with the parts lineage-ledger writes. */
export interface ProvDocument {
  prefix: Record<string, string>;
  entity: Record<string, ProvRecord>;
  activity: Record<string, ProvRecord>;
  wasGeneratedBy: Record<string, ProvRecord>;
  used: Record<string, ProvRecord>;
  wasDerivedFrom: Record<string, ProvRecord>;
  wasAssociatedWith: Record<string, ProvRecord>;
  wasStartedBy: Record<string, ProvRecord>;
}

/** Options of `toProv()`. */
export interface ProvOptions {
  /** The URI of the `ll:` prefix (default `urn:lineage-ledger:<ledger id>:`). */
  namespace?: string;
}

const qname = (value: string) => ({ $: value, type: 'xsd:QName' });

/**
 * The ledger as a PROV-JSON document: files are entities, runs activities (with start and end
 * times), transforms plans (`prov:Plan`) associated with their runs; `used`, `wasGeneratedBy`, and
 * `wasDerivedFrom` from each input to each output of a run.
 */
export function toProv(source: LineageSource, options: ProvOptions = {}): ProvDocument {
  const { ledger, view } = pin(source);
  const doc: ProvDocument = {
    prefix: { ll: options.namespace ?? `urn:lineage-ledger:${ledger.info.ledgerId}:`, xsd: 'http://www.w3.org/2001/XMLSchema#' },
    entity: {},
    activity: {},
    wasGeneratedBy: {},
    used: {},
    wasDerivedFrom: {},
    wasAssociatedWith: {},
    wasStartedBy: {},
  };
  const file = (id: string) => `ll:file_${id}`;
  const run = (id: string) => `ll:run_${id}`;
  const plan = (id: string) => `ll:transform_${id}`;

  for (const id of view.transformIds()) {
    const t = view.transform(id)!;
    doc.entity[plan(id)] = strip({
      'prov:type': qname('prov:Plan'),
      'prov:label': `${t.name} v${t.version}`,
      'll:name': t.name,
      'll:version': t.version,
      'll:transformType': t.type,
      'll:reference': t.reference,
      'll:hash': t.hash,
      ...provLifecycle(lifecycleFields(view, 'transform', id)),
      ...meta(view, 'transform', id),
    });
    if (t.revises) {
      doc.wasDerivedFrom[`ll:revision_${id}`] = { 'prov:generatedEntity': plan(id), 'prov:usedEntity': plan(t.revises), 'prov:type': qname('prov:Revision') };
    }
  }
  for (const id of view.fileIds()) {
    doc.entity[file(id)] = { ...fileEntity(view.file(id)!, view), ...meta(view, 'file', id) };
    // A new version of a file is a PROV revision of the one it revises.
    const revises = view.fileRevises(id);
    if (revises !== undefined) doc.wasDerivedFrom[`ll:revision_${id}`] = { 'prov:generatedEntity': file(id), 'prov:usedEntity': file(revises), 'prov:type': qname('prov:Revision') };
  }
  for (const id of view.runIds()) {
    const r = view.run(id)!;
    doc.activity[run(id)] = strip({
      'prov:startTime': r.startedAt,
      'prov:endTime': r.finishedAt,
      'prov:label': r.name ?? view.transform(r.transformId)?.name,
      'll:status': r.status,
      'll:error': r.error,
      ...provLifecycle(lifecycleFields(view, 'run', id)),
      ...meta(view, 'run', id),
    });
    doc.wasAssociatedWith[`ll:assoc_${id}`] = { 'prov:activity': run(id), 'prov:plan': plan(r.transformId) };
    if (r.parentRunId) doc.wasStartedBy[`ll:start_${id}`] = { 'prov:activity': run(id), 'prov:starter': run(r.parentRunId), 'prov:time': r.startedAt };
    const inputs = view.inputsOf(id);
    const outputs = view.outputsOf(id);
    for (const f of inputs) doc.used[`ll:use_${id}_${f}`] = { 'prov:activity': run(id), 'prov:entity': file(f) };
    for (const f of outputs) {
      const row = view.file(f)!;
      // The creating run generated the file at its creation; re-creating runs generated it again.
      doc.wasGeneratedBy[`ll:gen_${id}_${f}`] = strip({ 'prov:entity': file(f), 'prov:activity': run(id), 'prov:time': row.runId === id ? row.createdAt : undefined });
      for (const i of inputs) {
        doc.wasDerivedFrom[`ll:der_${id}_${f}_${i}`] = {
          'prov:generatedEntity': file(f),
          'prov:usedEntity': file(i),
          'prov:activity': run(id),
          'prov:generation': `ll:gen_${id}_${f}`,
          'prov:usage': `ll:use_${id}_${i}`,
        };
      }
    }
  }
  return doc;
}

/** A record's labels (`ll:labels`, an array of values as PROV-JSON allows), a run's reference and a transform's stored source hash, as the view sees them. */
function meta(view: View, kind: 'transform' | 'run' | 'file', id: string): ProvRecord {
  const p = view.projection;
  const w = view.watermark;
  const i = (kind === 'file' ? p.files : kind === 'run' ? p.runs : p.transforms).indexOf(id);
  const labels = p.labels.labelsOf(kind, i, w);
  const ref = kind === 'run' ? p.references.at(i, w) : undefined;
  const source = kind === 'transform' ? p.sources.at(i, w) : undefined;
  return strip({ 'll:labels': labels.length ? labels : undefined, 'll:runReference': ref?.reference, 'll:runReferenceType': ref?.referenceType, 'll:sourceHash': source?.hash });
}

function fileEntity(f: FileRow, view: View): ProvRecord {
  const extra = lifecycleFields(view, 'file', f.id);
  return strip({
    'prov:type': qname('ll:File'),
    'prov:label': f.name,
    'll:suffix': f.suffix,
    'll:size': f.size,
    'll:hash': f.hash,
    'll:stored': f.key !== undefined && extra.erased === undefined,
    ...provLifecycle(extra),
  });
}

/** Trash state, erasure, key, version and description as `ll:` attributes. */
function provLifecycle(x: LifecycleFields): Record<string, ProvValue | undefined> {
  return {
    'll:description': x.description,
    'll:trashed': x.trashed,
    'll:erasedAt': x.erased && { $: x.erased.at, type: 'xsd:dateTime' },
    'll:erasedBy': x.erased?.by,
    'll:key': x.key,
    'll:isLatest': x.isLatest,
  };
}

function strip(o: Record<string, ProvValue | undefined>): ProvRecord {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o as ProvRecord;
}
