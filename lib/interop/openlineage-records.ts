import type { EventSource } from '../log/source.js';
import { createHash } from 'node:crypto';
import { LineageError } from '../errors.js';
import type { JsonValue, OpenLineageBlobRef, OpenLineageEventRecorded } from '../events/types.js';
import { canonicalJson, canonicalOrdered, knownCanonical } from '../log/canonical.js';
import { jsonBytes, jsonSizeWithin } from './json-bytes.js';
import { rawFacetBytes } from './raw-facets.js';
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
  /** The event with each large facet replaced by a stub of its `_producer` and `_schemaURL` (what validation needs). */
  copy: Json;
  /** What is recorded: the copy with its stubs as null, its keys in canonical order (so that sealing it copies nothing). */
  recorded: Json;
  refs: OpenLineageBlobRef[];
  blobs: InlineBlob[];
  /** SHA-256 over the recorded copy's canonical JSON and the blobs' hashes: equal events have equal digests. */
  digest: string;
}

/**
 * Splits an event: facets over LARGE_FACET_BYTES (and, while the rest is over its budget, the
 * largest others) become blobs, content-addressed by their JSON bytes; the copy shares every other
 * part with the input (containers on the way to a large facet are copied, nothing else). A small
 * facet is measured, not serialized; a large one is found as soon as it passes the threshold, and
 * written to bytes once, a part at a time (jsonBytes), and hashed once.
 */
export function splitEvent(event: Json): SplitEvent {
  const slots: Slot[] = [];
  let total = 0;
  for (const s of facetSlots(event)) {
    // A large facet left unparsed (parseEventText) comes with its bytes, those JSON.stringify would write.
    const raw = rawFacetBytes(s.value);
    if (raw) {
      slots.push({ ...s, size: raw.length, bytes: raw });
      continue;
    }
    const size = jsonSizeWithin(s.value, LARGE_FACET_BYTES);
    if (size < 0) {
      // Large: a blob whatever the rest weighs (its bytes are its size).
      const bytes = jsonBytes(s.value);
      slots.push({ ...s, size: bytes.length, bytes });
    } else {
      slots.push({ ...s, size });
      total += size;
    }
  }
  let copy = event;
  const refs: OpenLineageBlobRef[] = [];
  const blobs: InlineBlob[] = [];
  const take = (s: Slot) => {
    const bytes = s.bytes ?? jsonBytes(s.value);
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
  };
  for (const s of slots) if (s.bytes) take(s);
  if (total > RECORD_BUDGET) {
    // The largest small facets too, largest first (ties in event order), until the rest fits.
    const small = slots.filter((s) => !s.bytes).sort((a, b) => b.size - a.size);
    for (const s of small) {
      if (total <= RECORD_BUDGET) break;
      take(s);
      total -= s.size;
    }
  }
  refs.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const nulled = refs.length === 0 ? copy : withNulls(copy, refs);
  // Ordered once: the digest is its JSON, and the record holds it, so that sealing copies nothing.
  let recorded = canonicalOrdered(nulled);
  const text = recorded === undefined ? canonicalJson(nulled) : JSON.stringify(recorded);
  // The text is remembered for sealing the record, on an object of ours (never the caller's, which may change later).
  if (recorded !== undefined && text !== undefined) knownCanonical(recorded === event ? (recorded = { ...recorded }) : recorded, text);
  const digest = createHash('sha256').update(text ?? '').update(refs.map((r) => `${r.at}\u0000${r.hash}`).join('\u0000')).digest('hex');
  return { copy, recorded: recorded ?? nulled, refs, blobs, digest };
}

interface Slot {
  at: string;
  path: (string | number)[];
  name: string;
  value: JsonValue;
  size: number;
  /** A large facet's JSON bytes. */
  bytes?: Buffer;
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
  const data: OpenLineageEventRecorded = { ...fields, digest: split.digest, event: split.recorded };
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
