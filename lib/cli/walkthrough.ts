import { fileURLToPath } from 'node:url';
import { datasets } from '../datasets.js';
import { LineageError } from '../errors.js';
import type { Ledger } from '../ledger.js';
import { File, Run, Transform } from '../model/records.js';

/**
 * The lamindb walkthrough of API.md, step by step, on an open ledger; sample files are written into `dir`.
 * Returns the output.bam record. The entry "script" tracked first is this module.
 */
export async function walkthrough(ln: Ledger, dir: string): Promise<File> {
  const check = (ok: boolean, what: string) => {
    if (!ok) throw new LineageError('QUERY_INVALID', `walkthrough check failed: ${what}`);
  };
  await ln.track(undefined, { script: fileURLToPath(import.meta.url) });
  check(ln.context.transform!.type === 'script', 'the entry script is a script transform');
  const iris = new File(await datasets.irisCsv(dir), { name: 'iris_new' });
  await ln.add(iris);

  const t = ln.select(Transform).join(Run).join(File, { name: 'iris_new' }).first();
  check(t?.id === ln.context.transform!.id, 'iris_new was ingested by the script');
  const ss = ln.session();
  check(ss.select(File, { name: 'iris_new' }).one().run!.transform.id === t!.id, 'the session sees the same transform');

  const filepath = await datasets.fileFastq(dir);
  const transform = new Transform({ name: '10x scRNA-seq nextseq', type: 'pipeline' });
  await ln.track(transform);
  await ln.add(new File(filepath));

  await ln.track(new Transform({ name: 'Cell Ranger', version: '7', type: 'pipeline' }));
  const fq = ln.select(File, { name: 'input.fastq.gz' }).one();
  const bytes = await fq.load({ isRunInput: true });
  check(bytes.length > 0, 'input.fastq.gz has content');
  check(fq.inputOf.length === 1, 'input.fastq.gz is an input of one run');
  await ln.add(fq);

  const bam = new File(await datasets.fileBam(dir));
  await ln.add(bam);

  const run = ln.select(Run).join(File, { name: 'output.bam' }).one();
  check(run.inputs[0]?.name === 'input.fastq.gz', 'output.bam was made from input.fastq.gz');
  check(run.transform.name === 'Cell Ranger', 'by Cell Ranger');
  await ln.finish();
  return bam;
}
