import type { Ledger } from '../ledger.js';
import type { LedgerEvent, OpenLineageLinked } from '../events/types.js';

/**
 * The OpenLineage identities that imports recorded (`openlineage.linked` events), by entity id.
 * They live in the log, not in the projection: only interop reads them.
 */
export class Links {
  readonly #byId = new Map<string, OpenLineageLinked>();
  #seq = 0;

  /** Reads the links recorded up to `seq` (inclusive). */
  static async load(ledger: Ledger, seq: number): Promise<Links> {
    const links = new Links();
    await links.advance(ledger, seq);
    return links;
  }

  /** The link of an entity, if an import made it. */
  get(id: string): OpenLineageLinked | undefined {
    return this.#byId.get(id);
  }

  /** Takes one log event into account (events must come in log order). */
  apply(event: LedgerEvent): void {
    if (event.seq <= this.#seq) return;
    if (event.type === 'openlineage.linked') this.#byId.set(event.data.id, event.data);
    this.#seq = event.seq;
  }

  /** Reads the links recorded after the last event seen, up to `seq`. */
  async advance(ledger: Ledger, seq: number): Promise<void> {
    if (seq <= this.#seq) return;
    for await (const batch of ledger.log.read(this.#seq + 1, seq)) for (const { event } of batch) this.apply(event);
    this.#seq = seq;
  }
}
