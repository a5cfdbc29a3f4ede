import assert from 'node:assert/strict';
import { open, Transform, Run, File, datasets } from 'lineage-ledger';

const ln = await open('.lineage');             // embedded default; open() alone uses ./.lineage

await ln.track();
assert.equal(ln.context.transform.type, 'script');
const iris = new File(await datasets.irisCsv(), { name: 'iris_new' });
await ln.add(iris);                            // an output of ln.context.run

const t = ln.select(Transform).join(Run).join(File, { name: 'iris_new' }).first();
assert.equal(t.id, ln.context.transform.id);

const ss = ln.session();                       // a consistent read snapshot
assert.equal(ss.select(File, { name: 'iris_new' }).one().run.transform.id, t.id);

const filepath = await datasets.fileFastq();   // writes input.fastq.gz, returns its path
const transform = new Transform({ name: '10x scRNA-seq nextseq', type: 'pipeline' });
await ln.track(transform);
const fileFastq = new File(filepath);
await ln.add(fileFastq);

await ln.track(new Transform({ name: 'Cell Ranger', version: '7', type: 'pipeline' }));
const fq = ln.select(File, { name: 'input.fastq.gz' }).one();
const bytes = await fq.load({ isRunInput: true });   // the content, hash-checked
assert.ok(bytes.length > 0);
assert.equal(fq.inputOf.length, 1);
await ln.add(fq);                              // already saved: a no-op, not an error

const bam = new File(await datasets.fileBam());      // writes output.bam
await ln.add(bam);

const run = ln.select(Run).join(File, { name: 'output.bam' }).one();
assert.equal(run.inputs[0].name, 'input.fastq.gz');
assert.equal(run.transform.name, 'Cell Ranger');
console.log(ln.stats(), ln.lineage(bam));
await ln.close();
