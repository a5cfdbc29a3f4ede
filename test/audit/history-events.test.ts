import assert from 'node:assert/strict';
import { suite } from 'uvu';
import { File, isLineageError, open, Run, Transform, type AuditEvent } from 'lineage-ledger';
import { backends } from '../helpers.js';

const collect = async (it: AsyncIterable<AuditEvent>) => {
  const out: AuditEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
};

for (const backend of backends()) {
  const test = suite(`history and events on ${backend.name}`);
  test.after(() => backend.cleanup());

  test('a file\'s history: created, each load as input, each re-creation, in log order', async () => {
    const ln = await backend.fresh();
    await ln.track(new Transform({ name: 'make' }));
    const f = await ln.add(new File(Buffer.from('x'), { name: 'x.txt' }));
    const maker = ln.context.run!;
    await ln.track(new Transform({ name: 'use' }));
    await f.load({ isRunInput: true });
    await f.load({ isRunInput: true }); // the same run again: no new event
    const user = ln.context.run!;
    await ln.run('make', async () => ln.add(new File(Buffer.from('x'), { name: 'again.txt' })));
    await ln.add(new File(Buffer.from('unrelated'), { name: 'y.txt' }));
    const h = await ln.history(f);
    assert.deepEqual(h.map((e) => e.type), ['file.created', 'file.loaded_as_input', 'file.recreated']);
    assert.ok(h.every((e, i) => i === 0 || e.seq > h[i - 1]!.seq));
    assert.deepEqual(h[1]!.data, { fileId: f.id, runId: user.id });
    assert.equal((h[0]!.data as { runId: string }).runId, maker.id);
    for (const e of h) {
      assert.deepEqual(Object.keys(e), ['seq', 'at', 'type', 'v', 'data', 'prev', 'hash']);
      assert.match(e.hash, /^[0-9a-f]{64}$/);
      assert.ok(!Number.isNaN(Date.parse(e.at)));
    }
    await ln.close();
  });

  test('a run\'s history: started, inputs, outputs, children, finished; a transform\'s: registered and its runs', async () => {
    const ln = await backend.fresh();
    await ln.add(new File(Buffer.from('in'), { name: 'in.txt' }));
    const t = new Transform({ name: 'pipe' });
    await ln.track(t);
    await ln.select(File, { name: 'in.txt' }).one().load({ isRunInput: true });
    await ln.run(new Transform({ name: 'step', type: 'function' }), async () => {});
    await ln.add(new File(Buffer.from('out'), { name: 'out.txt' }));
    await ln.finish({ status: 'failed', error: 'late' });
    await ln.track(t);
    const run = ln.select(Run).join(Transform, { name: 'pipe' }).orderBy('startedAt').first()!;
    assert.deepEqual((await ln.history(run)).map((e) => e.type), ['run.started', 'file.loaded_as_input', 'run.started', 'file.created', 'run.finished']);
    const th = await ln.history(ln.select(Transform, { name: 'pipe' }).one());
    assert.deepEqual(th.map((e) => e.type), ['transform.registered', 'run.started', 'run.started']);
    await ln.close();
  });

  test('history through a snapshot stops at the snapshot, and works for records made by any reader of the ledger', async () => {
    const ln = await backend.fresh();
    await ln.track(new Transform({ name: 'a' }));
    const f = await ln.add(new File(Buffer.from('x'), { name: 'x.txt' }));
    const snap = ln.session();
    await f.load({ isRunInput: true });
    await ln.run('a', async () => ln.add(new File(Buffer.from('x'), { name: 'x2.txt' })));
    assert.equal((await snap.history(f)).length, 1);
    assert.equal((await ln.history(snap.select(File).one())).length, 2, 'the run that created it cannot load it as input; it was re-created once');
    assert.equal((await ln.asOf(1).history(f)).length, 0, 'before the file existed');
    await ln.close();
  });

  test('history refuses unsaved records, records of another ledger, and non-records', async () => {
    const ln = await backend.fresh();
    const other = await open({ memory: true });
    const foreign = await other.add(new Transform({ name: 'x' }));
    await assert.rejects(ln.history(new File(Buffer.from('x'), { name: 'x' })), (e) => isLineageError(e, 'RECORD_NOT_SAVED'));
    await assert.rejects(ln.history(foreign), (e) => isLineageError(e, 'INVALID_ARGUMENT') && /another ledger/.test(e.message));
    await assert.rejects(ln.history({ id: 'x' } as never), (e) => isLineageError(e, 'INVALID_ARGUMENT'));
    await other.close();
    await ln.close();
  });

  test('events() streams the whole log in order across batches, with from, to and types', async () => {
    const ln = await backend.fresh();
    await ln.track(new Transform({ name: 'many' }));
    await Promise.all(Array.from({ length: 2500 }, (_, i) => ln.add(new File(Buffer.from(`c${i}`), { name: `f${i}` }))));
    await ln.finish();
    const all = await collect(ln.events());
    assert.equal(all.length, ln.head.seq);
    assert.deepEqual(all.map((e) => e.seq), Array.from({ length: all.length }, (_, i) => i + 1));
    assert.equal(all[all.length - 1]!.hash, ln.head.hash);
    assert.ok(all.every((e, i) => e.prev === (i === 0 ? '0'.repeat(64) : all[i - 1]!.hash)));
    const some = await collect(ln.events({ from: 1000, to: 1002 }));
    assert.deepEqual(some.map((e) => e.seq), [1000, 1001, 1002]);
    const runs = await collect(ln.events({ types: ['run.started', 'run.finished'] }));
    assert.deepEqual(runs.map((e) => e.type), ['run.started', 'run.finished']);
    assert.deepEqual(await collect(ln.events({ from: ln.head.seq + 1 })), []);
    assert.equal((await collect(ln.events({ to: 10_000_000 }))).length, ln.head.seq);
    await ln.close();
  });

  test('events() of a snapshot ends at its seq; a live iteration sees the head as of the call', async () => {
    const ln = await backend.fresh();
    await ln.track(new Transform({ name: 'a' }));
    const snap = ln.session();
    const it = ln.events();
    await ln.finish();
    assert.equal((await collect(snap.events())).length, 2);
    assert.equal((await collect(it)).length, 2);
    assert.equal((await collect(ln.events())).length, 3);
    await ln.close();
  });

  test('events() rejects bad options at the call', async () => {
    const ln = await backend.fresh();
    for (const bad of [{ from: -1 }, { to: 1.5 }, { types: ['nope'] }, { types: 'run.started' }, 'x', null]) {
      assert.throws(() => ln.events(bad as never), (e) => isLineageError(e, 'INVALID_ARGUMENT'), JSON.stringify(bad));
    }
    await ln.close();
  });

  test('new runs record where they ran (run.started v2)', async () => {
    const ln = await backend.fresh();
    const run = await ln.track(new Transform({ name: 'a' }));
    assert.equal(run.environment!.pid, process.pid);
    assert.equal(run.environment!.platform, process.platform);
    assert.equal(run.environment!.node, process.version);
    assert.equal(typeof run.environment!.hostname, 'string');
    const [started] = await collect(ln.events({ types: ['run.started'] }));
    assert.equal(started!.v, 2);
    assert.deepEqual((started!.data as { environment?: unknown }).environment, run.environment);
    assert.deepEqual((run.toJSON() as { environment?: unknown }).environment, run.environment);
    await ln.close();
  });

  test.run();
}
