import { isLineageError, LineageError } from '../errors.js';
import type { Ledger } from '../ledger.js';
import { importOpenLineage, type ImportReport, type SkippedLine } from '../interop/openlineage-import.js';

/** What the import that took an event did (for all the events imported with it). */
export interface Imported {
  report: ImportReport;
  /** Events imported together with this one (itself included). */
  batch: number;
  /** The log's head once they were in. */
  seq: number;
}

interface Waiting {
  event: object;
  resolve: (r: Imported) => void;
  reject: (e: unknown) => void;
}

/**
 * Imports OpenLineage events as they arrive, as a group commit: while one import is being written,
 * the events that come in wait, and go in together as the next import (one atomic batch, merged as
 * `lineage import` merges). Each caller learns when its own event is in the log, or why it is not:
 * an event the import finds invalid is rejected alone and the others imported without it; when a whole batch fails, its events are retried one
 * by one, so that one bad event never fails the others.
 */
export class ImportQueue {
  readonly #ledger: Ledger;
  readonly #maxBatch: number;
  #waiting: Waiting[] = [];
  #running = false;

  constructor(ledger: Ledger, maxBatch = 1000) {
    this.#ledger = ledger;
    this.#maxBatch = maxBatch;
  }

  /** Resolves once `event` (a valid RunEvent) is in the log. */
  submit(event: object): Promise<Imported> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ event, resolve, reject });
      // The requests that arrive together (clients answered together send again together) are parsed
      // in the same turn of the event loop: the import starts after it, with all of them, not with the first alone.
      if (!this.#running) {
        this.#running = true;
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#waiting.length > 0) {
        const batch = this.#waiting.splice(0, this.#maxBatch);
        try {
          await this.#import(batch);
        } catch (err) {
          if (batch.length === 1) batch[0]!.reject(err);
          else for (const w of batch) await this.#import([w]).catch(w.reject);
        }
      }
    } finally {
      this.#running = false;
    }
  }

  async #import(batch: Waiting[]): Promise<void> {
    let report: ImportReport;
    try {
      // Strict: an import with an invalid event writes nothing, not even its import record.
      report = await importOpenLineage(this.#ledger, batch.map((w) => w.event), { strict: true, source: 'http' });
    } catch (err) {
      if (!isLineageError(err, 'IMPORT_INVALID') || !Array.isArray(err.cause)) throw err;
      const invalid = new Map((err.cause as SkippedLine[]).map((s) => [s.line, s]));
      const rest = batch.filter((w, i) => {
        const skipped = invalid.get(i + 1);
        if (skipped !== undefined) w.reject(new LineageError(skipped.code ?? 'INVALID_EVENT', `${skipped.message} (nothing was recorded from this event)`));
        return skipped === undefined;
      });
      if (rest.length > 0) await this.#import(rest);
      return;
    }
    const imported: Imported = { report, batch: batch.length, seq: this.#ledger.head.seq };
    for (const w of batch) w.resolve(imported);
  }
}
