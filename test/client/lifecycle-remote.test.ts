import assert from 'node:assert/strict';
import { suite } from 'uvu';
import { connect, File, isLineageError, open, Transform, type Ledger } from 'lineage-ledger';
import { tempDir } from '../helpers.js';
import { serving, type Serving } from '../support/serve.js';

const test = suite<{ ledger: Ledger; server: Serving; cleanup: () => void }>('connect(): trash, erase, versions, keys and descriptions over HTTP');

test.before.each(async (ctx) => {
  const t = tempDir();
  ctx.cleanup = t.cleanup;
  ctx.ledger = await open(`${t.dir}/server-ledger`);
  ctx.server = await serving(ctx.ledger, { token: 't0k' });
});

test.after.each(async (ctx) => {
  await ctx.server.close();
  await ctx.ledger.close();
  ctx.cleanup();
});

test('a client makes versions under a key, describes, trashes, restores and erases; the server holds the same', async ({ server, ledger }) => {
  const ln = await connect(server.url, { token: 't0k' });
  try {
    const run = await ln.track(new Transform({ name: 'ingest', description: 'reads the sequencer' }), { description: 'batch 12' });
    const v1 = await ln.add(new File(Buffer.from('one'), { name: 'reads.fq', key: 'raw/reads.fq', description: 'lane 1' }));
    const v2 = await ln.add(new File(Buffer.from('two'), { name: 'reads.fq', key: 'raw/reads.fq' }));
    const v3 = await ln.add(new File(Buffer.from('three'), { name: 'reads.fq', revises: v2, description: 'd'.repeat(6000) }));
    assert.equal(run.description, 'batch 12');
    assert.equal(run.transform.description, 'reads the sequencer');
    assert.deepEqual(v3.versions.map((f) => f.id), [v1.id, v2.id, v3.id]);
    assert.equal(v3.description?.length, 6000, 'a long description follows the upload');
    assert.equal(ln.select(File, { key: 'raw/reads.fq' }).latest()?.id, v3.id);
    await assert.rejects(ln.add(new File(Buffer.from('four'), { name: 'x', revises: v1 })), (e: unknown) => isLineageError(e, 'NOT_LATEST_VERSION'));
    await assert.rejects(ln.add(new File(Buffer.from('five'), { name: 'x', key: '../up' })), (e: unknown) => isLineageError(e, 'INVALID_ARGUMENT'));
    await v1.update({ description: 'lane one' });
    assert.equal(v1.description, 'lane one', 'read-your-writes');
    await v3.delete();
    assert.equal(ln.select(File, { key: 'raw/reads.fq' }).latest()?.id, v2.id);
    await assert.rejects(v2.delete({ permanent: true }), (e: unknown) => isLineageError(e, 'NOT_IN_TRASH'));
    await v3.delete({ permanent: true });
    const err = await v3.load().then(() => undefined, (e: unknown) => e);
    assert.ok(isLineageError(err, 'CONTENT_ERASED'), String(err));
    await assert.rejects(v3.restore(), (e: unknown) => isLineageError(e, 'CONTENT_ERASED'));
    await v2.delete();
    await v2.restore();
    assert.equal(v2.trashed, false);
    assert.equal((await ln.verify()).ok, true);
  } finally {
    await ln.close();
  }
  // The server's own projection agrees, and its store no longer has the erased bytes.
  const there = ledger.select(File).onlyTrashed().one();
  assert.equal(there.name, 'reads.fq');
  assert.ok(there.erased);
  assert.equal(await ledger.log.getBlob(there.hash!), undefined);
  assert.equal(ledger.select(File, { key: 'raw/reads.fq' }).latest()?.description, undefined);
  assert.equal(ledger.select(File, { key: 'raw/reads.fq' }).all()[0]!.description, 'lane one');
});

test('the routes refuse malformed lifecycle commands with a clear code, writing nothing', async ({ server, ledger }) => {
  const head = ledger.head.seq;
  const post = (path: string, body: unknown) => fetch(`${server.url}/api/ledger/v1${path}`, { method: 'POST', headers: { authorization: 'Bearer t0k', 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const bad = await post('/records/table/x/trash', {});
  assert.equal(bad.status, 400);
  const missing = await post('/records/file/nope/trash', {});
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as { code: string }).code, 'FILE_NOT_FOUND');
  const extra = await post('/records/run/nope/description', {});
  assert.equal(extra.status, 400);
  const erase = await post('/files/nope/erase', {});
  assert.equal(erase.status, 404);
  assert.equal(ledger.head.seq, head);
});

test.run();
