import { File, Transform, type Ledger } from 'lineage-ledger';
// The benchmark's seeded generator: one generator for both workloads.
import { prng } from '../bench/workload.js';

/**
 * A generated workload: pipelines of several versions whose runs read earlier files and write new
 * ones, with nested runs (parents), failed runs, re-created content (the same bytes written by
 * another run), params, and one run left open.
 */
export async function workload(ln: Ledger, seed: number, runs = 24): Promise<void> {
  const rnd = prng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const transforms = ['align', 'call variants', 'qc', 'normalize'].flatMap((name, i) =>
    Array.from({ length: 1 + (i % 2) }, (_, v) => new Transform({ name, version: String(v + 1), type: i === 2 ? 'function' : 'pipeline' })),
  );
  let n = 0;
  for (let i = 0; i < runs; i++) {
    const t = pick(transforms);
    const fail = rnd() < 0.15;
    await ln
      .run(
        t,
        async () => {
          const files = ln.select(File).all();
          for (let k = 0; k < Math.floor(rnd() * 3) && files.length > 0; k++) await pick(files).load({ isRunInput: true });
          const outs = 1 + Math.floor(rnd() * 2);
          for (let k = 0; k < outs; k++) {
            // Now and then the same bytes as an earlier output: a re-creation by this run.
            const content = rnd() < 0.2 && n > 0 ? `content ${Math.floor(rnd() * n)}` : `content ${n++}`;
            await ln.add(new File(Buffer.from(content), { name: `${t.name.replace(/ /g, '_')}_${i}_${k}.${pick(['csv', 'bam', 'fastq.gz', 'parquet'])}` }));
          }
          if (rnd() < 0.3) {
            await ln.run(new Transform({ name: 'subtask', type: 'function' }), async () => {
              await ln.add(new File(Buffer.from(`child ${n++}`), { name: `child_${i}.txt` }));
            });
          }
          if (fail) throw new Error(`step ${i} failed: exit code ${1 + Math.floor(rnd() * 3)}`);
        },
        { params: { step: i, threshold: Math.round(rnd() * 100) / 100 }, name: rnd() < 0.5 ? `step-${i}` : undefined },
      )
      .catch((err: Error) => {
        if (!fail) throw err;
      });
  }
  // One run still open when the lineage is exported.
  await ln.track(new Transform({ name: 'still running', type: 'pipeline' }));
  await ln.add(new File(Buffer.from(`open ${n++}`), { name: 'partial.csv' }));
}
