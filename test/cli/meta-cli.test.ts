import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import { File, open, Run, Transform } from 'lineage-ledger';
import { tempDir } from '../helpers.js';
import { lineage } from './run-cli.js';

const test = suite('CLI: labels, stored source code and run references');

test('lineage label add/rm/ls labels records and lists them; show and history say so', async () => {
  const { dir, cleanup } = tempDir('lamin-meta-cli-');
  try {
    const db = join(dir, 'db');
    const script = join(dir, 'step.mjs');
    writeFileSync(script, 'console.log("the code that ran")\n');
    const ln = await open(db);
    const run = await ln.track(undefined, { script });
    await ln.add(new File(Buffer.from('bam'), { name: 'output.bam' }));
    await ln.close();

    let r = lineage(['--db', db, 'label', 'add', 'output.bam', 'qc-passed', 'tumor']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /qc-passed, tumor/);
    r = lineage(['--db', db, 'label', 'rm', 'output.bam', 'tumor', '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).labels, ['qc-passed']);
    assert.equal(lineage(['--db', db, 'label', 'add', run.id, 'nightly']).status, 0);
    r = lineage(['--db', db, 'label', 'ls', '--json']);
    assert.deepEqual(JSON.parse(r.stdout), [
      { label: 'nightly', transforms: 0, runs: 1, files: 0 },
      { label: 'qc-passed', transforms: 0, runs: 0, files: 1 },
    ]);
    r = lineage(['--db', db, 'label', 'ls', 'qc-passed']);
    assert.match(r.stdout, /^file\t\S+\toutput\.bam$/m);
    // As of before the labels, none is in use.
    assert.deepEqual(JSON.parse(lineage(['--db', db, 'label', 'ls', '--json', '--as-of', '3']).stdout), []);
    r = lineage(['--db', db, 'show', 'output.bam']);
    assert.match(r.stdout, /labels\s+qc-passed/);
    r = lineage(['--db', db, 'history', 'output.bam']);
    assert.match(r.stdout, /label\.added\s+"qc-passed", "tumor" put on output\.bam/);
    assert.match(r.stdout, /label\.removed\s+"tumor" taken off output\.bam/);
    // A bad label is a coded error and writes nothing.
    r = lineage(['--db', db, 'label', 'add', 'output.bam', 'x'.repeat(300)]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /LIMIT_EXCEEDED/);

    // show --source prints the code that ran, byte for byte.
    r = lineage(['--db', db, 'show', 'step.mjs', '--source']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'console.log("the code that ran")\n');
    r = lineage(['--db', db, 'show', run.id, '--source', '--json']);
    assert.equal(JSON.parse(r.stdout).source, 'console.log("the code that ran")\n');
    r = lineage(['--db', db, 'show', 'step.mjs']);
    assert.match(r.stdout, /source\s+stored in the ledger/);

    // lineage reference sets a run's reference later; show lists it.
    assert.equal(lineage(['--db', db, 'reference', run.id, 'https://ci.example/1', '--type', 'url']).status, 0);
    r = lineage(['--db', db, 'show', run.id]);
    assert.match(r.stdout, /reference\s+https:\/\/ci\.example\/1 \(url\)/);
  } finally {
    cleanup();
  }
});

test('show --source of a transform without stored code is exit 1 with a reason', async () => {
  const { dir, cleanup } = tempDir('lamin-meta-cli-');
  try {
    const db = join(dir, 'db');
    const ln = await open(db);
    await ln.add(new Transform({ name: 'no-code' }));
    await ln.close();
    const r = lineage(['--db', db, 'show', 'no-code', '--source']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no stored source/);
    assert.equal(r.stdout, '');
  } finally {
    cleanup();
  }
});

test('lineage exec --reference and lineage track --reference record the reference with the start', async () => {
  const { dir, cleanup } = tempDir('lamin-meta-cli-');
  try {
    const db = join(dir, 'db');
    let r = lineage(['--db', db, 'exec', '--reference', 'nf-77', '--reference-type', 'nextflow', '--', process.execPath, '-e', '0']);
    assert.equal(r.status, 0, r.stderr);
    r = lineage(['--db', db, 'track', 'step', '--reference', 'https://x/1']);
    assert.equal(r.status, 0, r.stderr);
    const id = r.stdout.trim();
    r = lineage(['--db', db, 'exec', '--reference-type', 'url', '--', process.execPath, '-e', '0']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /needs a reference/);
    const ln = await open(db);
    try {
      assert.deepEqual(ln.select(Run, { referenceType: 'nextflow' }).all().map((x) => x.reference), ['nf-77']);
      assert.equal(ln.select(Run, { id }).one().reference, 'https://x/1');
      assert.equal(ln.select(Run).count(), 2);
    } finally {
      await ln.close();
    }
  } finally {
    cleanup();
  }
});

test.run();
