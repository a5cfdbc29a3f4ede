import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import { connect, File, isLineageError, open, Run, Transform, type Ledger } from 'lineage-ledger';
import { tempDir } from '../helpers.js';
import { serving, type Serving } from '../support/serve.js';

const test = suite<{ ledger: Ledger; server: Serving; dir: string; cleanup: () => void }>('connect(): labels, stored sources and run references over HTTP');

test.before.each(async (ctx) => {
  const t = tempDir('lamin-meta-connect-');
  ctx.dir = t.dir;
  ctx.cleanup = t.cleanup;
  ctx.ledger = await open(join(t.dir, 'server-ledger'));
  ctx.server = await serving(ctx.ledger, { token: 't0k' });
});

test.after.each(async (ctx) => {
  await ctx.server.close();
  await ctx.ledger.close();
  ctx.cleanup();
});

test('labels put on and taken off through a client are events on the server, read back at once', async ({ server, ledger }) => {
  const ln = await connect(server.url, { token: 't0k' });
  const run = await ln.track(new Transform({ name: 'qc' }));
  const f = await ln.add(new File(Buffer.from('reads'), { name: 'r.fastq' }));
  assert.deepEqual(await f.labels.add(['qc-passed', 'tumor']), ['qc-passed', 'tumor']);
  assert.deepEqual(await f.labels.add('qc-passed'), []);
  assert.deepEqual(await f.labels.remove('tumor'), ['tumor']);
  await run.labels.add('nightly');
  await run.transform.labels.add('production');
  // Read-your-writes: the client's projection already has them.
  assert.deepEqual(f.labels.all(), ['qc-passed']);
  assert.equal(ln.select(File, { label: 'qc-passed' }).one().id, f.id);
  assert.equal(ln.select(Run, { label: 'nightly' }).one().id, run.id);
  // The server's ledger holds the same.
  assert.deepEqual(ledger.select(File, { id: f.id }).one().labels.all(), ['qc-passed']);
  assert.equal(ledger.select(Transform, { label: 'production' }).one().name, 'qc');
  assert.deepEqual((await ln.history(f)).map((e) => e.type), ['file.created', 'label.added', 'label.removed']);
  await ln.close();
});

test('run references go with the start and can be set later, and bad ones are refused with the ledger\'s codes', async ({ server, ledger }) => {
  const ln = await connect(server.url, { token: 't0k' });
  const run = await ln.track(new Transform({ name: 'nf' }), { reference: 'nf-1', referenceType: 'nextflow' });
  assert.deepEqual([run.reference, run.referenceType], ['nf-1', 'nextflow']);
  const scoped = await ln.run('nf', async (r) => r, { reference: 'https://ci/9', referenceType: 'url' });
  assert.equal(ledger.select(Run, { id: scoped.id }).one().reference, 'https://ci/9');
  const saved = await ln.add(new Run({ transform: run.transform, reference: 'm-1' }));
  assert.equal(ledger.select(Run, { reference: 'm-1' }).one().id, saved.id);
  await run.setReference('nf-2');
  assert.deepEqual([run.reference, run.referenceType], ['nf-2', undefined]);
  assert.equal(ledger.select(Run, { id: run.id }).one().reference, 'nf-2');
  const seq = ledger.head.seq;
  await assert.rejects(() => run.setReference(''), (e) => isLineageError(e, 'INVALID_ARGUMENT'));
  await assert.rejects(() => ln.run('nf', () => 1, { referenceType: 'url' }), (e) => isLineageError(e, 'INVALID_ARGUMENT'));
  await assert.rejects(() => run.labels.add('bad\u0007'), (e) => isLineageError(e, 'INVALID_ARGUMENT'));
  assert.equal(ledger.head.seq, seq);
  await ln.close();
});

test('track() of a script through a client uploads its source once; source() reads it back checked, old versions too', async ({ server, ledger, dir }) => {
  const script = join(dir, 'step.mjs');
  writeFileSync(script, 'console.log("v1")\n');
  const ln = await connect(server.url, { token: 't0k' });
  const t1 = (await ln.track(undefined, { script })).transform;
  assert.equal(t1.hasSource, true);
  assert.equal(await t1.source(), 'console.log("v1")\n');
  assert.equal(await ledger.select(Transform, { id: t1.id }).one().source(), 'console.log("v1")\n');
  await ln.track(undefined, { script });
  assert.equal((await ledger.history(ledger.select(Transform, { id: t1.id }).one())).filter((e) => e.type === 'transform.source_stored').length, 1);
  writeFileSync(script, 'console.log("v2")\n');
  const t2 = (await ln.track(undefined, { script })).transform;
  assert.equal(await t2.source(), 'console.log("v2")\n');
  assert.equal(await t1.source(), 'console.log("v1")\n');
  // A source that does not match a script transform's hash is refused by the server.
  await assert.rejects(() => ledger.sourceFor(t2.id, Buffer.from('other code')), (e) => isLineageError(e, 'INTEGRITY_MISMATCH'));
  await ln.close();
});

test.run();
