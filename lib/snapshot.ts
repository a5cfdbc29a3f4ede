import { GENESIS_HASH } from './log/envelope.js';
import type { Head } from './log/event-log.js';
import type { EventSource } from './log/source.js';
import type { Binding, LoadOptions } from './model/binding.js';
import type { MetaCommands } from './model/meta.js';
import { Reader } from './reader.js';
import { View } from './state/view.js';
import type { Projection } from './state/projection.js';

/** A read-only, consistent view of a ledger as of one seq, unaffected by later appends. */
export class Snapshot extends Reader {
  readonly #binding: Binding;
  readonly #log: EventSource;

  /** @internal */
  constructor(projection: Projection, seq: number, owner: object, load: (fileId: string, options: LoadOptions) => Promise<Buffer>, log: EventSource, meta?: MetaCommands) {
    super();
    // Writes through a snapshot's records (a label, a reference) go to the ledger's head, as load({ isRunInput }) does; the snapshot keeps seeing its seq.
    this.#binding = { view: new View(projection, seq), owner, load, meta };
    this.#log = log;
  }

  /** @internal */
  protected get binding(): Binding {
    return this.#binding;
  }

  /** @internal */
  protected get eventLog(): EventSource {
    return this.#log;
  }

  /**
   * The snapshot's position: its seq and the hash of that event, read from the stored bytes (the
   * projection keeps no per-event hashes, which would cost 32 bytes per event of memory).
   */
  async head(): Promise<Head> {
    const seq = this.seq;
    if (seq === 0) return { seq, hash: GENESIS_HASH };
    const [stored] = await this.#log.getEvents([seq]);
    return { seq, hash: stored!.event.hash };
  }
}
