import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Bytes a ledger folder takes on disk: in total, in its LevelDB log, and in its object store. */
export interface DiskUsage {
  total: number;
  log: number;
  objects: number;
}

/** Sums the sizes of the files under a ledger folder (symbolic links are not followed). */
export async function diskUsage(path: string): Promise<DiskUsage> {
  const [total, log, objects] = await Promise.all([bytesUnder(path), bytesUnder(join(path, 'log')), bytesUnder(join(path, 'objects'))]);
  return { total, log, objects };
}

async function bytesUnder(path: string): Promise<number> {
  let st;
  try {
    st = await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  if (!st.isDirectory()) return st.isFile() ? st.size : 0;
  let sum = 0;
  for (const name of await readdir(path)) sum += await bytesUnder(join(path, name));
  return sum;
}
