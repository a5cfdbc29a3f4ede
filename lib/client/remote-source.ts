import { LineageError } from '../errors.js';
import { unseal } from '../log/envelope.js';
import type { StoredEvent } from '../log/event-log.js';
import type { EventSource } from '../log/source.js';
import { createHash } from 'node:crypto';
import { type Http, lines } from './http.js';

// The server answers at most this many seqs per batch request.
const BATCH = 1000;

/** A server's log read over HTTP, for `history()`, `events()` and snapshot heads; events come as their stored bytes and are re-hashed here. */
export class RemoteSource implements EventSource {
  readonly #http: Http;

  constructor(http: Http) {
    this.#http = http;
  }

  async *read(from = 1, to = Number.MAX_SAFE_INTEGER): AsyncGenerator<StoredEvent[]> {
    if (from > to) return;
    const res = await this.#http.send('GET', `/events?after=${Math.max(0, from - 1)}${to < Number.MAX_SAFE_INTEGER ? `&to=${to}` : ''}`);
    let expect = Math.max(1, from);
    let prev: string | undefined;
    try {
      for await (const batch of lines(res)) {
        const out = batch.map((bytes) => {
          const event = unseal(bytes);
          if (event.seq !== expect || (prev !== undefined && event.prev !== prev)) throw new LineageError('LEDGER_CORRUPT', `the ledger server sent event ${event.seq} where ${expect} (linked to the one before) was due`);
          expect++;
          prev = event.hash;
          return { event, bytes };
        });
        yield out;
      }
    } finally {
      res.destroy();
    }
  }

  async getEvents(seqs: readonly number[]): Promise<StoredEvent[]> {
    const out: StoredEvent[] = [];
    for (let i = 0; i < seqs.length; i += BATCH) {
      const slice = seqs.slice(i, i + BATCH);
      const res = await this.#http.send('POST', '/events/batch', { json: { seqs: slice } });
      for await (const batch of lines(res)) for (const bytes of batch) out.push({ event: unseal(bytes), bytes });
      if (out.length !== i + slice.length) throw new LineageError('CONNECTION_FAILED', `the ledger server sent ${out.length - i} of ${slice.length} events asked for`);
    }
    for (let i = 0; i < seqs.length; i++) {
      if (out[i]!.event.seq !== seqs[i]) throw new LineageError('LEDGER_CORRUPT', `the ledger server sent event ${out[i]!.event.seq} where ${seqs[i]} was asked for`);
    }
    return out;
  }

  async getBlob(hash: string): Promise<Uint8Array | undefined> {
    const res = await this.#http.send('GET', `/blobs/${encodeURIComponent(hash)}`).catch((err: unknown) => {
      if (err instanceof LineageError && err.code === 'CONTENT_MISSING') return undefined;
      throw err;
    });
    if (!res) return undefined;
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const bytes = Buffer.concat(chunks);
    // The blob is named by its hash: what arrives must hash to it, as the log's own reader checks.
    if (createHash('sha256').update(bytes).digest('hex') !== hash) throw new LineageError('INTEGRITY_MISMATCH', `the ledger server sent a blob that does not hash to ${hash}`);
    return bytes;
  }
}
