import type { Ledger } from '../ledger.js';
import { Links } from '../interop/links.js';
import { EventBuilder, type OpenLineageOptions } from '../interop/openlineage-events.js';

/** What an entity is called in OpenLineage: its namespace and name. */
export interface OlName {
  namespace: string;
  name: string;
}

/**
 * The OpenLineage names of the ledger's entities, kept up to date with the log: the links that
 * imports recorded (read once, incrementally) and, the other way, the entity ids behind a name.
 * Names never change once linked (ids derive from them), so the index at the head answers for
 * every older snapshot too: a snapshot only ever asks about entities it can see.
 */
export class Identities {
  readonly #ledger: Ledger;
  readonly #links = new Links();
  readonly #byName = new Map<string, string[]>();
  readonly #options: OpenLineageOptions;
  #seq = 0;
  #pending: Promise<void> = Promise.resolve();

  constructor(ledger: Ledger, options: OpenLineageOptions = {}) {
    this.#ledger = ledger;
    this.#options = options;
  }

  /** Reads the links appended since the last call; concurrent callers share one read. */
  refresh(): Promise<void> {
    const head = this.#ledger.head.seq;
    if (head <= this.#seq) return this.#pending;
    this.#pending = this.#pending.then(() => this.#advance(head));
    return this.#pending;
  }

  /** The builder of OpenLineage events over these links (namespace, producer). */
  builder(): EventBuilder {
    return new EventBuilder(this.#ledger.info.ledgerId, this.#links, this.#options);
  }

  /** Entity ids that imports linked to this (kind, namespace, name). */
  linked(kind: 'transform' | 'file', namespace: string, name: string): readonly string[] {
    return this.#byName.get(key(kind, namespace, name)) ?? [];
  }

  /** The OpenLineage name an import gave this entity, if any. */
  link(id: string): OlName | undefined {
    const l = this.#links.get(id);
    return l && { namespace: l.namespace, name: l.name };
  }

  async #advance(head: number): Promise<void> {
    if (head <= this.#seq) return;
    for await (const batch of this.#ledger.log.read(this.#seq + 1, head)) {
      for (const { event } of batch) {
        this.#links.apply(event);
        if (event.type !== 'openlineage.linked' || event.data.kind === 'run') continue;
        const k = key(event.data.kind, event.data.namespace, event.data.name);
        const ids = this.#byName.get(k);
        if (!ids) this.#byName.set(k, [event.data.id]);
        else if (!ids.includes(event.data.id)) ids.push(event.data.id);
      }
    }
    this.#seq = head;
  }
}

function key(kind: string, namespace: string, name: string): string {
  return `${kind}\u0000${namespace}\u0000${name}`;
}
