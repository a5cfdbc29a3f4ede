import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import { File, isLineageError, type Ledger, Run, Transform } from 'lineage-ledger';
import { backends, tempDir } from './helpers.js';

/** Asserts that `fn` rejects with a LineageError of `code`, and returns it. */
async function rejectsWith(fn: () => unknown, code: string): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    assert.ok(isLineageError(err), `expected a LineageError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}, but nothing was thrown`);
}

for (const backend of backends()) {
  const test = suite(`ledger on ${backend.name}`);
  let ln: Ledger;
  let tmp: ReturnType<typeof tempDir>;
  test.before.each(async () => {
    tmp = tempDir();
    ln = await backend.fresh();
  });
  test.after.each(async () => {
    await ln.close();
    backend.cleanup();
    tmp.cleanup();
  });

  test('adding the same content again returns the existing record and records the re-creating run', async () => {
    await ln.track(new Transform({ name: 'first' }));
    const a = await ln.add(new File(Buffer.from('same bytes'), { name: 'a.txt' }));
    const firstRun = ln.context.run!;
    await ln.track(new Transform({ name: 'second' }));
    const b = await ln.add(new File(Buffer.from('same bytes'), { name: 'b.txt' }));
    assert.equal(b.id, a.id);
    assert.equal(b.name, 'a.txt');
    assert.equal(ln.select(File).count(), 1);
    assert.equal(a.run!.id, firstRun.id, 'the producing run stays the first one');
    assert.deepEqual(a.recreatedBy.map((r) => r.id), [ln.context.run!.id]);
    assert.deepEqual(ln.context.run!.outputs.map((f) => f.id), [a.id]);
    const seq = ln.head.seq;
    await ln.add(new File(Buffer.from('same bytes'), { name: 'c.txt' }));
    assert.equal(ln.head.seq, seq, 'the same run re-adding the same content writes nothing');
  });

  test('a run never records its own output as its input', async () => {
    await ln.track(new Transform({ name: 'maker' }));
    const f = await ln.add(new File(Buffer.from('made here'), { name: 'out.txt' }));
    const seq = ln.head.seq;
    const bytes = await f.load({ isRunInput: true });
    assert.equal(bytes.toString(), 'made here');
    assert.equal(ln.head.seq, seq);
    assert.deepEqual(f.inputOf, []);
    assert.deepEqual(ln.context.run!.inputs, []);
  });

  test('loading the same input twice in a run records it once', async () => {
    await ln.track(new Transform({ name: 'maker' }));
    const f = await ln.add(new File(Buffer.from('x'), { name: 'x.txt' }));
    await ln.track(new Transform({ name: 'reader' }));
    await Promise.all([f.load({ isRunInput: true }), f.load({ isRunInput: true })]);
    await f.load({ isRunInput: true });
    assert.equal(f.inputOf.length, 1);
    assert.equal(ln.context.run!.inputs.length, 1);
  });

  test('load() without isRunInput reads but records nothing', async () => {
    const f = await ln.add(new File(Buffer.from('free'), { name: 'free.txt' }));
    const seq = ln.head.seq;
    assert.equal((await f.load()).toString(), 'free');
    assert.equal(ln.head.seq, seq);
    assert.equal(f.run, undefined, 'a file added outside any run has no producing run');
  });

  test('load({ isRunInput: true }) without a run is NO_RUN_CONTEXT, and nothing is written', async () => {
    const f = await ln.add(new File(Buffer.from('free'), { name: 'free.txt' }));
    const seq = ln.head.seq;
    await rejectsWith(() => f.load({ isRunInput: true }), 'NO_RUN_CONTEXT');
    assert.equal(ln.head.seq, seq);
  });

  test('track(name) of an unknown transform is TRANSFORM_NOT_FOUND with the closest names', async () => {
    await ln.track(new Transform({ name: 'Cell Ranger', version: '7' }));
    await ln.track(new Transform({ name: 'STAR aligner' }));
    const seq = ln.head.seq;
    const err = await rejectsWith(() => ln.track('Cell Rangr'), 'TRANSFORM_NOT_FOUND');
    assert.match(err.message, /"Cell Ranger"/);
    assert.equal(ln.head.seq, seq);
    const run = await ln.track('Cell Ranger');
    assert.equal(run.transform.version, '7');
  });

  test('track() of a Transform reuses it by name and version, and registers a new version', async () => {
    const a = new Transform({ name: 'p', version: '1' });
    await ln.track(a);
    await ln.track(new Transform({ name: 'p', version: '1' }));
    assert.equal(ln.context.transform!.id, a.id);
    await ln.track(new Transform({ name: 'p', version: '2' }));
    assert.notEqual(ln.context.transform!.id, a.id);
    assert.equal(ln.select(Transform, { name: 'p' }).count(), 2);
    await ln.track(new Transform({ name: 'p' }));
    assert.equal(ln.context.transform!.version, '2', 'no version given: the latest');
  });

  test('track() registers the entry script, and a new version when its source changes', async () => {
    const script = join(tmp.dir, 'pipeline.mjs');
    writeFileSync(script, 'console.log(1)\n');
    await ln.track(undefined, { script });
    const v1 = ln.context.transform!;
    assert.equal(v1.type, 'script');
    assert.equal(v1.name, 'pipeline.mjs');
    assert.equal(v1.version, '1');
    assert.match(v1.hash!, /^[0-9a-f]{64}$/);
    await ln.track(undefined, { script });
    assert.equal(ln.context.transform!.id, v1.id, 'same source: same transform');
    writeFileSync(script, 'console.log(2)\n');
    await ln.track(undefined, { script });
    const v2 = ln.context.transform!;
    assert.notEqual(v2.id, v1.id);
    assert.equal(v2.version, '2');
    assert.equal(v2.revises!.id, v1.id);
    await rejectsWith(() => ln.track(undefined, { script: join(tmp.dir, 'missing.mjs') }), 'NO_ENTRY_SCRIPT');
  });

  test('a new track() finishes the previous context run, and close() the last one', async () => {
    const r1 = await ln.track(new Transform({ name: 'a' }));
    const r2 = await ln.track(new Transform({ name: 'b' }));
    assert.equal(r1.status, 'completed');
    assert.ok(r1.finishedAt instanceof Date);
    assert.equal(r2.status, 'started');
    await ln.finish({ status: 'failed', error: 'boom' });
    assert.equal(r2.status, 'failed');
    assert.equal(r2.error, 'boom');
    assert.equal(ln.context.run, undefined);
    await rejectsWith(() => ln.finish(), 'NO_RUN_CONTEXT');
  });

  test('scoped runs finish as completed, or failed when the function throws, and nest as children', async () => {
    const t = new Transform({ name: 'step', type: 'function' });
    const outer = await ln.run(t, async (run) => {
      assert.equal(ln.context.run!.id, run.id);
      const inner = await ln.run('step', async (r) => r);
      assert.equal(inner.parent!.id, run.id);
      return run;
    });
    assert.equal(outer.status, 'completed');
    assert.equal(outer.children.length, 1);
    let failed: Run | undefined;
    await assert.rejects(
      ln.run(t, async (run) => {
        failed = run;
        throw new Error('step broke');
      }),
      /step broke/,
    );
    assert.equal(failed!.status, 'failed');
    assert.equal(failed!.error, 'step broke');
    assert.equal(ln.context.run, undefined, 'scopes do not leak into the global context');
  });

  test('1,000 concurrent add() calls across 10 scoped runs: each file belongs to its own run, seqs contiguous from 1', async () => {
    const scopes = Array.from({ length: 10 }, (_, s) =>
      ln.run(new Transform({ name: `worker-${s}` }), async (run) => {
        await Promise.all(
          Array.from({ length: 100 }, (_, i) => ln.add(new File(Buffer.from(`scope ${s} file ${i}`), { name: `s${s}-f${i}.txt` }))),
        );
        return run;
      }),
    );
    const runs = await Promise.all(scopes);
    for (const [s, run] of runs.entries()) {
      const outputs = run.outputs;
      assert.equal(outputs.length, 100);
      assert.ok(outputs.every((f) => f.name.startsWith(`s${s}-`)), `run ${s} holds only its own files`);
    }
    const files = ln.select(File).all();
    assert.equal(files.length, 1000);
    for (const f of files) assert.equal(f.run!.transform.name, `worker-${f.name.slice(1, f.name.indexOf('-'))}`);
    const seqs: number[] = [];
    for await (const e of (ln as unknown as { log: { read(): AsyncIterable<{ event: { seq: number } }[]> } }).log.read()) seqs.push(...e.map((x) => x.event.seq));
    assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1));
    assert.equal(seqs.length, 10 /* transforms */ + 10 /* starts */ + 1000 + 10 /* finishes */);
  });

  test('records from select() are live; a session is not', async () => {
    await ln.track(new Transform({ name: 'maker' }));
    const made = await ln.add(new File(Buffer.from('m'), { name: 'm.txt' }));
    const live = ln.select(File, { name: 'm.txt' }).one();
    const ss = ln.session();
    const frozen = ss.select(File, { name: 'm.txt' }).one();
    await ln.track(new Transform({ name: 'reader' }));
    await made.load({ isRunInput: true });
    assert.equal(live.inputOf.length, 1);
    assert.equal(frozen.inputOf.length, 0);
    assert.equal(ss.select(Run).count(), 1);
    assert.equal(ln.select(Run).count(), 2);
    assert.equal(frozen.run!.status, 'started', 'relations resolve in the snapshot too');
  });

  test('queries filter, join via inputs, order, page and count', async () => {
    await ln.track(new Transform({ name: 'gen' }));
    const made = await ln.add([3, 1, 2].map((n) => new File(Buffer.alloc(n, n), { name: `f${n}.bin` })));
    assert.deepEqual(made.map((f) => f.size), [3, 1, 2]);
    await ln.track(new Transform({ name: 'use' }));
    await made[0]!.load({ isRunInput: true });
    assert.deepEqual(ln.select(File).orderBy('size').all().map((f) => f.size), [1, 2, 3]);
    assert.deepEqual(ln.select(File).orderBy('size', 'desc').limit(2).all().map((f) => f.size), [3, 2]);
    assert.deepEqual(ln.select(File).orderBy('size').offset(1).limit(1).all().map((f) => f.size), [2]);
    assert.equal(ln.select(File).where((f) => f.size! > 1).count(), 2);
    assert.equal(ln.select(File).where({ suffix: '.bin', size: 2 }).one().name, 'f2.bin');
    assert.equal(ln.select(Transform).join(Run).join(File, { name: 'f3.bin' }, { via: 'inputs' }).one().name, 'use');
    assert.equal(ln.select(Transform).join(File, { name: 'f3.bin' }).one().name, 'gen');
    assert.equal(ln.select(File).join(Transform, { name: 'gen' }).count(), 3);
    assert.equal(ln.select(File).join(Run, {}, { via: 'inputs' }).one().name, 'f3.bin');
    assert.equal(ln.select(File, { name: 'nothing' }).first(), undefined);
    await rejectsWith(() => ln.select(File).one(), 'QUERY_NOT_ONE');
    await rejectsWith(() => ln.select(File, { name: 'nothing' }).one(), 'QUERY_NOT_ONE');
    await rejectsWith(() => ln.select(File, { colour: 'red' }), 'QUERY_INVALID');
    await rejectsWith(() => ln.select(File).join(File), 'QUERY_INVALID');
    await rejectsWith(() => ln.select(String as never), 'QUERY_INVALID');
  });

  test('a file passed a Run by hand is attributed to that run, which is saved with it', async () => {
    const transform = new Transform({ name: '10x scRNA-seq nextseq', type: 'pipeline' });
    const run = new Run({ transform, name: 'ingest-fastq', params: { lanes: [1, 2] } });
    const f = await ln.add(new File(Buffer.from('reads'), { name: 'input.fastq.gz', run }));
    assert.equal(f.run!.id, run.id);
    assert.equal(run.name, 'ingest-fastq');
    assert.deepEqual(run.params, { lanes: [1, 2] });
    assert.equal(f.suffix, '.fastq.gz');
    assert.equal(f.transform!.name, '10x scRNA-seq nextseq');
    assert.equal(ln.context.run, undefined, 'the context is untouched');
  });

  test('bad input is a coded error and writes nothing', async () => {
    const seq = ln.head.seq;
    await rejectsWith(() => ln.add(new File(join(tmp.dir, 'does-not-exist.txt'))), 'FILE_NOT_FOUND');
    await rejectsWith(() => new File(Buffer.from('x')), 'INVALID_ARGUMENT');
    await rejectsWith(() => new File(42 as never), 'INVALID_ARGUMENT');
    await rejectsWith(() => ln.add({} as never), 'INVALID_ARGUMENT');
    await rejectsWith(() => ln.track(new Transform({ name: '' })), 'INVALID_ARGUMENT');
    await rejectsWith(() => ln.track(new Transform({ name: 'a\u0000b' })), 'INVALID_ARGUMENT');
    await rejectsWith(() => ln.track(new Transform({ name: 'x'.repeat(5000) })), 'LIMIT_EXCEEDED');
    await rejectsWith(() => ln.track(new Transform({ name: 't', type: 'macro' as never })), 'INVALID_ARGUMENT');
    await rejectsWith(() => ln.track(new Transform({ name: 't' }), { params: { x: NaN } }), 'INVALID_ARGUMENT');
    await rejectsWith(() => ln.track(new Transform({ name: 't' }), { params: { x: 1n } as never }), 'INVALID_ARGUMENT');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await rejectsWith(() => ln.track(new Transform({ name: 't' }), { params: cyclic }), 'INVALID_ARGUMENT');
    await rejectsWith(() => ln.asOf(99), 'OUT_OF_RANGE');
    assert.equal(ln.head.seq, seq);
  });

  test('params keep __proto__ as data and pollute nothing', async () => {
    const params = JSON.parse('{"__proto__": {"polluted": true}, "constructor": "c"}');
    const run = await ln.track(new Transform({ name: 't' }), { params });
    assert.deepEqual(Object.keys(run.params!), ['__proto__', 'constructor']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('a run\'s params and environment reach users frozen all the way down; its finish leaves the started version as it was', async () => {
    const run = await ln.track(new Transform({ name: 't' }), { params: { depth: { list: [1, { deep: true }] } } });
    const startedAt = ln.head.seq;
    const list = (run.params!.depth as { list: [number, { deep: boolean }] }).list;
    assert.ok(Object.isFrozen(run.params) && Object.isFrozen(list) && Object.isFrozen(list[1]));
    assert.throws(() => list.push(1), TypeError);
    assert.ok(Object.isFrozen(run.environment));
    await ln.finish({ status: 'failed', error: 'boom' });
    assert.deepEqual([run.status, run.error], ['failed', 'boom']);
    const before = ln.asOf(startedAt).select(Run).one();
    assert.deepEqual([before.status, before.error, before.finishedAt], ['started', undefined, undefined]);
    assert.equal(before.params, run.params, 'both versions share the one frozen params object');
    if (backend.reopen) {
      await ln.close();
      ln = await backend.reopen();
      const again = ln.select(Run).one();
      assert.deepEqual([again.status, again.error, again.params], ['failed', 'boom', { depth: { list: [1, { deep: true }] } }]);
      assert.ok(Object.isFrozen((again.params!.depth as { list: unknown[] }).list[1]) && Object.isFrozen(again.environment));
    }
  });

  test('names are NFC-normalized, so either spelling finds the record', async () => {
    await ln.add(new File(Buffer.from('é'), { name: 'cafe\u0301.txt' }));
    assert.equal(ln.select(File, { name: 'caf\u00e9.txt' }).one().name, 'caf\u00e9.txt');
    assert.equal(ln.select(File, { name: 'cafe\u0301.txt' }).count(), 1);
  });

  test('a closed ledger refuses work with LEDGER_CLOSED', async () => {
    await ln.close();
    await rejectsWith(() => ln.add(new File(Buffer.from('late'), { name: 'late.txt' })), 'LEDGER_CLOSED');
    await rejectsWith(() => ln.track(new Transform({ name: 'late' })), 'LEDGER_CLOSED');
  });

  // On PostgreSQL every content is in the database (test/pg/store.test.ts).
  if (backend.reopen && backend.name !== 'postgres') {
    test('large contents live as files in the store, are hash-checked on load, and survive a reopen', async () => {
      const big = Buffer.alloc(600 * 1024, 7);
      const path = join(tmp.dir, 'big.bin');
      writeFileSync(path, big);
      const f = await ln.add(new File(path));
      assert.match(f.storageKey!, /^objects\/[0-9a-f]{64}$/);
      const small = await ln.add(new File(Buffer.from('small'), { name: 'small.txt' }));
      assert.match(small.storageKey!, /^inline\/[0-9a-f]{64}$/);
      assert.ok((await f.load()).equals(big));
      const dir = ln.path!;
      await ln.close();
      const hex = f.hash!;
      writeFileSync(join(dir, 'objects', hex.slice(0, 2), hex), Buffer.alloc(600 * 1024, 8));
      ln = await backend.reopen!();
      const again = ln.select(File, { name: 'big.bin' }).one();
      await rejectsWith(() => again.load(), 'INTEGRITY_MISMATCH');
      assert.equal((await ln.select(File, { name: 'small.txt' }).one().load()).toString(), 'small');
    });
  }

  test.run();
}
