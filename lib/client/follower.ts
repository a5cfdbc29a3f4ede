import { LineageError } from '../errors.js';
import { upcast } from '../events/catalog.js';
import type { LedgerEvent } from '../events/types.js';
import { unseal } from '../log/envelope.js';
import { Projection } from '../state/projection.js';
import { type Http, lines } from './http.js';

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

// Reconnection backoff after a broken stream (a server restart, a network hiccup).
const RETRY_FIRST_MS = 50;
const RETRY_MAX_MS = 2000;

/**
 * Follows a server's log into a local projection: one long-lived stream of the stored events after
 * the last seq applied, each checked (contiguous seq, `prev` linking to the event before, hash of its
 * bytes) before it is applied; reconnects from where it stopped when the stream breaks.
 */
export class Follower {
  #projection = new Projection();
  readonly #http: Http;
  #waiters: Waiter[] = [];
  #failure: LineageError | undefined;
  #stopped = false;
  #abort: (() => void) | undefined;
  #running: Promise<void> | undefined;

  constructor(http: Http) {
    this.#http = http;
  }

  /** The projection the followed events are applied to. */
  get projection(): Projection {
    return this.#projection;
  }

  /** Starts from `projection` (a checkpoint's) instead of an empty one; only before start(). */
  seed(projection: Projection): void {
    if (this.#running) throw new Error('seed() comes before start()');
    this.#projection = projection;
  }

  /** Starts following (once). */
  start(): void {
    this.#running ??= this.#loop();
  }

  /** Resolves once the projection has applied event `seq`; rejects when following has failed for good or stopped. */
  reach(seq: number): Promise<void> {
    if (this.projection.seq >= seq) return Promise.resolve();
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#stopped) return Promise.reject(new LineageError('LEDGER_CLOSED', 'this connection is closed; connect() again'));
    return new Promise((resolve, reject) => this.#waiters.push({ seq, resolve, reject }));
  }

  /** Stops following; pending waits are rejected with LEDGER_CLOSED. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort?.();
    this.#rejectAll(new LineageError('LEDGER_CLOSED', 'this connection was closed before the server\'s events arrived; connect() again'));
    await this.#running;
  }

  async #loop(): Promise<void> {
    let delay = RETRY_FIRST_MS;
    while (!this.#stopped) {
      try {
        const res = await this.#http.send('GET', `/events?after=${this.projection.seq}&follow=true`);
        this.#abort = () => res.destroy();
        if (this.#stopped) res.destroy();
        delay = RETRY_FIRST_MS;
        for await (const batch of lines(res)) {
          for (const bytes of batch) this.#apply(bytes);
          this.#settle();
        }
      } catch (err) {
        if (this.#stopped) return;
        // A server that refuses us, or a log that does not link, will not get better by asking again.
        const code = (err as LineageError)?.code;
        if (code === 'LEDGER_CORRUPT' || code === 'UNAUTHORIZED' || code === 'OUT_OF_RANGE' || code === 'INVALID_ARGUMENT') {
          this.#failure = err as LineageError;
          this.#rejectAll(err);
          return;
        }
      }
      if (this.#stopped) return;
      await new Promise<void>((r) => {
        const timer = setTimeout(r, delay);
        this.#abort = () => {
          clearTimeout(timer);
          r();
        };
      });
      delay = Math.min(delay * 2, RETRY_MAX_MS);
    }
  }

  #apply(bytes: Buffer): void {
    const p = this.projection;
    let event: LedgerEvent;
    try {
      event = unseal(bytes);
    } catch (err) {
      throw new LineageError('LEDGER_CORRUPT', `the ledger server sent an event after seq ${p.seq} that is not JSON`, { cause: err });
    }
    if (event.seq !== p.seq + 1) throw new LineageError('LEDGER_CORRUPT', `the ledger server sent event ${event.seq} where ${p.seq + 1} was due`);
    if (event.prev !== p.hash) throw new LineageError('LEDGER_CORRUPT', `event ${event.seq} from the ledger server does not link to event ${p.seq} (its prev differs): the server's log changed`);
    const data = upcast(event.type, event.v, event.data);
    p.apply(data === event.data ? event : ({ ...event, data } as LedgerEvent));
  }

  #settle(): void {
    const seq = this.projection.seq;
    if (!this.#waiters.some((w) => w.seq <= seq)) return;
    const due = this.#waiters.filter((w) => w.seq <= seq);
    this.#waiters = this.#waiters.filter((w) => w.seq > seq);
    for (const w of due) w.resolve();
  }

  #rejectAll(err: unknown): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.reject(err);
  }
}
