import { LineageError } from '../errors.js';
import { CURRENT_VERSION, isEventType, upcast } from '../events/catalog.js';
import type { EventType, LedgerEvent } from '../events/types.js';
import type { StoredEvent } from '../log/event-log.js';
import type { EventSource } from '../log/source.js';
import { describe } from '../model/sanitize.js';
import type { View } from '../state/view.js';

/** Options of `ledger.events()`. */
export interface EventsOptions {
  /** The first seq (default 1). */
  from?: number;
  /** The last seq, inclusive (default: the head; a snapshot's seq for a snapshot). */
  to?: number;
  /** Only events of these types. */
  types?: readonly EventType[];
}

/**
 * An event as the audit API returns it: the stored envelope with its `data` upcast to the current
 * version of its type; `v` stays the version it was written at, `hash` is the SHA-256 of its stored bytes.
 */
export type AuditEvent = LedgerEvent;

/** The event with its data in the current shape of its type. */
export function current({ event: e }: StoredEvent): AuditEvent {
  const data = e.v === CURRENT_VERSION[e.type] ? e.data : upcast(e.type, e.v, e.data);
  return { seq: e.seq, at: e.at, type: e.type, v: e.v, data, prev: e.prev, hash: e.hash } as AuditEvent;
}

/** A checked `events()` range: seqs `from`..`to` inclusive, and the types to keep (all when undefined). */
export interface EventRange {
  from: number;
  to: number;
  types: ReadonlySet<string> | undefined;
}

/** Checks `events()` options against the last seq the reader sees. */
export function eventRange(options: EventsOptions | undefined, last: number): EventRange {
  if (options === undefined) return { from: 1, to: last, types: undefined };
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new LineageError('INVALID_ARGUMENT', `events() takes { from?, to?, types? }, not ${describe(options)}`);
  const seq = (x: unknown, name: string, dflt: number) => {
    if (x === undefined) return dflt;
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) throw new LineageError('INVALID_ARGUMENT', `events({ ${name} }) takes a non-negative integer seq, not ${describe(x)}`);
    return x;
  };
  const from = seq(options.from, 'from', 1);
  const to = Math.min(seq(options.to, 'to', last), last);
  let types: Set<string> | undefined;
  if (options.types !== undefined) {
    if (!Array.isArray(options.types)) throw new LineageError('INVALID_ARGUMENT', 'events({ types }) takes an array of event type names');
    for (const t of options.types) {
      if (typeof t !== 'string' || !isEventType(t)) {
        throw new LineageError('INVALID_ARGUMENT', `unknown event type ${typeof t === 'string' ? JSON.stringify(t) : describe(t)}; the types are ${Object.keys(CURRENT_VERSION).join(', ')}`);
      }
    }
    types = new Set(options.types);
  }
  return { from, to, types };
}

/** Streams the log's events in order, batch by batch, upcast; never holds more than a batch. */
export async function* streamEvents(log: EventSource, { from, to, types }: EventRange): AsyncGenerator<AuditEvent> {
  if (from > to) return;
  for await (const batch of log.read(from, to)) {
    for (const stored of batch) if (!types || types.has(stored.event.type)) yield current(stored);
  }
}

/** The events that made and changed an entity, as of the view's watermark, in log order. */
export async function entityHistory(view: View, log: EventSource, kind: 'transform' | 'run' | 'file', id: string): Promise<AuditEvent[]> {
  const seqs = view.eventSeqs(kind, id);
  const out: AuditEvent[] = [];
  // Read in slices so that a transform with very many runs does not issue one huge multi-get.
  for (let i = 0; i < seqs.length; i += 1000) {
    for (const stored of await log.getEvents(seqs.slice(i, i + 1000))) out.push(current(stored));
  }
  return out;
}
