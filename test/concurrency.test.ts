import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import { File, Run, Transform, isLineageError, open } from 'lineage-ledger';
import { walkChain } from './support/chain.js';
import { checkStored } from './support/hostile.js';
import { backends, tempDir } from './helpers.js';

const CLI = fileURLToPath(new URL('../lib/cli/main.js', import.meta.url));

for (const backend of backends()) {
  const test = suite(`concurrency (${backend.name})`);
  test.after(() => backend.cleanup());

  test('10,000 concurrent appends from 100 concurrent scoped runs: contiguous seqs, a valid chain, each event in its own run', async () => {
    const ledger = await backend.fresh();
    const shared = (await ledger.add(new File(Buffer.from('shared input'), { name: 'shared.txt' }))) as File;
    const transforms = [new Transform({ name: 'left' }), new Transform({ name: 'right' })];
    const made = new Map<string, string>();
    const runs = await Promise.all(
      Array.from({ length: 100 }, (_, r) =>
        ledger.run(transforms[r % 2]!, async (run) => {
          await Promise.all([
            shared.load({ isRunInput: true }),
            ...Array.from({ length: 100 }, async (_, i) => {
              const f = (await ledger.add(new File(Buffer.from(`run ${r} file ${i}`), { name: `r${r}-f${i}.txt` }))) as File;
              made.set(f.id, run.id);
              // The context is this scope's run, whatever the other 99 scopes do meanwhile.
              assert.equal(ledger.context.run!.id, run.id);
            }),
          ]);
          return run;
        }),
      ),
    );
    assert.equal(made.size, 10_000);
    const events = await checkStored(ledger);
    assert.equal(events, 1 + 2 + 100 * (1 + 1 + 100 + 1));
    for (const file of ledger.select(File).all()) if (file.name !== 'shared.txt') assert.equal(file.run!.id, made.get(file.id));
    for (const run of runs) {
      assert.equal(run.status, 'completed');
      assert.equal(run.outputs.length, 100);
      assert.deepEqual(run.inputs.map((f) => f.id), [shared.id]);
    }
    await ledger.close();
    if (backend.name === 'classic-level') {
      const chain = await walkChain(ledger.path!);
      assert.equal(chain.broken, undefined);
      assert.equal(chain.head.seq, events);
    }
  });

  test('closing while appends are in flight completes or rejects each one with a coded error, never half a batch', async () => {
    const ledger = await backend.fresh();
    await ledger.track(new Transform({ name: 'closing' }));
    const outcomes = await Promise.allSettled([
      ...Array.from({ length: 500 }, (_, i) => ledger.add(new File(Buffer.from(`in flight ${i}`), { name: `f${i}.txt` }))),
      (async () => {
        await new Promise((r) => setImmediate(r));
        await ledger.close();
      })(),
      ...Array.from({ length: 500 }, (_, i) => new Promise((r) => setImmediate(r)).then(() => ledger.add(new File(Buffer.from(`late ${i}`), { name: `late${i}.txt` })))),
    ]);
    const saved = new Set<string>();
    for (const o of outcomes) {
      if (o.status === 'rejected') assert.ok(isLineageError(o.reason, 'LEDGER_CLOSED'), `a rejected append carries LEDGER_CLOSED, not ${o.reason}`);
      else if (o.value instanceof File) saved.add(o.value.name);
    }
    assert.ok(saved.size > 0 && saved.size < 1000, `some appends completed (${saved.size}) and some were refused`);
    if (backend.name === 'memory-level') return;
    const again = await backend.reopen!();
    try {
      const files = again.select(File).all();
      assert.deepEqual(new Set(files.map((f) => f.name)), saved, 'exactly the acknowledged files are stored');
      for (const f of files) assert.ok((await f.load()).toString().endsWith(f.name.replace(/^late|\.txt$/g, '').replace(/^f/, '')));
      assert.equal(again.select(Run).one().status, 'completed');
      await checkStored(again);
    } finally {
      await again.close();
    }
  });

  if (backend.name === 'classic-level') {
    test('a second open in the same process, or in another process, fails at once with LEDGER_LOCKED naming the ledger', async () => {
      const { dir, cleanup } = tempDir();
      const path = join(dir, 'locked');
      const ledger = await open(path);
      try {
        await assert.rejects(open(path), (e: unknown) => isLineageError(e, 'LEDGER_LOCKED') && e.message.includes(path));
        const child = spawnSync(process.execPath, [CLI, '--db', path, 'stats'], { encoding: 'utf8', timeout: 20_000 });
        assert.equal(child.signal, null, 'the second process did not hang');
        assert.equal(child.status, 1);
        assert.match(child.stderr, /LEDGER_LOCKED/);
        assert.ok(child.stderr.includes(path));
        assert.doesNotMatch(child.stderr, /\n\s+at /, 'no stack trace');
      } finally {
        await ledger.close();
        cleanup();
      }
    });
  }

  test.run();
}
