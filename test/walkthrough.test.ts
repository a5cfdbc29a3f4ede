import assert from 'node:assert/strict';
import { suite } from 'uvu';
import { open, Transform, Run, File, datasets, type Ledger } from 'lineage-ledger';
import { tempDir } from './helpers.js';

// The walkthrough of API.md, verbatim but for the line that opens the ledger.
async function walkthrough(openLedger: () => Promise<Ledger>): Promise<void> {
  const ln = await openLedger();

  await ln.track();
  assert.equal(ln.context.transform!.type, 'script');
  const iris = new File(await datasets.irisCsv(), { name: 'iris_new' });
  await ln.add(iris);                            // an output of ln.context.run

  const t = ln.select(Transform).join(Run).join(File, { name: 'iris_new' }).first();
  assert.equal(t!.id, ln.context.transform!.id);

  const ss = ln.session();                       // a consistent read snapshot
  assert.equal(ss.select(File, { name: 'iris_new' }).one().run!.transform.id, t!.id);

  // A pipeline run.
  const filepath = await datasets.fileFastq();   // writes input.fastq.gz, returns its path
  const transform = new Transform({ name: '10x scRNA-seq nextseq', type: 'pipeline' });
  await ln.track(transform);
  const fileFastq = new File(filepath);
  await ln.add(fileFastq);

  // Tracking run inputs.
  await ln.track(new Transform({ name: 'Cell Ranger', version: '7', type: 'pipeline' }));
  const fq = ln.select(File, { name: 'input.fastq.gz' }).one();
  const bytes = await fq.load({ isRunInput: true });   // the content, hash-checked
  assert.ok(bytes.length > 0);
  assert.equal(fq.inputOf.length, 1);
  await ln.add(fq);                              // already saved: a no-op, not an error

  const bam = new File(await datasets.fileBam());      // writes output.bam
  await ln.add(bam);

  // Data lineage.
  const run = ln.select(Run).join(File, { name: 'output.bam' }).one();
  assert.equal(run.inputs[0].name, 'input.fastq.gz');
  assert.equal(run.transform.name, 'Cell Ranger');
  await ln.close();
}

/** The answers the walkthrough's queries give, as plain data, to compare before and after a reopen. */
function answers(ln: Ledger) {
  const run = ln.select(Run).join(File, { name: 'output.bam' }).one();
  const t = ln.select(Transform).join(Run).join(File, { name: 'iris_new' }).first()!;
  const fq = ln.select(File, { name: 'input.fastq.gz' }).one();
  return {
    head: ln.head,
    producer: run.id,
    producerTransform: run.transform.name,
    producerInputs: run.inputs.map((f) => f.name),
    irisTransform: { id: t.id, type: t.type },
    fastqInputOf: fq.inputOf.map((r) => r.id),
    runs: ln.select(Run).all().map((r) => ({ id: r.id, status: r.status })),
    files: ln.select(File).all().map((f) => f.toJSON()),
    lineage: ln.lineage(ln.select(File, { name: 'output.bam' }).one()),
  };
}

const test = suite('the lamindb walkthrough');
let cwd = process.cwd();
let tmp: ReturnType<typeof tempDir>;
test.before.each(() => {
  cwd = process.cwd();
  tmp = tempDir();
  process.chdir(tmp.dir);
});
test.after.each(() => {
  process.chdir(cwd);
  tmp.cleanup();
});

test('runs as written on classic-level, and a reopened ledger gives the same answers', async () => {
  let before: ReturnType<typeof answers> | undefined;
  await walkthrough(async () => {
    const ln = await open('.lineage');
    const close = ln.close.bind(ln);
    // Capture the answers just before the walkthrough closes its ledger.
    ln.close = async () => {
      before = answers(ln);
      await close();
    };
    return ln;
  });
  const again = await open('.lineage');
  try {
    const after = answers(again);
    // close() finished the last run, so the reopened ledger holds one more event than the capture.
    assert.equal(after.head.seq, before!.head.seq + 1);
    assert.deepEqual({ ...after, head: undefined, runs: undefined }, { ...before!, head: undefined, runs: undefined });
    assert.ok(after.runs.every((r) => r.status === 'completed'), 'the walkthrough leaves no run open');
  } finally {
    await again.close();
  }
});

test('runs as written on memory-level', async () => {
  let ledger: Ledger | undefined;
  await walkthrough(async () => (ledger = await open({ memory: true })));
  assert.ok(ledger);
});

test('open() alone uses ./.lineage', async () => {
  const ln = await open();
  try {
    assert.equal(ln.path, `${process.cwd()}/.lineage`);
  } finally {
    await ln.close();
  }
});

test.run();
