import assert from 'node:assert/strict';
import { suite } from 'uvu';
import { connect, datasets, File, isLineageError, open, Run, Transform, type Ledger, type LedgerApi } from 'lineage-ledger';
import { tempDir } from '../helpers.js';
import { serving, type Serving } from '../support/serve.js';

const test = suite<{ ledger: Ledger; server: Serving; dir: string; cleanup: () => void; cwd: string }>('connect(): the same API as open(), over HTTP');

test.before.each(async (ctx) => {
  const t = tempDir();
  ctx.dir = t.dir;
  ctx.cleanup = t.cleanup;
  ctx.ledger = await open(`${t.dir}/server-ledger`);
  ctx.server = await serving(ctx.ledger, { token: 's3cret' });
  ctx.cwd = process.cwd();
  process.chdir(t.dir);
});

test.after.each(async (ctx) => {
  process.chdir(ctx.cwd);
  await ctx.server.close();
  await ctx.ledger.close();
  ctx.cleanup();
});

test('runs the lamindb walkthrough of API.md through connect(), and the server holds the same lineage', async ({ server, ledger }) => {
  const ln: LedgerApi = await connect(server.url, { token: 's3cret' });

  await ln.track();
  assert.equal(ln.context.transform!.type, 'script');
  const iris = new File(await datasets.irisCsv(), { name: 'iris_new' });
  await ln.add(iris);

  const t = ln.select(Transform).join(Run).join(File, { name: 'iris_new' }).first();
  assert.equal(t!.id, ln.context.transform!.id);
  const ss = ln.session();
  assert.equal(ss.select(File, { name: 'iris_new' }).one().run!.transform.id, t!.id);

  const filepath = await datasets.fileFastq();
  const transform = new Transform({ name: '10x scRNA-seq nextseq', type: 'pipeline' });
  await ln.track(transform);
  await ln.add(new File(filepath));

  await ln.track(new Transform({ name: 'Cell Ranger', version: '7', type: 'pipeline' }));
  const fq = ln.select(File, { name: 'input.fastq.gz' }).one();
  const bytes = await fq.load({ isRunInput: true });
  assert.ok(bytes.length > 0);
  assert.equal(fq.inputOf.length, 1);
  await ln.add(fq);

  await ln.add(new File(await datasets.fileBam()));
  const run = ln.select(Run).join(File, { name: 'output.bam' }).one();
  assert.equal(run.inputs[0]!.name, 'input.fastq.gz');
  assert.equal(run.transform.name, 'Cell Ranger');
  const head = ln.head;
  await ln.close();

  // close() finished the last run on the server (run.finished, with the request.keyed event of its key), and the server's own projection agrees.
  assert.equal(ledger.head.seq, head.seq + 2);
  const there = ledger.select(Run).join(File, { name: 'output.bam' }).one();
  assert.equal(there.id, run.id);
  assert.equal(there.status, 'completed');
  assert.equal(there.inputs[0]!.name, 'input.fastq.gz');
  assert.equal(there.environment!.pid, process.pid);
});

test('a wrong token is UNAUTHORIZED before anything is read', async ({ server }) => {
  await assert.rejects(connect(server.url, { token: 'wrong' }), (e: unknown) => isLineageError(e, 'UNAUTHORIZED'));
  await assert.rejects(connect(server.url), (e: unknown) => isLineageError(e, 'UNAUTHORIZED'));
});


