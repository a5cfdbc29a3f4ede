import type { Binding, LoadOptions } from './model/binding.js';
import { Reader } from './reader.js';
import { View } from './state/view.js';
import type { Projection } from './state/projection.js';

/** A read-only, consistent view of a ledger as of one seq, unaffected by later appends. */
export class Snapshot extends Reader {
  readonly #binding: Binding;

  /** @internal */
  constructor(projection: Projection, seq: number, owner: object, load: (fileId: string, options: LoadOptions) => Promise<Buffer>) {
    super();
    this.#binding = { view: new View(projection, seq), owner, load };
  }

  /** @internal */
  protected get binding(): Binding {
    return this.#binding;
  }
}
