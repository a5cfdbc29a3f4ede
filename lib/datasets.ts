import { copyFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// fixtures/data sits two levels above dist/lib at run time, and one above lib in the sources.
const DATA = fileURLToPath(new URL('../../fixtures/data/', import.meta.url));

async function write(name: string, dir: string): Promise<string> {
  const target = resolve(dir);
  await mkdir(target, { recursive: true });
  const path = join(target, name);
  await copyFile(join(DATA, name), path);
  return path;
}

/** Small sample files for walkthroughs and tests, written into `dir` (default: the current folder). */
export const datasets = {
  /** Writes `input.fastq.gz` (8 reads, gzipped FASTQ) and returns its path. */
  fileFastq: (dir = '.'): Promise<string> => write('input.fastq.gz', dir),
  /** Writes `output.bam` (a valid BAM of 8 unmapped reads) and returns its path. */
  fileBam: (dir = '.'): Promise<string> => write('output.bam', dir),
  /** Writes `iris.csv` (a 15-row excerpt of Fisher's iris data) and returns its path. */
  irisCsv: (dir = '.'): Promise<string> => write('iris.csv', dir),
};