test('every write is visible to the writer at once (read-your-writes), and the audit API answers as on the server', async ({ server, ledger }) => {
  const ln = await connect(server.url, { token: 's3cret' });
  const t = await ln.add(new Transform({ name: 'step', version: '2' }));
  assert.equal(ln.select(Transform, { name: 'step' }).one().version, '2');
  const run = await ln.add(new Run({ transform: t, name: 'by hand', params: { k: 3 } }));
  assert.equal(ln.select(Run).one().params!.k, 3);
  const f = await ln.add(new File(Buffer.from('hello'), { name: 'hello.txt', run }));
  assert.equal(f.run!.id, run.id);
  assert.equal(f.size, 5);
  assert.equal((await f.load()).toString(), 'hello');
  const byHash = await fetch(`${server.url}/api/ledger/v1/files/${f.hash}/content`, { headers: { authorization: 'Bearer s3cret' } });
  assert.equal(byHash.headers.get('x-content-sha256'), f.hash);
  assert.equal(await byHash.text(), 'hello');
  assert.deepEqual(ln.head, ledger.head);
  assert.deepEqual(ln.stats(), ledger.stats());
  const before = ln.session();
  const old = ln.asOf(2);
  await ln.add(new File(Buffer.from('more'), { name: 'more.txt', run }));
  assert.equal(before.select(File).count(), 1);
  assert.equal(old.select(File).count(), 0);
  assert.equal(ln.select(File).count(), 2);
  assert.deepEqual(await old.head(), await ledger.asOf(2).head());
  assert.deepEqual((await ln.history(run)).map((e) => e.type), (await ledger.history(ledger.select(Run).one())).map((e) => e.type));
  const mine = [];
  for await (const e of ln.events({ from: 2, types: ['file.created'] })) mine.push(e);
  const theirs = [];
  for await (const e of ledger.events({ from: 2, types: ['file.created'] })) theirs.push(e);
  assert.deepEqual(mine, theirs);
  assert.deepEqual(await ln.verify({ expectHead: ledger.head }), await ledger.verify({ expectHead: ledger.head }));
  assert.deepEqual(ln.lineage(f), ledger.lineage(ledger.select(File, { name: 'hello.txt' }).one()));
  await ln.close();
});

test('scoped runs stay per client and per scope: the server never uses its own context for them', async ({ server, ledger }) => {
  const a = await connect(server.url, { token: 's3cret' });
  const b = await connect(server.url, { token: 's3cret' });
  const step = new Transform({ name: 'align' });
  const seen: string[] = [];
  const work = (ln: typeof a, tag: string) =>
    ln.run(tag === 'a1' || tag === 'b1' ? step : 'align', async (run) => {
      await new Promise((r) => setTimeout(r, 5));
      assert.equal(ln.context.run!.id, run.id);
      await ln.add(new File(Buffer.from(`out ${tag}`), { name: `${tag}.txt` }));
      seen.push(`${tag}:${ln.context.run!.id === run.id}`);
      return run.id;
    }, { params: { tag } });
  const first = await Promise.all([work(a, 'a1'), work(b, 'b1')]);
  const ids = await Promise.all([work(a, 'a2'), work(b, 'b2'), work(a, 'a3')]);
  assert.ok(seen.every((s) => s.endsWith(':true')));
  for (const [i, tag] of ['a2', 'b2', 'a3'].entries()) {
    const run = ledger.select(Run).join(File, { name: `${tag}.txt` }).one();
    assert.equal(run.id, ids[i]);
    assert.equal(run.status, 'completed');
    assert.equal(run.params!.tag, tag);
  }
  assert.equal(ledger.select(Transform, { name: 'align' }).count(), 1, 'one transform: the server decided reuse');
  assert.equal(ledger.context.run, undefined);
  assert.equal(a.context.run, undefined);
  assert.equal(first.length, 2);
  await b.sync();
  assert.equal(b.select(Run).count(), 5);
  await Promise.all([a.close(), b.close()]);
});

test('a scoped run that throws is failed with the message, and the error is rethrown', async ({ server, ledger }) => {
  const ln = await connect(server.url, { token: 's3cret' });
  await assert.rejects(ln.run(new Transform({ name: 'flaky' }), async () => { throw new Error('disk full'); }), /disk full/);
  const run = ledger.select(Run).one();
  assert.equal(run.status, 'failed');
  assert.equal(run.error, 'disk full');
  await ln.close();
});

test('the server decides: same content from another run is the same file re-created, and a run\'s own output is not its input', async ({ server, ledger }) => {
  const a = await connect(server.url, { token: 's3cret' });
  const b = await connect(server.url, { token: 's3cret' });
  await a.track(new Transform({ name: 'one' }));
  const f1 = await a.add(new File(Buffer.from('same bytes'), { name: 'x.txt' }));
  await f1.load({ isRunInput: true });
  assert.equal(f1.inputOf.length, 0, 'its own output');
  await b.track(new Transform({ name: 'two' }));
  const f2 = await b.add(new File(Buffer.from('same bytes'), { name: 'y.txt' }));
  assert.equal(f2.id, f1.id);
  assert.deepEqual(f2.recreatedBy.map((r) => r.id), [b.context.run!.id]);
  assert.equal(ledger.select(File).count(), 1);
  await Promise.all([a.close(), b.close()]);
});

