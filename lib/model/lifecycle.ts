import { LineageError } from '../errors.js';
import type { ErasedBy, RecordKindName } from '../events/lifecycle.js';
import { DESCRIPTION_LENGTH, KEY_PATTERN } from '../events/lifecycle.js';
import { LIMITS } from '../limits.js';
import { describe } from './sanitize.js';
import type { Saved } from './saved.js';
import type { Erasure } from '../state/trash.js';

/** Options of `record.delete()`. */
export interface DeleteOptions {
  /** Erase a trashed file's stored content for good (its record, hash and lineage stay). */
  permanent?: boolean;
}
/** What `record.update()` changes. */
export interface RecordUpdate {
  /** The new description; null clears it. */
  description?: string | null;
}
/** When and by whom a file's content was erased. */
export interface ErasureInfo {
  at: Date;
  by: Readonly<ErasedBy>;
}

/** The writes of trash, erase and descriptions that a binding offers (a ledger's or a client's; a snapshot has none). */
export interface RecordWrites {
  trash(kind: RecordKindName, id: string): Promise<void>;
  restore(kind: RecordKindName, id: string): Promise<void>;
  erase(fileId: string): Promise<void>;
  describe(kind: RecordKindName, id: string, description: string | null): Promise<void>;
}

function writesOf(b: Saved | undefined, kind: RecordKindName, what: string): RecordWrites {
  if (!b) throw new LineageError('RECORD_NOT_SAVED', `this ${kind} has not been added to a ledger yet; add() it before ${what}`);
  const w = b.binding.writes;
  if (!w) throw new LineageError('INVALID_ARGUMENT', `this ${kind} was read from a snapshot, which is read-only; ${what} a record of the ledger itself`);
  return w;
}

/** `record.delete()`: to the trash, or, with `{ permanent: true }` for a trashed file, erase its content. */
export async function deleteRecord(b: Saved | undefined, kind: RecordKindName, options: DeleteOptions | undefined): Promise<void> {
  const o = options ?? {};
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new LineageError('INVALID_ARGUMENT', `delete() takes { permanent? }, not ${describe(o)}`);
  if (o.permanent !== undefined && typeof o.permanent !== 'boolean') throw new LineageError('INVALID_ARGUMENT', 'delete({ permanent }) takes a boolean');
  const w = writesOf(b, kind, 'delete()');
  if (o.permanent) {
    if (kind !== 'file') throw new LineageError('NOT_SUPPORTED', `a ${kind} has no stored content to erase; delete() moves it to the trash, restore() brings it back`);
    return w.erase(b!.id);
  }
  return w.trash(kind, b!.id);
}

/** `record.restore()`. */
export async function restoreRecord(b: Saved | undefined, kind: RecordKindName): Promise<void> {
  return writesOf(b, kind, 'restore()').restore(kind, b!.id);
}

/** `record.update({ description })`. */
export async function updateRecord(b: Saved | undefined, kind: RecordKindName, patch: RecordUpdate): Promise<void> {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) throw new LineageError('INVALID_ARGUMENT', `update() takes { description }, not ${describe(patch)}`);
  const extra = Object.keys(patch).filter((k) => k !== 'description');
  if (extra.length) throw new LineageError('INVALID_ARGUMENT', `update() changes only the description (records are immutable facts otherwise), not ${extra.join(', ')}`);
  if (!('description' in patch)) throw new LineageError('INVALID_ARGUMENT', 'update() takes { description }');
  const d = cleanDescription(patch.description, true);
  return writesOf(b, kind, 'update()').describe(kind, b!.id, d ?? null);
}

/** A description as stored: a string of at most DESCRIPTION_LENGTH characters (NFC), or null to clear when allowed. */
export function cleanDescription(d: unknown, nullable: boolean): string | null | undefined {
  if (d === undefined) return undefined;
  if (d === null && nullable) return null;
  if (typeof d !== 'string') throw new LineageError('INVALID_ARGUMENT', `a description is a string${nullable ? ' (or null to clear it)' : ''}, not ${describe(d)}`);
  const s = d.normalize('NFC');
  if (s.length > DESCRIPTION_LENGTH) throw new LineageError('LIMIT_EXCEEDED', `the description has ${s.length} characters; the limit is ${DESCRIPTION_LENGTH}`);
  if (!s.isWellFormed()) throw new LineageError('INVALID_ARGUMENT', 'a description must be well-formed Unicode (no lone surrogates)');
  return s;
}

const KEY = new RegExp(KEY_PATTERN, 'u');

/** A file's virtual key, checked: a relative path-like string (`raw/2026/input.fastq.gz`), NFC. */
export function cleanKey(k: unknown): string | undefined {
  if (k === undefined) return undefined;
  if (typeof k !== 'string') throw new LineageError('INVALID_ARGUMENT', `a file key is a string like 'raw/2026/input.fastq.gz', not ${describe(k)}`);
  const s = k.normalize('NFC');
  if (s.length === 0 || s.length > LIMITS.nameLength) throw new LineageError(s.length ? 'LIMIT_EXCEEDED' : 'INVALID_ARGUMENT', `a file key has 1 to ${LIMITS.nameLength} characters, not ${s.length}`);
  if (!s.isWellFormed() || !KEY.test(s)) throw new LineageError('INVALID_ARGUMENT', `${JSON.stringify(s)} is not a file key: use a relative path like 'raw/2026/input.fastq.gz' (no leading or trailing /, no empty, . or .. segment, no backslash or control character)`);
  return s;
}

/** CONTENT_ERASED for a file whose content was erased: when, and by whom. */
export function erasedError(name: string, e: Erasure): LineageError {
  const who = `${e.by.user ? `${e.by.user}@` : ''}${e.by.hostname}${e.by.runId ? ` (run ${e.by.runId})` : ''}`;
  return new LineageError('CONTENT_ERASED', `the content of ${name} was erased on ${e.at} by ${who} (event ${e.seq}); its record, hash and lineage remain`);
}
