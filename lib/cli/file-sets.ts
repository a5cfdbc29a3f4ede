import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { glob, isDynamicPattern } from 'tinyglobby';
import { LineageError } from '../errors.js';

/** What `--in`/`--out`/`lineage add` name: a file, a folder (all files under it) or a glob. */
export interface FileSet {
  /** As the user wrote it. */
  spec: string;
  kind: 'file' | 'folder' | 'glob';
  /** Absolute paths of the regular files it holds now, sorted. */
  files: string[];
}

/** A file's identity on disk, to tell a file the command wrote from one it left alone. */
export interface Stamp {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

/** Expands each spec into its files; a spec that names nothing is FILE_NOT_FOUND, before anything is written. */
export async function expandAll(specs: readonly string[], option: string): Promise<FileSet[]> {
  const sets = await Promise.all(specs.map((s) => expand(s)));
  const empty = sets.filter((s) => s.files.length === 0);
  if (empty.length > 0) {
    const what = empty.map((s) => `${s.spec} (${s.kind === 'file' ? 'no such file' : s.kind === 'glob' ? 'the pattern matches no file' : 'an empty folder'})`).join(', ');
    throw new LineageError('FILE_NOT_FOUND', `${option} ${what}; nothing was recorded`);
  }
  return sets;
}

/** The files a spec names now (none when nothing matches or the path does not exist yet). */
export async function expand(spec: string, cwd = process.cwd()): Promise<FileSet> {
  if (spec === '') throw new LineageError('INVALID_ARGUMENT', 'an empty path was given for a file');
  const path = resolve(cwd, spec);
  const st = await stat(path).catch(() => undefined);
  if (st?.isFile()) return { spec, kind: 'file', files: [path] };
  if (st?.isDirectory()) return { spec, kind: 'folder', files: await filesUnder(path) };
  if (st === undefined && isDynamicPattern(spec)) {
    const found = await glob(spec, { cwd, absolute: true, onlyFiles: true, expandDirectories: false });
    return { spec, kind: 'glob', files: found.map((f) => resolve(f)).sort() };
  }
  if (st !== undefined) throw new LineageError('INVALID_ARGUMENT', `${spec} is neither a regular file nor a folder`);
  return { spec, kind: 'file', files: [] };
}

/** The stamps of the files a spec names now, keyed by absolute path. */
export async function stamps(sets: readonly FileSet[]): Promise<Map<string, Stamp>> {
  const out = new Map<string, Stamp>();
  for (const set of sets) {
    for (const f of set.files) {
      const st = await stat(f).catch(() => undefined);
      if (st) out.set(f, stampOf(st));
    }
  }
  return out;
}

/** True when the file at `path` is not the one stamped before (new, rewritten, replaced). */
export function changedSince(before: Map<string, Stamp>, path: string, now: Stamp): boolean {
  const b = before.get(path);
  return b === undefined || b.size !== now.size || b.mtimeMs !== now.mtimeMs || b.ctimeMs !== now.ctimeMs || b.ino !== now.ino;
}

/** A file's stamp from its stat. */
export function stampOf(st: { size: number; mtimeMs: number; ctimeMs: number; ino: number }): Stamp {
  return { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino };
}

/** SHA-256 of a file's content, streamed (inputs can be larger than memory). */
export async function hashFile(path: string): Promise<string> {
  const hasher = createHash('sha256');
  await pipeline(createReadStream(path), hasher);
  return hasher.digest('hex');
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const full = join(entry.parentPath ?? entry.path, entry.name);
    // A symlink counts when it points at a regular file; links to folders are not followed (no cycles).
    if (entry.isFile() || (entry.isSymbolicLink() && (await stat(full).catch(() => undefined))?.isFile())) out.push(full);
  }
  return out.sort();
}
