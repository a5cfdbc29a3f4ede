// What `lineage exec` costs a Makefile: `make -jJ` over STEPS steps (gunzip, then STEPS-1 sorts of
// it), each step run bare and wrapped in `lineage exec`, interleaved over REPS repetitions. Prints the
// medians, the extra wall time per step, and checks that every wrapped step was recorded.
// Run: npm run build && node dist/bench/exec-make.js [STEPS=24] [J=8] [REPS=3]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { open, Run } from '../lib/index.js';
import { interleave, summarize } from './harness.js';

const [steps = 24, jobs = 8, reps = 3] = process.argv.slice(2).map(Number);
const MAIN = fileURLToPath(new URL('../lib/cli/main.js', import.meta.url));
const L = `${process.execPath} ${MAIN}`;
const sorts = Array.from({ length: steps - 1 }, (_, i) => i + 1);

function makefile(wrapped: boolean): string {
  const run = (t: string) => (wrapped ? `$(L) exec --transform ${t} --in $< --out $@ -- ` : '');
  return `all: ${sorts.map((i) => `sorted${i}.txt`).join(' ')}
reads.txt: input.txt.gz
\t${run('gunzip')}sh -c 'gzip -dc $< > $@'
sorted%.txt: reads.txt
\t${run('sort')}sort -k$* -o $@ $<
`;
}

let checked = 0;
async function once(wrapped: boolean): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-exec-'));
  try {
    writeFileSync(join(dir, 'Makefile'), makefile(wrapped));
    writeFileSync(join(dir, 'input.txt.gz'), gzipSync(Array.from({ length: 2000 }, (_, i) => `${(i * 7919) % 2000} ${i % 7} ${i % 13}`).join('\n')));
    const t0 = performance.now();
    const r = spawnSync('make', [`-j${jobs}`, '-s', `L=${L}`], { cwd: dir, env: { ...process.env, LINEAGE_DB: join(dir, 'ledger') }, encoding: 'utf8' });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`make failed: ${r.stderr}`);
    if (wrapped) {
      const ln = await open(join(dir, 'ledger'));
      const completed = ln.select(Run, { status: 'completed' }).count();
      await ln.close();
      if (completed !== steps) throw new Error(`expected ${steps} completed runs, found ${completed}`);
      checked++;
    }
    return ms;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const samples = await interleave(reps, { bare: () => once(false), 'lineage exec': () => once(true) });
const bare = summarize(samples.bare);
const wrapped = summarize(samples['lineage exec']);
console.log(`make -j${jobs}, ${steps} steps, ${reps} repetitions (medians, ms):`);
console.log(`  bare          ${bare.median.toFixed(0)} (${bare.min.toFixed(0)}-${bare.max.toFixed(0)})`);
console.log(`  lineage exec  ${wrapped.median.toFixed(0)} (${wrapped.min.toFixed(0)}-${wrapped.max.toFixed(0)})`);
console.log(`  ratio ${(wrapped.median / bare.median).toFixed(1)}x; extra wall time per step ${((wrapped.median - bare.median) / steps).toFixed(0)} ms; ledgers checked complete: ${checked}/${reps}`);
