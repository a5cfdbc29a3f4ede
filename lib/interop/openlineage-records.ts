import type { EventSource } from '../log/source.js';
import { createHash } from 'node:crypto';
import { LineageError } from '../errors.js';
import type { JsonValue, OpenLineageBlobRef, OpenLineageEventRecorded } from '../events/types.js';
import { canonicalJson } from '../log/canonical.js';
import type { InlineBlob } from '../log/event-log.js';
import type { LedgerLog } from '../log/store.js';

/** A facet kept out of its event's bytes above this size: event bytes stay small, the whole plan is one blob. */
export const LARGE_FACET_BYTES = 8 * 1024;
// A recorded event stays well under LIMITS.eventBytes (256 KB): past this, its largest facets go to blobs too.
const RECORD_BUDGET = 160 * 1024;

type Json = { [key: string]: JsonValue };

/** Where facets may sit in an OpenLineage event: each facet, by JSON Pointer, with the path of containers to it. */
function* facetSlots(event: Json): Generator<{ at: string; path: (string | number)[]; name: string; value: JsonValue }> {
  function* facetsOf(prefix: string, path: (string | number)[], node: unknown, keys: string[]) {
    if (node === null || typeof node !== 'object') return;
    for (const key of keys) {
      const holder = (node as Json)[key];
      if (holder === null || typeof holder !== 'object' || Array.isArray(holder)) continue;
      for (const name of Object.keys(holder)) yield { at: `${prefix}/${key}/${escape(name)}`, path: [...path, key], name, value: (holder as Json)[name]! };
    }
  }
  yield* facetsOf('/run', ['run'], event.run, ['facets']);
  yield* facetsOf('/job', ['job'], event.job, ['facets']);
  yield* facetsOf('/dataset', ['dataset'], event.dataset, ['facets']);
  for (const side of ['inputs', 'outputs'] as const) {
    const list = event[side];
    if (!Array.isArray(list)) continue;
    for (let i = 0; i < list.length; i++) yield* facetsOf(`/${side}/${i}`, [side, i], list[i], ['facets', side === 'inputs' ? 'inputFacets' : 'outputFacets']);
  }
}

/** An event split for recording: its large facets as blobs, and a copy without them. */
export interface SplitEvent {
  /** The event with each large facet replaced by a stub of its `_producer` and `_schemaURL` (what validation needs); `recordOf` turns the stubs into null. */
  copy: Json;
  refs: OpenLineageBlobRef[];
  blobs: InlineBlob[];
  /** SHA-256 over the copy's canonical JSON and the blobs' hashes: equal events have equal digests. */
  digest: string;
}

/**
 * Splits an event: facets over LARGE_FACET_BYTES (and, while the rest is over its budget, the
 * largest others) become blobs, content-addressed by the bytes they were sent as; the copy shares
 * every other part with the input (containers on the way to a large facet are copied, nothing
 * else), so a 200 KB plan is serialized once and hashed once.
 */
export function splitEvent(event: Json): SplitEvent {
  const slots = [...facetSlots(event)].map((s) => {
    const text = JSON.stringify(s.value) ?? 'null';
    return { ...s, text, size: Buffer.byteLength(text) };
  });
  let copy = event;
  const refs: OpenLineageBlobRef[] = [];
  const blobs: InlineBlob[] = [];
  let total = slots.reduce((n, s) => n + s.size, 0);
  slots.sort((a, b) => b.size - a.size);
  for (const s of slots) {
    if (s.size <= LARGE_FACET_BYTES && total <= RECORD_BUDGET) break;
    const bytes = Buffer.from(s.text, 'utf8');
    const hash = createHash('sha256').update(bytes).digest('hex');
    refs.push({ at: s.at, hash, bytes: bytes.length });
    blobs.push({ key: hash, value: bytes });
    if (copy === event) copy = { ...event };
    // Copy the containers on the way (once each: a copied container is not the input's any more).
    let node: Json | JsonValue[] = copy;
    let source: unknown = event;
    for (const key of s.path) {
      source = (source as Json)[key as string];
      const child = (node as Json)[key as string] as Json | JsonValue[];
      const mine = child !== source ? child : Array.isArray(child) ? [...child] : { ...child };
      (node as Json)[key as string] = mine;
      node = mine;
    }
    const v = s.value as Json;
    const stub: Json = {};
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      if (v._producer !== undefined) stub._producer = v._producer;
      if (v._schemaURL !== undefined) stub._schemaURL = v._schemaURL;
    }
    (node as Json)[s.name] = stub;
    total -= s.size;
  }
  refs.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const nulled = refs.length === 0 ? copy : withNulls(copy, refs);
  const digest = createHash('sha256').update(canonicalJson(nulled) ?? '').update(refs.map((r) => `${r.at}\u0000${r.hash}`).join('\u0000')).digest('hex');
  return { copy, refs, blobs, digest };
}

// The stubs of a split copy, as null (a copy of their containers, so the validated copy is untouched).
function withNulls(copy: Json, refs: OpenLineageBlobRef[]): Json {
  const out = structuredCloneShallowPaths(copy, refs.map((r) => r.at));
  for (const r of refs) place(out, r.at, null);
  return out;
}

function structuredCloneShallowPaths(root: Json, pointers: string[]): Json {
  const out: Json = { ...root };
  for (const pointer of pointers) {
    const parts = pointer.split('/').slice(1).map(unescape);
    let node: Json | JsonValue[] = out;
    for (let i = 0; i < parts.length - 1; i++) {
      const key = parts[i]!;
      const child = (node as Json)[key] as Json | JsonValue[];
      const copied = Array.isArray(child) ? [...child] : { ...child };
      (node as Json)[key] = copied;
      node = copied;
    }
  }
  return out;
}

/** An event as recorded: the split copy with its large facets as null, listed as blobs. */
export function recordOf(split: SplitEvent, fields: Omit<OpenLineageEventRecorded, 'event' | 'blobs' | 'digest'>): OpenLineageEventRecorded {
  const data: OpenLineageEventRecorded = { ...fields, digest: split.digest, event: split.refs.length === 0 ? split.copy : withNulls(split.copy, split.refs) };
  if (split.refs.length > 0) data.blobs = split.refs;
  return data;
}

/** The recorded events at `seqs` (in that order), with their large facets read back from the store (those `wanted` says, by pointer: default all). */
export async function readRecords(log: EventSource, seqs: readonly number[], wanted: (at: string) => boolean = () => true): Promise<{ seq: number; data: OpenLineageEventRecorded; event: Json }[]> {
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
