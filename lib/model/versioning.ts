import { LineageError } from '../errors.js';
import type { View } from '../state/view.js';

/** A new file's place among versions: its key and the version it revises. */
export interface VersionPlan {
  key?: string;
  revises?: string;
}

/** Files planned earlier in the same atomic batch, not in the view yet: by key, and their keys by id. */
export interface PendingVersions {
  byKey: Map<string, string>;
  keyOf: Map<string, string | undefined>;
}

/**
 * Where a new file goes among versions (lamindb's rules): `revises` must be the latest version of its
 * family, and the new version keeps the family's key; a `key` alone that a latest version has makes
 * a new version of that file; otherwise the key must be free among latest versions. Pure over the view.
 */
export function planVersion(view: View, key: string | undefined, revises: string | undefined, pending?: PendingVersions): VersionPlan | undefined {
  if (revises !== undefined) {
    let familyKey: string | undefined;
    if (pending?.keyOf.has(revises)) familyKey = pending.keyOf.get(revises);
    else {
      if (!view.file(revises)) throw new LineageError('FILE_NOT_FOUND', `revises: no file ${revises} in this ledger`);
      const latest = view.latestOf(revises);
      if (latest !== revises) {
        const name = view.file(revises)!.name;
        throw new LineageError('NOT_LATEST_VERSION', latest === undefined ? `revises: every version of ${name} is in the trash; restore the latest (restore()) and revise it` : `revises: ${name} (${revises}) is not the latest version of its family; revise ${latest} (file.versions.at(-1), or select(File, { key }).latest())`);
      }
      familyKey = view.fileKey(revises);
    }
    if (key !== undefined && familyKey !== undefined && key !== familyKey) {
      throw new LineageError('INVALID_ARGUMENT', `a new version keeps its family's key ${JSON.stringify(familyKey)}, not ${JSON.stringify(key)}; add the file without revises to start a new family under that key`);
    }
    const k = key ?? familyKey;
    if (k !== undefined && familyKey === undefined) {
      const other = pending?.byKey.get(k) ?? view.latestWithKey(k);
      if (other !== undefined) throw new LineageError('KEY_CONFLICT', `key ${JSON.stringify(k)} belongs to another file's latest version (${other}); revise that file instead`);
    }
    return k === undefined ? { revises } : { key: k, revises };
  }
  if (key === undefined) return undefined;
  const latest = pending?.byKey.get(key) ?? view.latestWithKey(key);
  return latest === undefined ? { key } : { key, revises: latest };
}

/** Throws KEY_CONFLICT when restoring `fileId` would make it the latest version with a key another family's latest already has. */
export function checkRestore(view: View, fileId: string): void {
  const family = view.versionsOf(fileId);
  // After the restore, the family's latest is the newest of the untrashed ones and this one.
  let latest: string | undefined;
  for (let j = family.length - 1; j >= 0 && latest === undefined; j--) if (family[j] === fileId || view.trashState('file', family[j]!) === undefined) latest = family[j];
  const key = latest === undefined ? undefined : view.fileKey(latest);
  if (key === undefined) return;
  const holder = view.latestWithKey(key);
  if (holder !== undefined && !family.includes(holder)) {
    throw new LineageError('KEY_CONFLICT', `restoring ${view.file(fileId)!.name} would make a second latest version with key ${JSON.stringify(key)}: ${holder} has it now; trash that file first, or leave this one in the trash`);
  }
}
