import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import { File, isLineageError, LEDGER_FACET, type Ledger, Run, toOpenLineage, toProv, Transform } from 'lineage-ledger';
import { backends } from './helpers.js';

const code = (c: string) => (err: unknown) => isLineageError(err) && err.code === c;

for (const backend of backends()) {
  const test = suite(`trash, versions, keys and descriptions on ${backend.name}`);
  let ln: Ledger;
  const it = (name: string, fn: () => Promise<void>) =>
    test(name, async () => {
      ln = await backend.fresh();
      try {
        await fn();
      } finally {
        await ln.close();
        backend.cleanup();
      }
    });

  it('a deleted file leaves default queries, stays in lineage marked as trashed, and comes back with restore()', async () => {
    await ln.track(new Transform({ name: 'align' }));
    const kept = await ln.add(new File(Buffer.from('kept'), { name: 'kept.txt' }));
    const gone = await ln.add(new File(Buffer.from('gone'), { name: 'gone.bam' }));
    await gone.delete();
    assert.equal(gone.trashed, true);
    assert.deepEqual(ln.select(File).all().map((f) => f.name), ['kept.txt']);
    assert.equal(ln.select(File, { name: 'gone.bam' }).first(), undefined);
    assert.deepEqual(ln.select(File).withTrashed().all().map((f) => f.name), ['kept.txt', 'gone.bam']);
    assert.deepEqual(ln.select(File).onlyTrashed().all().map((f) => f.name), ['gone.bam']);
    assert.equal(ln.select(File, { id: gone.id }).one().name, 'gone.bam', 'a lookup by id alone finds a trashed record');
    const run = gone.run!;
    assert.deepEqual(run.outputs.map((f) => f.name), ['kept.txt', 'gone.bam'], 'lineage keeps the trashed file');
    const node = ln.lineage(gone).nodes.find((n) => n.id === gone.id)!;
    assert.equal(node.trashed, true);
    assert.equal(ln.lineage(kept).nodes.find((n) => n.id === kept.id)!.trashed, undefined);
    await gone.restore();
    assert.equal(gone.trashed, false);
    assert.equal(ln.select(File).count(), 2);
    assert.deepEqual((await ln.history(gone)).map((e) => e.type), ['file.created', 'record.trashed', 'record.restored']);
  });

  it('runs and transforms go to the trash too; deleting twice or restoring what is not trashed writes nothing', async () => {
    const t = await ln.add(new Transform({ name: 'qc' }));
    const r = await ln.add(new Run({ transform: t }));
    await r.delete();
    const head = ln.head.seq;
    await r.delete();
    await t.restore();
    assert.equal(ln.head.seq, head);
    assert.equal(ln.select(Run).count(), 0);
    assert.equal(ln.select(Run).join(Transform, { name: 'qc' }).count(), 0);
    assert.equal(ln.select(Run).withTrashed().count(), 1);
    await t.delete();
    assert.equal(ln.select(Transform, { name: 'qc' }).first(), undefined);
    assert.equal(ln.select(Transform).onlyTrashed().one().name, 'qc');
    await assert.rejects(t.delete({ permanent: true }), code('NOT_SUPPORTED'));
  });

  it('a permanent delete erases a trashed file\'s stored content; the log keeps the fact, hash and lineage, and still verifies', async () => {
    await ln.track(new Transform({ name: 'ingest' }));
    const small = await ln.add(new File(Buffer.from('personal data'), { name: 'people.csv' }));
    const big = await ln.add(new File(Buffer.alloc(300 * 1024, 7), { name: 'scan.bin' }));
    // A memory ledger keeps every content inline; a ledger on disk puts large ones in objects/.
    assert.equal(big.storageKey, `${ln.path ? 'objects' : 'inline'}/${big.hash}`);
    await assert.rejects(small.delete({ permanent: true }), code('NOT_IN_TRASH'));
    for (const f of [small, big]) {
      await f.delete();
      await f.delete({ permanent: true });
      const err = await f.load().then(() => undefined, (e: unknown) => e);
      assert.ok(isLineageError(err, 'CONTENT_ERASED'), `load() of ${f.name} is CONTENT_ERASED`);
      assert.match((err as Error).message, /erased on \d{4}-.*by /);
      assert.ok(f.erased && f.erased.at instanceof Date && f.erased.by.hostname.length > 0);
      assert.equal(f.hash?.length, 64, 'the hash stays');
      assert.equal(f.run?.transform.name, 'ingest', 'the lineage stays');
    }
    for (const f of [small, big]) if (f.storageKey!.startsWith('inline/')) assert.equal(await ln.log.getBlob(f.hash!), undefined, 'the inline bytes are gone from LevelDB');
    if (ln.path) assert.equal(existsSync(join(ln.path, 'objects', big.hash!.slice(0, 2), big.hash!)), false, 'the object file is gone');
    assert.equal((await ln.verify()).ok, true);
    await assert.rejects(small.restore(), code('CONTENT_ERASED'));
    assert.deepEqual((await ln.history(small)).map((e) => e.type), ['file.created', 'record.trashed', 'file.erased']);
    // The same bytes added again are a new file whose content is stored again.
    const again = await ln.add(new File(Buffer.from('personal data'), { name: 'people.csv' }));
    assert.notEqual(again.id, small.id);
    assert.equal((await again.load()).toString(), 'personal data');
  });

  it('new File(path, { revises }) and a key a latest file has make versions of one family', async () => {
    await ln.track(new Transform({ name: 'sequencer' }));
    const v1 = await ln.add(new File(Buffer.from('reads 1'), { name: 'input.fastq.gz', key: 'raw/2026/input.fastq.gz', description: 'lane 1' }));
    const v2 = await ln.add(new File(Buffer.from('reads 2'), { name: 'input.fastq.gz', revises: v1 }));
    await ln.track('sequencer');
    const v3 = await ln.add(new File(Buffer.from('reads 3'), { name: 'input.fastq.gz', key: 'raw/2026/input.fastq.gz' }));
    assert.equal(v2.key, 'raw/2026/input.fastq.gz', 'a new version keeps the family key');
    assert.equal(v3.revises?.id, v2.id);
    assert.deepEqual(v1.versions.map((f) => f.id), [v1.id, v2.id, v3.id]);
    assert.deepEqual([v1.isLatest, v2.isLatest, v3.isLatest], [false, false, true]);
    assert.notEqual(v3.run!.id, v1.run!.id, 'a new version has its own run');
    assert.equal(ln.select(File, { key: 'raw/2026/input.fastq.gz' }).latest()?.id, v3.id);
    assert.equal(ln.select(File, { key: 'raw/2026/input.fastq.gz' }).count(), 3);
    assert.deepEqual(ln.select(File).where({ isLatest: true }).all().map((f) => f.id), [v3.id]);
    await assert.rejects(ln.add(new File(Buffer.from('reads 4'), { name: 'x', revises: v2 })), code('NOT_LATEST_VERSION'));
    await assert.rejects(ln.add(new File(Buffer.from('reads 5'), { name: 'x', revises: v3, key: 'raw/other' })), code('INVALID_ARGUMENT'));
    // Trashing the latest makes the one before it latest again.
    await v3.delete();
    assert.equal(ln.select(File, { key: 'raw/2026/input.fastq.gz' }).latest()?.id, v2.id);
    assert.equal(ln.asOf(ln.head.seq - 1).select(File, { key: 'raw/2026/input.fastq.gz' }).latest()?.id, v3.id, 'an earlier snapshot still sees v3 as latest');
  });

  it('keys are unique among latest versions, queryable by prefix, and checked', async () => {
    const a = await ln.add(new File(Buffer.from('a'), { name: 'a.csv', key: 'raw/a.csv' }));
    await ln.add(new File(Buffer.from('b'), { name: 'b.csv', key: 'raw/b.csv' }));
    await ln.add(new File(Buffer.from('c'), { name: 'c.csv', key: 'processed/c.csv' }));
    assert.deepEqual(ln.select(File).where({ key: { startsWith: 'raw/' } }).all().map((f) => f.name), ['a.csv', 'b.csv']);
    assert.deepEqual(ln.select(File, { key: { endsWith: '.csv' } }).count(), 3);
    assert.throws(() => ln.select(File).where({ key: { like: 'raw%' } }), code('QUERY_INVALID'));
    for (const bad of ['/abs', 'a//b', 'a/../b', 'dir/', '', 'a\\b', 7]) {
      await assert.rejects(ln.add(new File(Buffer.from(`bad ${String(bad)}`), { name: 'bad', key: bad as string })), (e: unknown) => isLineageError(e, 'INVALID_ARGUMENT'), `key ${JSON.stringify(bad)}`);
    }
    // A trashed family frees its key; restoring it while another family holds the key is refused.
    await a.delete();
    const other = await ln.add(new File(Buffer.from('a2'), { name: 'a.csv', key: 'raw/a.csv' }));
    assert.equal(other.revises, undefined, 'a new family: the old one has no latest version');
    await assert.rejects(a.restore(), code('KEY_CONFLICT'));
    assert.equal(a.trashed, true);
  });

  it('files with keys in one add([...]) are planned together: the second of a key revises the first', async () => {
    const [x, y] = await ln.add([new File(Buffer.from('x1'), { name: 'x', key: 'k/x' }), new File(Buffer.from('x2'), { name: 'x', key: 'k/x' })]);
    assert.equal(y!.revises?.id, x!.id);
    const w = new File(Buffer.from('w'), { name: 'w', revises: y! });
    const [, z] = await ln.add([w, new File(Buffer.from('x3'), { name: 'x', revises: w })]);
    assert.equal(w.revises?.id, y!.id);
    assert.equal(z!.revises?.id, w.id, 'a file revising one saved earlier in the same array');
    assert.equal(z!.key, 'k/x');
    await assert.rejects(ln.add(new File(Buffer.from('v'), { name: 'v', revises: new File(Buffer.from('unsaved'), { name: 'u' }) })), code('RECORD_NOT_SAVED'));
  });

  it('descriptions on transforms, runs and files change by events; history and asOf keep the old value', async () => {
    const run = await ln.track(new Transform({ name: 'cellranger', description: 'counts cells' }), { description: 'sample 7' });
    const f = await ln.add(new File(Buffer.from('bam'), { name: 'out.bam', description: 'aligned reads' }));
    assert.equal(run.transform.description, 'counts cells');
    assert.equal(run.description, 'sample 7');
    const before = ln.head.seq;
    await f.update({ description: 'aligned, deduplicated reads' });
    await f.update({ description: 'aligned, deduplicated reads' });
    assert.equal(ln.head.seq, before + 1, 'the same value again writes nothing');
    assert.equal(f.description, 'aligned, deduplicated reads');
    assert.equal(ln.asOf(before).select(File, { id: f.id }).one().description, 'aligned reads');
    const described = (await ln.history(f)).filter((e) => e.type === 'record.described').map((e) => (e.data as { description: string }).description);
    assert.deepEqual(described, ['aligned reads', 'aligned, deduplicated reads']);
    assert.equal(ln.select(File, { description: { contains: 'deduplicated' } }).one().id, f.id);
    await run.update({ description: null });
    assert.equal(run.description, undefined);
    await assert.rejects(f.update({ description: 'x'.repeat(20_000) }), code('LIMIT_EXCEEDED'));
    await assert.rejects(f.update({ name: 'renamed' } as never), code('INVALID_ARGUMENT'));
    await assert.rejects(ln.asOf(before).select(File, { id: f.id }).one().delete(), code('INVALID_ARGUMENT'));
    await assert.rejects(new File(Buffer.from('u'), { name: 'u' }).delete(), code('RECORD_NOT_SAVED'));
  });

  it('OpenLineage and PROV exports carry keys, versions, descriptions, the trash and erasures', async () => {
    await ln.track(new Transform({ name: 'export-me', description: 'makes files' }));
    const v1 = await ln.add(new File(Buffer.from('e1'), { name: 'e.txt', key: 'exp/e.txt', description: 'version one' }));
    const v2 = await ln.add(new File(Buffer.from('e2'), { name: 'e.txt', key: 'exp/e.txt' }));
    await v1.delete();
    await v1.delete({ permanent: true });
    await ln.finish();
    const events = await toOpenLineage(ln);
    const datasets = events.flatMap((e) => e.outputs ?? []);
    const facetOf = (id: string) => datasets.map((d) => d.facets?.[LEDGER_FACET.file] as Record<string, unknown> | undefined).find((f) => f && f.hash === (id === v1.id ? v1.hash : v2.hash))!;
    assert.equal(facetOf(v1.id).key, 'exp/e.txt');
    assert.equal(facetOf(v1.id).trashed, true);
    assert.equal(facetOf(v1.id).stored, false, 'an erased file is no longer stored');
    assert.ok(facetOf(v1.id).erased);
    assert.equal(facetOf(v2.id).revises, v1.id);
    assert.equal(facetOf(v2.id).isLatest, true);
    const job = events.find((e) => e.job.name === 'export-me')!;
    assert.equal((job.job.facets?.documentation as { description?: string } | undefined)?.description, 'makes files');
    const prov = toProv(ln);
    const e1 = prov.entity[`ll:file_${v1.id}`]!;
    assert.equal(e1['ll:trashed'], true);
    assert.equal(e1['ll:stored'], false);
    assert.equal(e1['ll:description'], 'version one');
    assert.deepEqual(prov.wasDerivedFrom[`ll:revision_${v2.id}`], { 'prov:generatedEntity': `ll:file_${v2.id}`, 'prov:usedEntity': `ll:file_${v1.id}`, 'prov:type': { $: 'prov:Revision', type: 'xsd:QName' } });
  });

  it('verifyContents() tells content erased by an event from content missing or changed behind the ledger\'s back', async () => {
    const erased = await ln.add(new File(Buffer.alloc(300 * 1024, 1), { name: 'erased.bin' }));
    const kept = await ln.add(new File(Buffer.alloc(300 * 1024, 2), { name: 'kept.bin' }));
    await erased.delete();
    await erased.delete({ permanent: true });
    assert.deepEqual(await ln.verifyContents(), { ok: true, checked: 1, erased: 1, lineageOnly: 0, problems: [] });
    if (!ln.path) return;
    const object = (f: File) => join(ln.path!, 'objects', f.hash!.slice(0, 2), f.hash!);
    // Bytes put back where an erase removed them (as an interrupted erase leaves them): reported, and erased again.
    writeFileSync(object(erased), Buffer.alloc(300 * 1024, 1));
    writeFileSync(object(kept), 'changed');
    const report = await ln.verifyContents();
    assert.deepEqual(report.problems.map((p) => [p.name, p.problem]), [['erased.bin', 'erased-but-present'], ['kept.bin', 'corrupt']]);
    const head = ln.head.seq;
    await erased.delete({ permanent: true });
    assert.equal(ln.head.seq, head, 'erasing again writes no event');
    assert.equal(existsSync(object(erased)), false);
    await import('node:fs/promises').then((fs) => fs.rm(object(kept)));
    assert.deepEqual((await ln.verifyContents()).problems.map((p) => [p.name, p.problem]), [['kept.bin', 'missing']]);
  });

  if (backend.reopen) {
    it('the trash, versions, keys and descriptions survive a reopen from a checkpoint, and events after it replay on top', async () => {
      const v1 = await ln.add(new File(Buffer.from('one'), { name: 'f', key: 'data/f', description: 'first' }));
      const v2 = await ln.add(new File(Buffer.from('two'), { name: 'f', key: 'data/f' }));
      await v2.delete();
      await v1.update({ description: 'the first' });
      const expected = { latest: v1.id, trashed: [v2.id], description: 'the first', versions: [v1.id, v2.id] };
      const read = (l: Ledger) => ({
        latest: l.select(File, { key: 'data/f' }).latest()?.id,
        trashed: l.select(File).onlyTrashed().all().map((f) => f.id),
        description: l.select(File, { id: v1.id }).one().description,
        versions: l.select(File, { id: v1.id }).one().versions.map((f) => f.id),
      });
      await ln.checkpoint();
      await ln.close();
      ln = await backend.reopen!();
      assert.ok(ln.loadReport.from > 0, 'opened from the checkpoint');
      assert.deepEqual(read(ln), expected);
      await ln.select(File, { id: v1.id }).one().update({ description: 'the very first' });
      await ln.close();
      ln = await backend.reopen!();
      assert.deepEqual(read(ln), { ...expected, description: 'the very first' });
    });
  }

  test.run();
}
