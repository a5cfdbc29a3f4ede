import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { LineageError } from '../errors.js';
import type { LedgerEvent } from '../events/types.js';
import { Ledger } from '../ledger.js';
import { View } from '../state/view.js';
import { Links } from './links.js';
import { EventBuilder, type OpenLineageOptions, terminalType } from './openlineage-events.js';
import type { OpenLineageRunEvent, OpenLineageStaticEvent } from './openlineage-model.js';
import { readRecords } from './openlineage-records.js';

/** Options of `forwardOpenLineage()`. */
export interface ForwardOptions extends OpenLineageOptions {
  /** The backend's base URL, e.g. `http://localhost:5000` for Marquez. */
  url: string;
  /** The path events are POSTed to (default `/api/v1/lineage`). */
  endpoint?: string;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** How often to look for new events, in ms (default 1000). */
  intervalMs?: number;
  /** Timeout of one request, in ms (default 10000). */
  timeoutMs?: number;
  /** First retry delay after a failure, in ms (default 250); it doubles with each failure in a row. */
  retryBaseMs?: number;
  /** Longest retry delay, in ms (default 60000). */
  retryMaxMs?: number;
  /** Where to begin when nothing was forwarded to this URL yet: the first event (default) or the head. */
  from?: 'start' | 'now';
  /** Told about each failed attempt and each event the backend rejected for good (4xx). */
  onError?: (error: LineageError) => void;
}

/** What a forwarder has done so far. */
export interface ForwardStatus {
  /** The seq of the last log event handled; everything up to it was sent (or rejected for good). */
  position: number;
  /** Events POSTed and acknowledged with 2xx by this forwarder. */
  sent: number;
  /** Events the backend rejected for good (4xx other than 408 and 429) and that were skipped. */
  rejected: number;
  /** Failed attempts in a row (0 when the last one succeeded). */
  failures: number;
  lastError?: LineageError;
}

/** A running forwarder. */
export interface Forwarder {
  readonly status: ForwardStatus;
  /** The namespace of the jobs and datasets it sends. */
  readonly namespace: string;
  /** Sends everything appended so far; rejects with FORWARD_FAILED if that takes longer than `timeoutMs` (default 30000). */
  flush(options?: { timeoutMs?: number }): Promise<void>;
  /** Stops forwarding, abandoning a request in flight; unsent events stay in the log for the next forwarder. */
  stop(): Promise<void>;
}

const running = new WeakMap<Ledger, Set<string>>();

// How many sent events at most may be sent again after a crash (the position is saved this often).
const SAVE_EVERY = 64;

/** The delay before retry number `failures` (1, 2, …): base · 2^(failures−1), at most `max`. */
export function backoffDelay(failures: number, base: number, max: number): number {
  return Math.min(max, base * 2 ** Math.min(Math.max(0, failures - 1), 30));
}

/**
 * Forwards the ledger's lineage to an OpenLineage HTTP endpoint as it happens: a START when a run
 * starts, RUNNING (or OTHER, after its end) for each file it reads or writes, COMPLETE or FAIL when it
 * ends; an imported OpenLineage event is sent as recorded, with every facet. The log is the outbox: the forwarder reads committed events after the fact, so appends never
 * wait for it, and it keeps the seq it has sent up to in the ledger's meta, so a failed or restarted
 * forwarder resumes where it stopped. Delivery is exactly once while the process lives, and at least
 * once across a crash (at most 64 acknowledged events are sent again).
 */
