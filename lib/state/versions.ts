/** A file's place among versions: its virtual key, the version it revises, and its family (the first version's id). */
export interface VersionEntry {
  seq: number;
  fileId: string;
  key?: string;
  revises?: string;
  family: string;
}

/**
 * File versions and keys, from `file.versioned` events: each family's versions in seq order, and
 * the files of each key. A file without an entry is a family of one, with no key.
 */
export class Versions {
  readonly #byFile = new Map<string, VersionEntry>();
  readonly #families = new Map<string, VersionEntry[]>();
  readonly #byKey = new Map<string, VersionEntry[]>();

  /** Records a `file.versioned` at `seq`: the family is the revised file's, or the file's own. */
  add(seq: number, fileId: string, key: string | undefined, revises: string | undefined): void {
    if (this.#byFile.has(fileId)) return;
    const family = revises === undefined ? fileId : (this.#byFile.get(revises)?.family ?? revises);
    const e: VersionEntry = { seq, fileId, family, ...(key === undefined ? {} : { key }), ...(revises === undefined ? {} : { revises }) };
    this.#byFile.set(fileId, e);
    push(this.#families, family, e);
    if (key !== undefined) push(this.#byKey, key, e);
  }

  /** The file's entry as of `w`. */
  entry(fileId: string, w: number): VersionEntry | undefined {
    const e = this.#byFile.get(fileId);
    return e !== undefined && e.seq <= w ? e : undefined;
  }

  /** The ids of the file's family as of `w`, oldest first (just the file when it has no versions). */
  family(fileId: string, w: number): string[] {
    const e = this.entry(fileId, w);
    const family = e?.family ?? fileId;
    const members = this.#families.get(family);
    const out: string[] = [];
    for (const m of members ?? []) if (m.seq <= w) out.push(m.fileId);
    // The first version has no entry of its own when it got its successor only later, or none visible yet at `w`.
    if (out[0] !== family) out.unshift(family);
    return out;
  }

  /** The files whose own key is `key`, as of `w`, oldest first. */
  withKey(key: string, w: number): string[] {
    const out: string[] = [];
    for (const e of this.#byKey.get(key) ?? []) if (e.seq <= w) out.push(e.fileId);
    return out;
  }

  /** Every key that a file had, as of `w` (for prefix queries). */
  keys(w: number): string[] {
    const out: string[] = [];
    for (const [k, list] of this.#byKey) if (list[0]!.seq <= w) out.push(k);
    return out;
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
