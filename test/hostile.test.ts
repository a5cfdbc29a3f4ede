import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { suite } from 'uvu';
import { File, Transform, open } from 'lineage-ledger';
import { answers, assertNoPollution, checkStored, memorySequences, play, prototypeKeys, sequence } from './support/hostile.js';
import { tempDir } from './helpers.js';

const test = suite('hostile input');
const RUNS = Number(process.env.HOSTILE_RUNS ?? 10_000);
const DISK_RUNS = Number(process.env.HOSTILE_DISK_RUNS ?? 150);

test(`${RUNS} random sequences of hostile calls on memory-level: coded errors only, valid events only, no pollution`, async () => {
  const cwd = readdirSync(process.cwd()).sort();
  const { calls, events } = await memorySequences(RUNS);
  assert.deepEqual(readdirSync(process.cwd()).sort(), cwd, 'a file was written in the working folder');
  console.log(`  hostile (memory-level): ${RUNS} sequences, ${calls} calls, ${events} events stored and validated`);
});

test(`${DISK_RUNS} sequences on classic-level: nothing written outside the ledger folder, and reopening gives the same answers`, async () => {
  const protos = prototypeKeys();
  const cwd = readdirSync(process.cwd()).sort();
  const { dir, cleanup } = tempDir('lineage-hostile-');
  let n = 0;
  try {
    await fc.assert(
      fc.asyncProperty(sequence, async (ops) => {
        const path = join(dir, `ledger-${n++}`);
        const ledger = await open(path);
        let before: unknown;
        try {
          await play(ledger, ops);
          // close() would finish the open run: finish it now, so that the answers before and after must be equal.
          if (ledger.context.run?.status === 'started') await ledger.finish();
          await checkStored(ledger);
          before = answers(ledger);
        } finally {
          await ledger.close();
        }
        const again = await open(path);
        try {
          assert.deepEqual(answers(again), before);
          await checkStored(again);
        } finally {
          await again.close();
        }
        assertNoPollution(protos);
      }),
      { numRuns: DISK_RUNS },
    );
    assert.deepEqual(readdirSync(dir).sort(), Array.from({ length: n }, (_, i) => `ledger-${i}`).sort(), 'something was written next to the ledgers');
    assert.deepEqual(readdirSync(process.cwd()).sort(), cwd, 'a file was written in the working folder');
    console.log(`  hostile (classic-level): ${n} sequences, each closed, reopened and compared`);
  } finally {
    cleanup();
  }
});

test('found by the soak: the lineage of a transform whose runs do not fit under maxNodes is cut short, not a TypeError', async () => {
  const ledger = await open({ memory: true });
  const t = new Transform({ name: 'busy' });
  await ledger.run(t, async () => ledger.add(new File(Buffer.from('a'), { name: 'a.txt' })));
  await ledger.run(t, async () => ledger.add(new File(Buffer.from('b'), { name: 'b.txt' })));
  const graph = ledger.lineage(t, { direction: 'downstream', maxNodes: 1 });
  assert.equal(graph.truncated, true);
  assert.deepEqual(graph.nodes.map((n) => [n.kind, n.truncated]), [['transform', true]]);
  assert.equal(ledger.lineage(t, { direction: 'downstream', maxNodes: 2 }).nodes.length, 2);
  await ledger.close();
});

test.run();
