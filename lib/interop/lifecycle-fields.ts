import type { RecordKindName } from '../events/lifecycle.js';
import type { View } from '../state/view.js';

/** A record's trash state, description and (files) key and version, as exports carry them. */
export interface LifecycleFields {
  description?: string;
  trashed?: true;
  /** When and by whom a file's content was erased. */
  erased?: { at: string; by: string };
  key?: string;
  /** The id of the version a file revises. */
  revises?: string;
  /** False for a file that a newer version replaced (absent for files that were never versioned). */
  isLatest?: boolean;
}

/** The lifecycle fields of a record as `view` sees it; empty for one with none (exports stay as they were). */
export function lifecycleFields(view: View, kind: RecordKindName, id: string): LifecycleFields {
  const out: LifecycleFields = {};
  const description = view.description(kind, id);
  if (description !== undefined) out.description = description;
  if (view.trashState(kind, id) !== undefined) out.trashed = true;
  if (kind !== 'file') return out;
  const e = view.erasure(id);
  if (e) out.erased = { at: e.at, by: `${e.by.user ? `${e.by.user}@` : ''}${e.by.hostname}` };
  const key = view.fileKey(id);
  if (key !== undefined) out.key = key;
  const revises = view.fileRevises(id);
  if (revises !== undefined) out.revises = revises;
  if (key !== undefined || revises !== undefined || view.versionsOf(id).length > 1) out.isLatest = view.isLatest(id);
  return out;
}
