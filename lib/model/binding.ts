import type { View } from '../state/view.js';

/** Options of `file.load()`. */
export interface LoadOptions {
  /** Record the file as an input of the current run (default false). */
  isRunInput?: boolean;
}

/** What a saved record needs from its ledger: a view to read through, and content loading. */
export interface Binding {
  readonly view: View;
  /** The ledger that owns the records, to tell its records from another ledger's. */
  readonly owner: object;
  load(fileId: string, options: LoadOptions): Promise<Buffer>;
}
