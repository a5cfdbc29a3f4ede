import { Links } from './links.js';
import { EventBuilder, type OpenLineageOptions, terminalType } from './openlineage-events.js';
import type { OpenLineageRunEvent, OpenLineageStaticEvent } from './openlineage-model.js';
import { readRecords } from './openlineage-records.js';
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
  // Runs imported from OpenLineage give back the events they came from, verbatim (every facet).
  const p = view.projection;
  const seqs: number[] = [];
  for (const run of runs) p.runFacets.seqs(p.runs.indexOf(run.id), view.watermark, seqs);
  const recorded = new Map<string, OpenLineageRunEvent[]>();
  for (const { data, event } of await readRecords(ledger.log, seqs)) {
    const list = recorded.get(data.runId!) ?? [];
    list.push(event as unknown as OpenLineageRunEvent);
    recorded.set(data.runId!, list);
  }
  // Every event's time, so the stream comes in time order (a file transport is read front to back).
  const order: { time: number; i: number; k: number; event: () => OpenLineageRunEvent }[] = [];
  runs.forEach((run, i) => {
    const verbatim = recorded.get(run.id);
    if (verbatim) {
      verbatim.forEach((e, k) => order.push({ time: Date.parse(e.eventTime), i, k, event: () => e }));
      return;
    }
    // A parent known only from its children's parent facet was never sent: exporting it would invent events.
    if (links.get(run.id)?.placeholder) return;
    order.push({ time: Date.parse(run.startedAt), i, k: 0, event: () => builder.runEvent(view, run, 'START', run.startedAt) });
    const type = terminalType(run);
    if (type) order.push({ time: Date.parse(run.finishedAt!), i, k: 1, event: () => builder.runEvent(view, run, type, run.finishedAt!) });
  });
  order.sort((a, b) => a.time - b.time || a.i - b.i || a.k - b.k);
  for (const o of order) yield o.event();
}

/** The JobEvents and DatasetEvents (static lineage) imported into the ledger, verbatim, in log order. */
export async function* openLineageStaticEvents(source: LineageSource): AsyncGenerator<OpenLineageStaticEvent> {
  const { ledger, view } = pin(source);
  const p = view.projection;
  const seqs = new Set<number>();
  for (const [order, rel] of [[p.transformOrder, p.transformFacets], [p.fileOrder, p.fileFacets]] as const) {
    const n = order.countAt(view.watermark);
    for (let j = 0; j < n; j++) for (const seq of rel.seqs(order.at(j), view.watermark, [])) seqs.add(seq);
  }
  for (const { data, event } of await readRecords(ledger.log, [...seqs].sort((a, b) => a - b))) {
    if (data.kind !== 'run') yield event as unknown as OpenLineageStaticEvent;
  }
}

/** All of `openLineageEvents()` in an array. */
export async function toOpenLineage(source: LineageSource, options: OpenLineageOptions = {}): Promise<OpenLineageRunEvent[]> {
  const out: OpenLineageRunEvent[] = [];
  for await (const e of openLineageEvents(source, options)) out.push(e);
  return out;
}

/** Run events as JSONL, one event per line (OpenLineage's file transport). */
export function toJsonl(events: Iterable<OpenLineageRunEvent | OpenLineageStaticEvent>): string {
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