export async function forwardOpenLineage(ledger: Ledger, options: ForwardOptions): Promise<Forwarder> {
  if (!(ledger instanceof Ledger)) throw new LineageError('INVALID_ARGUMENT', 'forwardOpenLineage() takes an open Ledger');
  if (options === null || typeof options !== 'object' || typeof options.url !== 'string') {
    throw new LineageError('INVALID_ARGUMENT', 'forwardOpenLineage(ledger, { url }) needs the backend URL, e.g. http://localhost:5000');
  }
  let target: URL;
  try {
    target = new URL((options.endpoint ?? '/api/v1/lineage').replace(/^\/?/, ''), options.url.endsWith('/') ? options.url : `${options.url}/`);
  } catch (err) {
    throw new LineageError('INVALID_ARGUMENT', `not a URL: ${options.url}`, { cause: err });
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new LineageError('INVALID_ARGUMENT', `forwarding needs an http or https URL, not ${options.url}`);
  for (const k of ['intervalMs', 'timeoutMs', 'retryBaseMs', 'retryMaxMs'] as const) {
    const v = options[k];
    if (v !== undefined && !(Number.isFinite(v) && v >= 1)) throw new LineageError('INVALID_ARGUMENT', `${k} must be a number ≥ 1`);
  }
  const key = `openlineage.forwarded ${target.href}`;
  // Two forwarders to one endpoint would each send everything: one per endpoint and ledger.
  const active = running.get(ledger) ?? new Set<string>();
  if (active.has(key)) throw new LineageError('INVALID_ARGUMENT', `this ledger is already forwarded to ${target.href}; stop() that forwarder first`);
  running.set(ledger, active.add(key));
  try {
    const stored = await ledger.log.getMeta<{ seq: number }>(key);
    const position = stored?.seq ?? (options.from === 'now' ? ledger.head.seq : 0);
    // The log is read for links only when imports made any (a ledger without imports has none).
    const links = ledger.projection.eventCounts.get('openlineage.linked') ? await Links.load(ledger, position) : new Links();
    const f = new HttpForwarder(ledger, target, key, position, links, options, () => active.delete(key));
    f.start();
    return f;
  } catch (err) {
    active.delete(key);
    throw err;
  }
}

class HttpForwarder implements Forwarder {
  readonly #ledger: Ledger;
  readonly #target: URL;
  readonly #key: string;
  readonly #links: Links;
  readonly #builder: EventBuilder;
  readonly #options: ForwardOptions;
  readonly #status: ForwardStatus;
  #timer: NodeJS.Timeout | undefined;
  #pumping: Promise<boolean> | undefined;
  #stopped = false;
  readonly #abort = new AbortController();
  #saved: number;

  readonly #release: () => void;

  constructor(ledger: Ledger, target: URL, key: string, position: number, links: Links, options: ForwardOptions, release: () => void) {
    this.#release = release;
    this.#ledger = ledger;
    this.#target = target;
    this.#key = key;
    this.#links = links;
    this.#options = options;
    this.#builder = new EventBuilder(ledger.info.ledgerId, links, options);
    this.#status = { position, sent: 0, rejected: 0, failures: 0 };
    this.#saved = position;
  }

  get status(): ForwardStatus {
    return { ...this.#status };
  }

  get namespace(): string {
    return this.#builder.namespace;
  }

  start(): void {
    this.#schedule(0);
  }

  async flush(options: { timeoutMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    const goal = this.#ledger.head.seq;
    while (this.#status.position < goal) {
      if (this.#stopped) throw new LineageError('FORWARD_FAILED', 'the forwarder was stopped before everything was sent');
      const ok = await this.#pump();
      if (this.#status.position >= goal) return;
      const wait = ok ? 0 : Math.min(this.#delay(), deadline - Date.now());
      if (Date.now() + wait >= deadline) {
        throw new LineageError('FORWARD_FAILED', `sent up to seq ${this.#status.position} of ${goal} before the timeout; the rest stays in the log and is retried (${this.#status.lastError?.message ?? 'no answer'})`, { cause: this.#status.lastError });
      }
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    // A request in flight is abandoned: its event was not acknowledged, so the next forwarder sends it.
    this.#abort.abort();
    await this.#pumping;
    this.#release();
  }

  #delay(): number {
    return backoffDelay(this.#status.failures, this.#options.retryBaseMs ?? 250, this.#options.retryMaxMs ?? 60_000);
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      void this.#pump().then((ok) => this.#schedule(ok ? (this.#options.intervalMs ?? 1000) : this.#delay()));
    }, ms);
    // A forwarder alone never keeps the process alive: what it has not sent waits in the log.
    this.#timer.unref();
  }

  /** One pass over the unsent events; never two at once. True when it reached the head without a failure. */
  #pump(): Promise<boolean> {
    this.#pumping ??= this.#send().finally(() => {
      this.#pumping = undefined;
    });
    return this.#pumping;
  }

  async #send(): Promise<boolean> {
    const ledger = this.#ledger;
    if (ledger.log.closed) {
      this.#stopped = true;
      return true;
    }
    const head = ledger.head.seq;
    if (this.#status.position >= head) return true;
    let unsaved = 0;
    try {
      for await (const batch of ledger.log.read(this.#status.position + 1, head, 256)) {
        for (const { event } of batch) {
          if (this.#stopped) return true;
          this.#links.apply(event);
          const ol = await this.#map(event);
          if (ol) await this.#post(ol);
          this.#status.position = event.seq;
          // The position is written every so many events and at the end of each pass, not after each
          // POST: a crash re-sends at most that many events, and appends do not share the disk with a write per event.
          if (ol && ++unsaved >= SAVE_EVERY) {
            await this.#save();
            unsaved = 0;
          }
        }
      }
      this.#status.failures = 0;
      return true;
    } catch (err) {
      if (ledger.log.closed || this.#stopped) {
        this.#stopped = true;
        return true;
      }
      const e = err instanceof LineageError && err.code === 'FORWARD_FAILED' ? err : new LineageError('FORWARD_FAILED', `forwarding to ${this.#target.href} failed: ${(err as Error)?.message ?? err}`, { cause: err });
      this.#status.failures++;
      this.#status.lastError = e;
      this.#report(e);
      return false;
    } finally {
      await this.#save().catch(() => {});
    }
  }

  /** Keeps the position in the ledger's meta, so that the next forwarder starts after it. */
  async #save(): Promise<void> {
    if (this.#saved === this.#status.position || this.#ledger.log.closed) return;
    const seq = this.#status.position;
    await this.#ledger.log.putMeta(this.#key, { seq });
    this.#saved = seq;
  }

  /**
   * The OpenLineage event a log event makes, if any: each log event makes at most one, so the position
   * is a seq. An imported event is sent as it was recorded, with every facet (large ones read back
   * from the store); the ledger events an import derived from it (start, edges, end) are not sent again.
   */
  async #map(event: LedgerEvent): Promise<OpenLineageRunEvent | OpenLineageStaticEvent | undefined> {
    if (event.type === 'openlineage.event') {
      const [record] = await readRecords(this.#ledger.log, [event.seq]);
      return record?.event as unknown as OpenLineageRunEvent | OpenLineageStaticEvent | undefined;
    }
    const runId = runOf(event);
    if (runId !== undefined && this.#imported(runId)) return undefined;
    const view = new View(this.#ledger.projection, event.seq);
    switch (event.type) {
      case 'run.started': {
        const run = view.run(event.data.id);
        return run && this.#builder.runEvent(view, run, 'START', run.startedAt, { inputs: [], outputs: [] });
      }
      case 'run.finished': {
        const run = view.run(event.data.runId);
        const type = run && terminalType(run);
        return type && this.#builder.runEvent(view, run, type, run.finishedAt!);
      }
      case 'file.created':
      case 'file.recreated':
      case 'file.loaded_as_input': {
        const d = event.data as { id?: string; fileId?: string; runId?: string };
        const run = d.runId === undefined ? undefined : view.run(d.runId);
        if (!run) return undefined;
        const fileId = (d.fileId ?? d.id)!;
        const only = event.type === 'file.loaded_as_input' ? { inputs: [fileId], outputs: [] } : { inputs: [], outputs: [fileId] };
        return this.#builder.runEvent(view, run, run.status === 'started' ? 'RUNNING' : 'OTHER', event.at, only);
      }
      default:
        return undefined;
    }
  }

  /**
   * True for a run an import made: one that OpenLineage events were recorded for (they are sent
   * verbatim instead), or a placeholder parent known only from its children's facets (never sent as
   * if its producer had sent it).
   */
  #imported(runId: string): boolean {
    const link = this.#links.get(runId);
    if (!link) return false;
    if (link.placeholder) return true;
    const p = this.#ledger.projection;
    const i = p.runs.indexOf(runId);
    return i >= 0 && p.runFacets.seqs(i, p.seq, []).length > 0;
  }

  async #post(event: OpenLineageRunEvent | OpenLineageStaticEvent): Promise<void> {
    const body = JSON.stringify(event);
    const status = await post(this.#target, body, this.#headers(body), this.#options.timeoutMs ?? 10_000, this.#abort.signal);
    if (status >= 200 && status < 300) {
      this.#status.sent++;
      return;
    }
    if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
      // The backend will never take this event: skipping it keeps the rest of the lineage flowing.
      this.#status.rejected++;
      const what = 'run' in event ? `${event.eventType ?? ''} event of run ${event.run.runId}` : `${'job' in event && event.job ? 'job' : 'dataset'} event`;
      this.#report(new LineageError('FORWARD_FAILED', `${this.#target.href} rejected the ${what} with HTTP ${status}; skipped`));
      return;
    }
    throw new LineageError('FORWARD_FAILED', `${this.#target.href} answered HTTP ${status}`);
  }

  #report(e: LineageError): void {
    try {
      this.#options.onError?.(e);
    } catch {
      // A failing error callback must not stop the forwarder (nor surface as an unhandled rejection).
    }
  }

  #headers(body: string): Record<string, string> {
    const h: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...this.#options.headers };
    if (this.#options.apiKey) h.authorization = `Bearer ${this.#options.apiKey}`;
    return h;
  }
}

/** The run a lifecycle or edge event is about, if any. */
function runOf(event: LedgerEvent): string | undefined {
  switch (event.type) {
    case 'run.started':
      return event.data.id;
    case 'run.finished':
    case 'file.recreated':
    case 'file.loaded_as_input':
      return event.data.runId;
    case 'file.created':
      return event.data.runId;
    default:
      return undefined;
  }
}

/** One POST without keep-alive; resolves with the status code once the answer is read. */
function post(url: URL, body: string, headers: Record<string, string>, timeoutMs: number, signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(url, { method: 'POST', headers, agent: false, timeout: timeoutMs, signal }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
