import { Links } from './links.js';
import { EventBuilder, type OpenLineageOptions, terminalType } from './openlineage-events.js';
import type { OpenLineageRunEvent } from './openlineage-model.js';
import { type LineageSource, pin } from './source.js';

export type { OpenLineageOptions } from './openlineage-events.js';

/**
 * The ledger's runs as OpenLineage RunEvents, ordered by event time: each run a START and, once it
 * ended, a COMPLETE or FAIL. Jobs are transforms, datasets are files (version = content hash).
 */
export async function* openLineageEvents(source: LineageSource, options: OpenLineageOptions = {}): AsyncGenerator<OpenLineageRunEvent> {
  const { ledger, view } = pin(source);
  const links = await linksAt(source, view.watermark);
  const builder = new EventBuilder(ledger.info.ledgerId, links, options);
  const runs = view.runIds().map((id) => view.run(id)!);
  // Every event's time, so the stream comes in time order (a file transport is read front to back).
  const order: { time: number; i: number; run: (typeof runs)[number]; start: boolean }[] = [];
  runs.forEach((run, i) => {
    order.push({ time: Date.parse(run.startedAt), i: 2 * i, run, start: true });
    if (terminalType(run)) order.push({ time: Date.parse(run.finishedAt!), i: 2 * i + 1, run, start: false });
  });
  order.sort((a, b) => a.time - b.time || a.i - b.i);
  for (const o of order) {
    yield o.start ? builder.runEvent(view, o.run, 'START', o.run.startedAt) : builder.runEvent(view, o.run, terminalType(o.run)!, o.run.finishedAt!);
  }
}

/** All of `openLineageEvents()` in an array. */
export async function toOpenLineage(source: LineageSource, options: OpenLineageOptions = {}): Promise<OpenLineageRunEvent[]> {
  const out: OpenLineageRunEvent[] = [];
  for await (const e of openLineageEvents(source, options)) out.push(e);
  return out;
}

/** Run events as JSONL, one event per line (OpenLineage's file transport). */
export function toJsonl(events: Iterable<OpenLineageRunEvent>): string {
  let s = '';
  for (const e of events) s += `${JSON.stringify(e)}\n`;
  return s;
}

/** The links recorded up to `seq`; the log is read only when imports made any. */
export async function linksAt(source: LineageSource, seq: number): Promise<Links> {
  const { ledger } = pin(source);
  if (!ledger.projection.eventCounts.get('openlineage.linked')) return new Links();
  return Links.load(ledger, seq);
}
