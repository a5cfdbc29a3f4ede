import assert from 'node:assert/strict';
import { File, isLineageError, open, Run, Transform } from 'lineage-ledger';
import { suite } from 'uvu';
import { backends } from './helpers.js';

for (const backend of backends()) {
  const test = suite(`runs across processes (${backend.name})`);
  test.after(() => backend.cleanup());

  test('new Run({ inputs }) records its inputs with its start, and finish({ run }) ends that run, not the context', async () => {
    const ln = await backend.fresh();
    const a = await ln.add(new File(Buffer.from('a'), { name: 'a.txt' }));
    const b = await ln.add(new File(Buffer.from('b'), { name: 'b.txt' }));
    const head = ln.head.seq;
    const run = await ln.add(new Run({ transform: new Transform({ name: 'reader' }), inputs: [a, b, a] }));
    // transform.registered, then run.started with its two inputs in one batch.
    assert.equal(ln.head.seq, head + 4);
    assert.deepEqual(run.inputs.map((f) => f.name), ['a.txt', 'b.txt']);
    const ctx = await ln.track(new Transform({ name: 'context' }));
    await ln.finish({ run, status: 'failed', error: 'exited with code 3' });
    assert.equal(run.status, 'failed');
    assert.equal(run.error, 'exited with code 3');
    assert.equal(ln.context.run?.id, ctx.id, 'the context run is left alone');
    assert.equal(ctx.status, 'started');
    await assert.rejects(ln.finish({ run: new Run({ transform: new Transform({ name: 'x' }) }) }), (e) => isLineageError(e, 'RECORD_NOT_SAVED'));
    assert.throws(() => new Run({ transform: new Transform({ name: 'x' }), inputs: ['a.txt'] as never }), (e) => isLineageError(e, 'INVALID_ARGUMENT'));
    await ln.close();
  });

  if (!backend.reopen) {
    test.run();
    continue;
  }
  const reopen = backend.reopen;

  test('with parentRun, tracked, scoped and added runs without a parent of their own become its children', async () => {
    const ln = await backend.fresh();
    const outer = await ln.add(new Run({ transform: new Transform({ name: 'outer' }) }));
    await ln.close();
    const child = await reopen({ parentRun: outer.id });
    const scoped = await child.run(new Transform({ name: 'scoped' }), async (r) => r);
    const tracked = await child.track(new Transform({ name: 'tracked' }));
    const added = await child.add(new Run({ transform: new Transform({ name: 'added' }) }));
    const own = await child.add(new Run({ transform: new Transform({ name: 'own' }), parent: tracked }));
    for (const r of [tracked, scoped, added]) assert.equal(r.parent?.id, outer.id);
    assert.equal(own.parent?.id, tracked.id);
    assert.deepEqual(child.select(Run, { id: outer.id }).one().children.map((r) => r.transform.name).sort(), ['added', 'scoped', 'tracked']);
    await child.close();
  });

  test('$LINEAGE_RUN is the default parentRun; an id this ledger does not know is ignored, one passed explicitly is RUN_NOT_FOUND', async () => {
    const ln = await backend.fresh();
    const outer = await ln.add(new Run({ transform: new Transform({ name: 'outer' }) }));
    await ln.close();
    process.env.LINEAGE_RUN = outer.id;
    try {
      const child = await reopen();
      assert.equal((await child.track(new Transform({ name: 'step' }))).parent?.id, outer.id);
      await child.close();
      process.env.LINEAGE_RUN = 'notARunOfThisLedger';
      const other = await reopen();
      assert.equal((await other.track(new Transform({ name: 'step' }))).parent, undefined);
      await other.close();
    } finally {
      delete process.env.LINEAGE_RUN;
    }
    await assert.rejects(reopen({ parentRun: 'nope' }), (e) => isLineageError(e, 'RUN_NOT_FOUND'));
    // The failed open released the ledger.
    await (await reopen()).close();
  });

  test.run();
}
