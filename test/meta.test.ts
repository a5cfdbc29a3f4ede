import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import { File, isLineageError, open, Run, Transform, type Ledger } from 'lineage-ledger';
import { backends, tempDir } from './helpers.js';

async function rejects(fn: () => Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(fn, (e: unknown) => isLineageError(e) && e.code === code && (message === undefined || message.test(e.message)));
}

async function types(ln: Ledger, record: File | Run | Transform): Promise<string[]> {
  return (await ln.history(record)).map((e) => e.type);
}

for (const backend of backends()) {
  const test = suite(`labels, stored sources and run references on ${backend.name}`);
  const tmp = tempDir('lamin-meta-');
  test.after(() => {
    backend.cleanup();
    tmp.cleanup();
  });

  test('labels go on files, runs and transforms as one event per call, and queries find records by them', async () => {
    const ln = await backend.fresh();
    const t = new Transform({ name: 'align', type: 'pipeline' });
    const run = await ln.track(t);
    const a = await ln.add(new File(Buffer.from('a'), { name: 'a.bam' }));
    const b = await ln.add(new File(Buffer.from('b'), { name: 'b.bam' }));
    const before = ln.head.seq;
    assert.deepEqual(await a.labels.add('qc-passed', ['tumor', 'qc-passed']), ['qc-passed', 'tumor']);
    assert.equal(ln.head.seq, before + 1);
    await b.labels.add('tumor');
    await run.labels.add('nightly');
    await t.labels.add('production');
    assert.deepEqual(a.labels.all(), ['qc-passed', 'tumor']);
    assert.equal(a.labels.has('tumor'), true);
    assert.equal(a.labels.size, 2);
    assert.deepEqual([...a.labels], ['qc-passed', 'tumor']);
    assert.deepEqual(run.labels.all(), ['nightly']);
    assert.deepEqual(t.labels.all(), ['production']);
    assert.deepEqual(ln.select(File).where({ label: 'qc-passed' }).all().map((f) => f.name), ['a.bam']);
    assert.deepEqual(ln.select(File, { label: 'tumor' }).all().map((f) => f.name), ['a.bam', 'b.bam']);
    assert.deepEqual(ln.select(File, { label: ['tumor', 'qc-passed'] }).all().map((f) => f.name), ['a.bam']);
    assert.deepEqual(ln.select(File, { label: 'tumor', name: 'b.bam' }).all().map((f) => f.name), ['b.bam']);
    assert.equal(ln.select(Run, { label: 'nightly' }).one().id, run.id);
    assert.equal(ln.select(Transform, { label: 'production' }).one().id, t.id);
    assert.equal(ln.select(File, { label: 'nightly' }).count(), 0);
    // A label of a run reaches its outputs through a join.
    assert.deepEqual(ln.select(File).join(Run, { label: 'nightly' }).all().map((f) => f.name), ['a.bam', 'b.bam']);
    assert.deepEqual(a.toJSON().labels, ['qc-passed', 'tumor']);
    await ln.close();
  });

  test('adding a label a record has, or removing one it lacks, writes nothing; removal is an event the history keeps', async () => {
    const ln = await backend.fresh();
    const f = await ln.add(new File(Buffer.from('x'), { name: 'x.txt' }));
    await f.labels.add('keep');
    const seq = ln.head.seq;
    assert.deepEqual(await f.labels.add('keep'), []);
    assert.deepEqual(await f.labels.remove('never-had'), []);
    assert.equal(ln.head.seq, seq);
    assert.deepEqual(await f.labels.remove(['keep', 'never-had']), ['keep']);
    assert.deepEqual(f.labels.all(), []);
    assert.equal(ln.select(File, { label: 'keep' }).count(), 0);
    assert.deepEqual(await types(ln, f), ['file.created', 'label.added', 'label.removed']);
    // As of the add, the label is there.
    assert.deepEqual(ln.asOf(seq).select(File, { label: 'keep' }).one().labels.all(), ['keep']);
    const [removed] = (await ln.history(f)).slice(-1);
    assert.deepEqual(removed!.data, { kind: 'file', id: f.id, labels: ['keep'] });
    // Put back on: it is carried again.
    await f.labels.add('keep');
    assert.equal(ln.select(File, { label: 'keep' }).count(), 1);
    await ln.close();
  });

  test('two concurrent adds of one label write it once', async () => {
    const ln = await backend.fresh();
    const f = await ln.add(new File(Buffer.from('y'), { name: 'y.txt' }));
    const seq = ln.head.seq;
    const results = await Promise.all([f.labels.add('qc'), f.labels.add('qc'), f.labels.add(['qc', 'other'])]);
    assert.equal(results.flat().filter((l) => l === 'qc').length, 1);
    assert.equal(ln.head.seq - seq, 2);
    assert.deepEqual(f.labels.all().sort(), ['other', 'qc']);
    await ln.close();
  });

  test('bad labels are refused with a stable code and nothing is written', async () => {
    const ln = await backend.fresh();
    const f = await ln.add(new File(Buffer.from('z'), { name: 'z.txt' }));
    const seq = ln.head.seq;
    await rejects(() => f.labels.add(), 'INVALID_ARGUMENT', /one or more labels/);
    await rejects(() => f.labels.add(''), 'INVALID_ARGUMENT', /empty/);
    await rejects(() => f.labels.add('ok', 'bad\u0000'), 'INVALID_ARGUMENT', /control character/);
    await rejects(() => f.labels.add(42 as never), 'INVALID_ARGUMENT', /string/);
    await rejects(() => f.labels.add('x'.repeat(257)), 'LIMIT_EXCEEDED', /256/);
    await rejects(() => f.labels.add(Array.from({ length: 1001 }, (_, i) => `l${i}`)), 'LIMIT_EXCEEDED', /1000/);
    await rejects(() => new File(Buffer.from('n'), { name: 'n.txt' }).labels.add('x'), 'RECORD_NOT_SAVED');
    assert.equal(ln.head.seq, seq);
    assert.throws(() => ln.select(File, { label: 3 }), (e) => isLineageError(e, 'QUERY_INVALID'));
    assert.throws(() => ln.select(File, { label: [] }), (e) => isLineageError(e, 'QUERY_INVALID'));
    assert.throws(() => ln.select(File).orderBy('label'), (e) => isLineageError(e, 'QUERY_INVALID'));
    // Labels are NFC-normalized like names: both spellings are one label.
    await f.labels.add('cafe\u0301');
    assert.equal(ln.select(File, { label: 'caf\u00e9' }).count(), 1);
    assert.equal(f.labels.has('cafe\u0301'), true);
    await ln.close();
  });

  test('a run reference is recorded at the start (track, run, new Run) and can be set later; queries find it', async () => {
    const ln = await backend.fresh();
    const tracked = await ln.track(new Transform({ name: 'nf-core/rnaseq', type: 'pipeline' }), { reference: 'nf-run-7', referenceType: 'nextflow' });
    assert.equal(tracked.reference, 'nf-run-7');
    assert.equal(tracked.referenceType, 'nextflow');
    assert.deepEqual(await types(ln, tracked), ['run.started', 'run.referenced']);
    const scoped = await ln.run('nf-core/rnaseq', async (r) => r, { reference: 'https://ci.example/123', referenceType: 'url' });
    assert.equal(scoped.reference, 'https://ci.example/123');
    const made = await ln.add(new Run({ transform: ln.select(Transform).one(), reference: 'manual-1' }));
    assert.equal(made.reference, 'manual-1');
    assert.equal(made.referenceType, undefined);
    const plain = await ln.run('nf-core/rnaseq', async (r) => r);
    assert.equal(plain.reference, undefined);
    const before = ln.head.seq;
    await plain.setReference('nf-run-8', 'nextflow');
    await plain.setReference('nf-run-8', 'nextflow');
    assert.equal(ln.head.seq, before + 1);
    await plain.setReference('nf-run-9', 'nextflow');
    assert.equal(plain.reference, 'nf-run-9');
    assert.equal(ln.asOf(before + 1).select(Run, { id: plain.id }).one().reference, 'nf-run-8');
    assert.deepEqual(ln.select(Run, { referenceType: 'nextflow' }).all().map((r) => r.reference), ['nf-run-7', 'nf-run-9']);
    assert.equal(ln.select(Run, { reference: 'manual-1' }).one().id, made.id);
    assert.equal(ln.select(Run).where({ reference: 'nf-run-8' }).count(), 0);
    assert.deepEqual(ln.select(Run, { referenceType: 'nextflow' }).orderBy('reference', 'desc').all().map((r) => r.reference), ['nf-run-9', 'nf-run-7']);
    assert.deepEqual((await ln.history(plain)).filter((e) => e.type === 'run.referenced').map((e) => (e.data as { reference: string }).reference), ['nf-run-8', 'nf-run-9']);
    // An array add records references too, in the same batch as the start.
    const [batched] = await ln.add([new Run({ transform: ln.select(Transform).one(), reference: 'batch-1', referenceType: 'slurm' })]);
    assert.deepEqual([batched!.reference, batched!.referenceType], ['batch-1', 'slurm']);
    await ln.close();
  });

  test('bad references are refused before anything is written', async () => {
    const ln = await backend.fresh();
    const t = new Transform({ name: 'p' });
    await ln.add(t);
    const seq = ln.head.seq;
    await rejects(() => ln.track(t, { referenceType: 'url' }), 'INVALID_ARGUMENT', /needs a reference/);
    await rejects(() => ln.run(t, () => 1, { reference: '' }), 'INVALID_ARGUMENT', /empty/);
    await rejects(() => ln.run(t, () => 1, { reference: 5 as never }), 'INVALID_ARGUMENT');
    await rejects(() => ln.track(t, { reference: 'r', referenceType: 'x'.repeat(300) }), 'LIMIT_EXCEEDED');
    await rejects(() => ln.track(t, { reference: 'r'.repeat(2000) }), 'LIMIT_EXCEEDED');
    await rejects(() => ln.add(new Run({ transform: t, reference: 'a\nb' })), 'INVALID_ARGUMENT', /control/);
    await rejects(() => new Run({ transform: t }).setReference('x'), 'RECORD_NOT_SAVED');
    assert.equal(ln.head.seq, seq);
    await ln.close();
  });

  test('track() of a script stores its source once; source() gives back exactly that code, a changed script a new version with its own', async () => {
    const ln = await backend.fresh();
    const script = join(tmp.dir, `${backend.name}-pipeline.mjs`);
    const v1 = '// step one\nconsole.log("héllo");\n';
    writeFileSync(script, v1);
    const first = await ln.track(undefined, { script });
    const t1 = first.transform;
    assert.equal(t1.hasSource, true);
    assert.equal(await t1.source(), v1);
    assert.deepEqual(await types(ln, t1), ['transform.registered', 'transform.source_stored', 'run.started']);
    const seq = ln.head.seq;
    // The same script again: the same transform, no second copy of its source.
    const again = await ln.track(undefined, { script });
    assert.equal(again.transform.id, t1.id);
    assert.equal((await ln.history(t1)).filter((e) => e.type === 'transform.source_stored').length, 1);
    assert.ok(ln.head.seq > seq);
    const v2 = '// step one, fixed\nconsole.log("hello");\n';
    writeFileSync(script, v2);
    const t2 = (await ln.track(undefined, { script })).transform;
    assert.notEqual(t2.id, t1.id);
    assert.equal(t2.revises!.id, t1.id);
    assert.equal(await t2.source(), v2);
    assert.equal(await t1.source(), v1);
    assert.equal(t2.toJSON().sourceHash, t2.hash);
    // A transform that is not a script has no stored source.
    const plain = new Transform({ name: 'no-code' });
    await ln.add(plain);
    assert.equal(plain.hasSource, false);
    assert.equal(await plain.source(), undefined);
    // The source event is in the registration's batch: as of the registration, the source is there.
    const registered = (await ln.history(t2)).find((e) => e.type === 'transform.registered')!.seq;
    assert.equal(await ln.asOf(registered + 1).select(Transform, { id: t2.id }).one().source(), v2);
    await ln.close();
  });

  test('a script registered without its source (before sources were kept) gets it when tracked again unchanged, once', async () => {
    const ln = await backend.fresh();
    const script = join(tmp.dir, `${backend.name}-old.mjs`);
    writeFileSync(script, 'console.log("old")\n');
    const { source: _source, ...bare } = await import('../lib/context/entry-script.js').then((m) => m.detectEntryScript(script));
    const old = await ln.transformFor(bare);
    assert.equal(old.hasSource, false);
    const t = (await ln.track(undefined, { script })).transform;
    assert.equal(t.id, old.id);
    assert.equal(await t.source(), 'console.log("old")\n');
    await ln.track(undefined, { script });
    assert.deepEqual((await ln.history(t)).map((e) => e.type).filter((x) => x.startsWith('transform.')), ['transform.registered', 'transform.source_stored']);
    await ln.close();
  });

  test('a file whose content equals a stored source shares the stored bytes (content-addressed)', async () => {
    const ln = await backend.fresh();
    const script = join(tmp.dir, `${backend.name}-shared.mjs`);
    writeFileSync(script, 'export const x = 1;\n');
    const t = (await ln.track(undefined, { script })).transform;
    const f = await ln.add(new File(script));
    assert.equal(f.hash, t.hash);
    const [stored] = (await ln.history(t)).filter((e) => e.type === 'transform.source_stored');
    assert.equal((stored!.data as { key: string }).key, f.storageKey);
    assert.equal((await f.load()).toString(), await t.source());
    await ln.close();
  });

  if (backend.reopen) {
    test('labels, sources and references survive a reopen, with and without a checkpoint', async () => {
      let ln = await backend.fresh();
      const script = join(tmp.dir, 'reopen.mjs');
      writeFileSync(script, 'console.log(1)\n'.repeat(30_000));
      const run = await ln.track(undefined, { script, reference: 'r-1', referenceType: 'nextflow' });
      const f = await ln.add(new File(Buffer.from('c'), { name: 'c.txt' }));
      await f.labels.add(['a', 'b']);
      await f.labels.remove('a');
      await run.labels.add('n');
      await run.setReference('r-2');
      const expect = async (l: Ledger) => {
        const r = l.select(Run, { id: run.id }).one();
        assert.deepEqual([r.reference, r.referenceType], ['r-2', undefined]);
        assert.deepEqual(l.select(File, { label: 'b' }).one().labels.all(), ['b']);
        assert.equal(l.select(File, { label: 'a' }).count(), 0);
        assert.deepEqual(r.labels.all(), ['n']);
        assert.equal((await r.transform.source())!.length, 'console.log(1)\n'.length * 30_000);
        assert.equal(l.asOf(4).select(Run).one().reference, 'r-1');
      };
      await expect(ln);
      await ln.close();
      ln = await backend.reopen!();
      assert.equal(ln.loadReport.from, 0);
      await expect(ln);
      await ln.checkpoint();
      await ln.close();
      ln = await backend.reopen!();
      assert.ok(ln.loadReport.from > 0, 'loaded from the checkpoint');
      await expect(ln);
      await ln.close();
    });

    // A folder's object file, changed on disk (PostgreSQL's contents, changed in the table, are test/pg/store.test.ts's).
    if (backend.name === 'classic-level') test('a stored source changed behind the ledger is INTEGRITY_MISMATCH, not other code', async () => {
      const ln = await backend.fresh();
      const script = join(tmp.dir, 'big.mjs');
      // Larger than the inline limit: the source is an object file in the store.
      writeFileSync(script, `// ${'x'.repeat(300 * 1024)}\n`);
      const t = (await ln.track(undefined, { script })).transform;
      const key = (await ln.history(t)).find((e) => e.type === 'transform.source_stored')!.data as { key: string; hash: string };
      assert.match(key.key, /^objects\//);
      writeFileSync(join(ln.path!, 'objects', key.hash.slice(0, 2), key.hash), '// other code\n');
      await rejects(() => t.source(), 'INTEGRITY_MISMATCH');
      await ln.close();
    });
  }

  test.run();
}