test('errors come back with the ledger\'s codes, and nothing is written', async ({ server, ledger }) => {
  const ln = await connect(server.url, { token: 's3cret' });
  await ln.add(new Transform({ name: 'Cell Ranger' }));
  const head = ledger.head.seq;
  await assert.rejects(ln.track('Cell Rangr'), (e: unknown) => isLineageError(e, 'TRANSFORM_NOT_FOUND') && /Cell Ranger/.test((e as Error).message));
  await assert.rejects(ln.finish(), (e: unknown) => isLineageError(e, 'NO_RUN_CONTEXT'));
  await assert.rejects(ln.finish({ status: 'maybe' as never }), (e: unknown) => isLineageError(e, 'INVALID_ARGUMENT'));
  await assert.rejects(ln.add(new File('/no/such/file.bam')), (e: unknown) => isLineageError(e, 'FILE_NOT_FOUND'));
  await assert.rejects(ln.add(new Transform({ name: 'x', type: 'macro' as never })), (e: unknown) => isLineageError(e, 'INVALID_ARGUMENT'));
  await assert.rejects(ln.add(new Transform({ name: 'x'.repeat(5000) })), (e: unknown) => isLineageError(e, 'LIMIT_EXCEEDED') || isLineageError(e, 'INVALID_ARGUMENT'));
  const f = await ln.add(new File(Buffer.from('a'), { name: 'a.txt' }));
  await assert.rejects(f.load({ isRunInput: true }), (e: unknown) => isLineageError(e, 'NO_RUN_CONTEXT'));
  assert.throws(() => ln.asOf(999), (e: unknown) => isLineageError(e, 'OUT_OF_RANGE'));
  // a.txt's file.created, with the request.keyed event of its key.
  assert.equal(ledger.head.seq, head + 2);
  await ln.close();
  await assert.rejects(ln.add(new Transform({ name: 'late' })), (e: unknown) => isLineageError(e, 'LEDGER_CLOSED'));
  await assert.rejects(connect('ftp://example.org'), (e: unknown) => isLineageError(e, 'INVALID_ARGUMENT'));
  await assert.rejects(connect('http://127.0.0.1:1'), (e: unknown) => isLineageError(e, 'CONNECTION_FAILED'));
});

test('an upload whose content does not match its declared SHA-256 is INTEGRITY_MISMATCH (400), and nothing is written', async ({ server, ledger }) => {
  const head = ledger.head;
  for (const size of [10, 1 << 20]) {
    const res = await fetch(`${server.url}/api/ledger/v1/files?name=x.bin&sha256=${'ab'.repeat(32)}`, {
      method: 'POST',
      headers: { authorization: 'Bearer s3cret', 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(size, 7),
    });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { code: string }).code, 'INTEGRITY_MISMATCH');
  }
  assert.deepEqual(ledger.head, head);
  assert.equal(ledger.select(File).count(), 0);
});

test('a client follows what another client writes, without asking', async ({ server }) => {
  const writer = await connect(server.url, { token: 's3cret' });
  const reader = await connect(server.url, { token: 's3cret' });
  await writer.run(new Transform({ name: 'producer' }), async () => {
    await writer.add(new File(Buffer.from('fresh'), { name: 'fresh.txt' }));
  });
  const seq = writer.head.seq;
  for (let i = 0; i < 200 && reader.head.seq < seq; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(reader.head.seq, seq);
  const fresh = reader.select(File, { name: 'fresh.txt' }).one();
  assert.equal(fresh.transform!.name, 'producer');
  assert.equal((await fresh.load()).toString(), 'fresh');
  await Promise.all([writer.close(), reader.close()]);
});

test('a client follows on across a server restart: the stream is reopened from the last seq it applied', async (ctx) => {
  const ln = await connect(ctx.server.url, { token: 's3cret' });
  await ln.add(new Transform({ name: 'before' }));
  const port = Number(new URL(ctx.server.url).port);
  await ctx.server.close();
  await ctx.ledger.add(new Transform({ name: 'while away' }));
  ctx.server = await serving(ctx.ledger, { token: 's3cret' }, port);
  await ln.sync();
  assert.equal(ln.select(Transform, { name: 'while away' }).count(), 1);
  await ln.add(new Transform({ name: 'after' }));
  assert.deepEqual(ln.select(Transform).all().map((t) => t.name), ['before', 'while away', 'after']);
  assert.deepEqual(ln.head, ctx.ledger.head);
  await ln.close();
});

test.run();
