import { createHash } from 'node:crypto';
import { LineageError } from '../errors.js';
import type { JsonValue, OpenLineageBlobRef, OpenLineageEventRecorded } from '../events/types.js';
import { canonicalJson } from '../log/canonical.js';
import type { EventLog, InlineBlob } from '../log/event-log.js';

/** A facet kept out of its event's bytes above this size: event bytes stay small, the whole plan is one blob. */
export const LARGE_FACET_BYTES = 8 * 1024;
// A recorded event stays well under LIMITS.eventBytes (256 KB): past this, its largest facets go to blobs too.
const RECORD_BUDGET = 160 * 1024;

type Json = { [key: string]: JsonValue };

/** SHA-256 of a value's canonical JSON, and those bytes. */
export function canonicalDigest(value: unknown): { hash: string; bytes: Buffer } {
  const bytes = Buffer.from(canonicalJson(value) ?? 'null', 'utf8');
  return { hash: createHash('sha256').update(bytes).digest('hex'), bytes };
}

/** Where facets may sit in an OpenLineage event: JSON Pointers to each facet object. */
function* facetSlots(event: Json): Generator<{ at: string; holder: Json; name: string }> {
  const facetsOf = (prefix: string, node: unknown, keys: string[]) => {
    const out: { at: string; holder: Json; name: string }[] = [];
    if (node === null || typeof node !== 'object') return out;
    for (const key of keys) {
      const holder = (node as Json)[key];
      if (holder === null || typeof holder !== 'object' || Array.isArray(holder)) continue;
      for (const name of Object.keys(holder)) out.push({ at: `${prefix}/${key}/${escape(name)}`, holder: holder as Json, name });
    }
    return out;
  };
  yield* facetsOf('/run', event.run, ['facets']);
  yield* facetsOf('/job', event.job, ['facets']);
  yield* facetsOf('/dataset', event.dataset, ['facets']);
  for (const side of ['inputs', 'outputs'] as const) {
    const list = event[side];
    if (!Array.isArray(list)) continue;
    for (let i = 0; i < list.length; i++) yield* facetsOf(`/${side}/${i}`, list[i], ['facets', side === 'inputs' ? 'inputFacets' : 'outputFacets']);
  }
}

/**
 * An OpenLineage event as recorded: a copy whose large facets are replaced by null and listed as
 * blobs (content-addressed by their canonical JSON), so the event stays small and a plan of hundreds
 * of KB is stored once however many events repeat it.
 */
export function recordOf(event: Json, fields: Omit<OpenLineageEventRecorded, 'event' | 'blobs' | 'digest'>, digest: string): { data: OpenLineageEventRecorded; blobs: InlineBlob[] } {
  const copy = structuredClone(event);
  const slots = [...facetSlots(copy)].map((s) => ({ ...s, size: Buffer.byteLength(JSON.stringify(s.holder[s.name]) ?? '') }));
  let total = Buffer.byteLength(JSON.stringify(copy));
  const refs: OpenLineageBlobRef[] = [];
  const blobs: InlineBlob[] = [];
  // Largest first: the fewest blobs that bring the event under its budget.
  slots.sort((a, b) => b.size - a.size);
  for (const s of slots) {
    if (s.size <= LARGE_FACET_BYTES && total <= RECORD_BUDGET) break;
    const { hash, bytes } = canonicalDigest(s.holder[s.name]);
    refs.push({ at: s.at, hash, bytes: bytes.length });
    blobs.push({ key: hash, value: bytes });
    s.holder[s.name] = null;
    total -= s.size;
  }
  refs.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const data: OpenLineageEventRecorded = { ...fields, digest, event: copy };
  if (refs.length > 0) data.blobs = refs;
  return { data, blobs };
}

/** The recorded events at `seqs` (in that order), with their large facets read back from the store (those `wanted` says, by pointer: default all). */
export async function readRecords(log: EventLog, seqs: readonly number[], wanted: (at: string) => boolean = () => true): Promise<{ seq: number; data: OpenLineageEventRecorded; event: Json }[]> {
  if (seqs.length === 0) return [];
  const stored = await log.getEvents(seqs);
  const out: { seq: number; data: OpenLineageEventRecorded; event: Json }[] = [];
  for (const { event } of stored) {
    if (event.type !== 'openlineage.event') continue;
    const data = event.data;
    const copy = data.blobs ? (structuredClone(data.event) as Json) : data.event;
    for (const ref of data.blobs ?? []) {
      if (!wanted(ref.at)) continue;
      const bytes = await log.getBlob(ref.hash);
      if (!bytes) throw new LineageError('CONTENT_MISSING', `the facet at ${ref.at} of event ${event.seq} (${ref.hash}) is missing from the store; restore it from a backup`);
      const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (createHash('sha256').update(text).digest('hex') !== ref.hash) throw new LineageError('INTEGRITY_MISMATCH', `the stored facet at ${ref.at} of event ${event.seq} does not match its hash ${ref.hash}`);
      place(copy, ref.at, JSON.parse(text.toString('utf8')) as JsonValue);
    }
    out.push({ seq: event.seq, data, event: copy });
  }
  return out;
}

function place(root: Json, pointer: string, value: JsonValue): void {
  const parts = pointer.split('/').slice(1).map(unescape);
  let node: unknown = root;
  for (let i = 0; i < parts.length - 1; i++) node = (node as Json)[parts[i]!];
  (node as Json)[parts[parts.length - 1]!] = value;
}

function escape(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}
function unescape(part: string): string {
  return part.replace(/~1/g, '/').replace(/~0/g, '~');
}
