import assert from 'node:assert/strict';
import { join } from 'node:path';
import { suite } from 'uvu';
import { connect, File, importOpenLineage, open, Run, Transform } from 'lineage-ledger';
import { tempDir } from '../helpers.js';
import { dataset, newRunId, runEvent, serving } from '../support/serve.js';

const test = suite('connect() far behind: from the server\'s checkpoint');

/** `n` OpenLineage runs, each reading the output of the one before: about eight log events each. */
function runs(n: number, from = 0): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => runEvent(newRunId(), 'COMPLETE', `step-${(from + i) % 7}`, { inputs: [dataset(`d${from + i}`)], outputs: [dataset(`d${from + i + 1}`)] }));
}

test('a client of a large ledger starts from its checkpoint, follows the events after it, and reads what the server reads', async () => {
  const { dir, cleanup } = tempDir();
  const db = join(dir, 'ledger');
  try {
    // Past CHECKPOINT_EVERY events, a close stores a checkpoint; then more events after it.
    let ledger = await open(db);
    await importOpenLineage(ledger, runs(1500), { strict: true });
    const checkpointed = ledger.head.seq;
    assert.ok(checkpointed >= 10_000, `${checkpointed} events`);
    await ledger.close();
    ledger = await open(db);
    await importOpenLineage(ledger, runs(20, 1500), { strict: true });
    const server = await serving(ledger);
    try {
      const ln = await connect(server.url);
      try {
        assert.equal(ln.startedFrom, checkpointed);
        assert.deepEqual(ln.head, ledger.head);
        assert.equal(ln.select(Run).count(), ledger.select(Run).count());
        assert.equal(ln.select(File).count(), ledger.select(File).count());
        const last = ln.select(File, { name: 'd1520' }).one();
        assert.deepEqual(ln.lineage(last, { direction: 'upstream', depth: 5 }).nodes.map((n) => n.id), ledger.lineage(ledger.select(File, { name: 'd1520' }).one(), { direction: 'upstream', depth: 5 }).nodes.map((n) => n.id));
        // It writes and follows on as any client.
        await ln.run(new Transform({ name: 'after', version: '1' }), async () => {
          await ln.add(new File(Buffer.from('x'), { name: 'after.txt' }));
        });
        assert.equal(ledger.select(File, { name: 'after.txt' }).one().run!.transform.name, 'after');
        assert.deepEqual(ln.head, ledger.head);
        assert.equal((await ln.verify()).ok, true);
      } finally {
        await ln.close();
      }
    } finally {
      await server.close();
      await ledger.close();
    }
  } finally {
    cleanup();
  }
});

test('a client of a small ledger applies every event from the first', async () => {
  const ledger = await open({ memory: true });
  await importOpenLineage(ledger, runs(10), { strict: true });
  const server = await serving(ledger);
  try {
    const ln = await connect(server.url);
    assert.equal(ln.startedFrom, 0);
    assert.deepEqual(ln.head, ledger.head);
    await ln.close();
  } finally {
    await server.close();
    await ledger.close();
  }
});

test.run();
