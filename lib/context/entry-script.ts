import { createHash } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { LineageError } from '../errors.js';

/** The script a process was started with: its name, absolute path and the SHA-256 of its source. */
export interface EntryScript {
  name: string;
  path: string;
  hash: string;
  /** The source's bytes, as hashed (absent when a client sent only the name, path and hash). */
  source?: Buffer;
}

/** Finds and hashes the entry script (`process.argv[1]`, or `path` when given). */
export async function detectEntryScript(path: string | undefined = process.argv[1]): Promise<EntryScript> {
  if (path !== undefined && typeof path !== 'string') throw new LineageError('INVALID_ARGUMENT', 'track(undefined, { script }): script must be a path (string)');
  if (!path) throw new LineageError('NO_ENTRY_SCRIPT', 'track() found no entry script (a REPL or `node -e`?); pass a Transform or its name instead');
  let real: string;
  let source: Buffer;
  try {
    real = await realpath(path);
    // A device or a FIFO (/dev/zero, /dev/stdin) would be read forever: only a regular file is a script.
    if (!(await stat(real)).isFile()) throw new Error(`${real} is not a regular file`);
    source = await readFile(real);
  } catch (err) {
    throw new LineageError('NO_ENTRY_SCRIPT', `track() could not read the entry script ${path}; pass a Transform or its name instead`, { cause: err });
  }
  return { name: basename(real), path: real, hash: createHash('sha256').update(source).digest('hex'), source };
}
