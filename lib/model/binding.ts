import type { RunContext } from '../context/run-context.js';
import { LineageError } from '../errors.js';
import type { FileRow } from '../state/rows.js';
import type { View } from '../state/view.js';
import type { LineageRecord } from './records.js';
import { erasedError, type RecordWrites } from './lifecycle.js';
import type { MetaCommands } from './meta.js';

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
  /** Trash, restore, erase and describe (absent in read-only snapshots). */
  readonly writes?: RecordWrites;
  /** Labels, run references and stored sources (absent where records cannot write or read content). */
  readonly meta?: MetaCommands;
}

/** True when a record is bound (saved), and it is `owner`'s; a record of another ledger is INVALID_ARGUMENT. */
export function ownedBy(bound: { binding: Binding } | undefined, owner: object, kind: string): boolean {
  if (!bound) return false;
  if (bound.binding.owner !== owner) throw new LineageError('INVALID_ARGUMENT', `this ${kind} belongs to another ledger`);
  return true;
}

/** Saves one record, or an array of them in order, with `one`; returns what `add()` returns. */
export async function saveEach<T extends LineageRecord | readonly LineageRecord[]>(records: T, one: (r: LineageRecord) => Promise<LineageRecord>): Promise<T> {
  if (Array.isArray(records)) {
    const out: LineageRecord[] = [];
    for (const r of records) out.push(await one(r));
    return out as unknown as T;
  }
  return (await one(records as LineageRecord)) as T;
}

/** What a `load()` reads, checked: the file's row with stored content, and the context's run when it is to be an input. */
export function loadTarget(view: View, fileId: string, options: LoadOptions, context: RunContext): { row: FileRow & { key: string }; runId: string | undefined } {
  if (options.isRunInput !== undefined && typeof options.isRunInput !== 'boolean') throw new LineageError('INVALID_ARGUMENT', 'load({ isRunInput }) takes a boolean');
  const row = view.file(fileId);
  if (!row) throw new LineageError('FILE_NOT_FOUND', `no file ${fileId} in this ledger`);
  // An erasure is read at the head: a snapshot from before it cannot bring the content back.
  const erased = view.erasure(fileId);
  if (erased) throw erasedError(row.name, erased);
  let runId: string | undefined;
  if (options.isRunInput) {
    runId = context.current().run?.id;
    if (!runId) throw new LineageError('NO_RUN_CONTEXT', `load({ isRunInput: true }) of ${row.name} needs a run: call track() or ledger.run() first`);
  }
  if (!row.key) throw new LineageError('CONTENT_MISSING', `${row.name} is known by its lineage only: its content was never stored in this ledger`);
  return { row: row as FileRow & { key: string }, runId };
}
