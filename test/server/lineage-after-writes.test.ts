import assert from 'node:assert/strict';
import { suite } from 'uvu';
import { createServer, File, importOpenLineage, Run, Transform, type Ledger } from 'lineage-ledger';
import { backends } from '../helpers.js';
import { dataset, newRunId, runEvent } from '../support/serve.js';

// A server keeps the nodes of its head's lineage across writes and rebuilds only what a write touched.
// Whatever the write, its answer must be the one a server that never saw the graph before builds whole.

type App = ReturnType<typeof createServer>;

/** The body of GET /api/v1/lineage on `app`, which must answer 200. */
async function lineage(app: App, nodeId: string, depth: number): Promise<string> {
  const res = await app.inject({ method: 'GET', url: `/api/v1/lineage?nodeId=${encodeURIComponent(nodeId)}&depth=${depth}` });
  assert.equal(res.statusCode, 200, res.body);
  return res.body;
}

/** Two chains of three jobs from dataset `src`: a → d0 → b → d1 → c → d2, and x → e0 → y → e1. */
function chains(): Record<string, unknown>[] {
  const step = (job: string, input: string, output: string) => runEvent(newRunId(), 'COMPLETE', job, { inputs: [dataset(input)], outputs: [dataset(output)] }, '2026-01-01T00:00:00Z');
  return [step('a', 'src', 'd0'), step('b', 'd0', 'd1'), step('c', 'd1', 'd2'), step('x', 'src', 'e0'), step('y', 'e0', 'e1')];
}

const READS: [string, number][] = [
  ['dataset:s3://lake:src', 20],
  ['dataset:s3://lake:d1', 1],
  ['job:tests:b', 0],
  ['job:tests:y', 5],
];

for (const backend of backends()) {
  const test = suite(`lineage reads after writes (${backend.name})`);
  test.after(() => backend.cleanup());

  /** Reads every READS entry on the kept server and on a fresh one, and says they agree. */
  const agree = async (ledger: Ledger, kept: App, what: string) => {
    const fresh = createServer({ ledger, logLevel: 'silent' });
    try {
      for (const [nodeId, depth] of READS) {
        const built = await lineage(fresh, nodeId, depth);
        assert.equal(await lineage(kept, nodeId, depth), built, `after ${what}: ${nodeId} depth ${depth}`);
      }
    } finally {
      await fresh.close();
    }
  };

  /** Runs `fn` with a fresh ledger holding chains() and a server over it that has kept nodes since. */
  const withKept = async (fn: (ledger: Ledger, kept: App) => Promise<void>) => {
    const ledger = await backend.fresh();
    const kept = createServer({ ledger, logLevel: 'silent' });
    try {
      await importOpenLineage(ledger, chains(), { strict: true });
      await fn(ledger, kept);
    } finally {
      await kept.close();
      await ledger.close();
    }
  };

  test('after every kind of write, a read at the new head answers as the graph built whole', () =>
    withKept(async (ledger, kept) => {
      await agree(ledger, kept, 'the import');
      const writes: [string, () => Promise<unknown>][] = [
        ['a new run of a job in the graph', () => importOpenLineage(ledger, [runEvent(newRunId(), 'COMPLETE', 'b', { inputs: [dataset('d0')], outputs: [dataset('d1')] })])],
        ['a run of a job outside the graph', () => importOpenLineage(ledger, [runEvent(newRunId(), 'COMPLETE', 'far', { inputs: [dataset('p')], outputs: [dataset('q')] })])],
        ['a new edge joining the two chains', () => importOpenLineage(ledger, [runEvent(newRunId(), 'COMPLETE', 'c', { inputs: [dataset('e1')], outputs: [dataset('d2')] })])],
        ['a new dataset written by a job in the graph', () => importOpenLineage(ledger, [runEvent(newRunId(), 'COMPLETE', 'y', { inputs: [dataset('e0')], outputs: [dataset('e2')] })])],
        ['a run that starts and later finishes', async () => {
          const id = newRunId();
          await importOpenLineage(ledger, [runEvent(id, 'START', 'a', { inputs: [dataset('src')] })]);
          await agree(ledger, kept, 'the start');
          await importOpenLineage(ledger, [runEvent(id, 'FAIL', 'a', { outputs: [dataset('d0')] })]);
        }],
        ['a label on a dataset\'s file', () => ledger.select(File, { name: 'd1' }).all()[0]!.labels.add('checked')],
        ['a label on a job\'s transform', () => ledger.select(Transform, { name: 'b' }).one().labels.add('nightly')],
        ['a run\'s reference', () => ledger.select(Run).all()[0]!.setReference('nf-1', 'nextflow')],
        ['a file to the trash', () => ledger.select(File, { name: 'e1' }).all()[0]!.delete()],
        ['the file restored', () => ledger.select(File, { name: 'e1' }).onlyTrashed().all()[0]!.restore()],
        ['a description', () => ledger.select(File, { name: 'd0' }).all()[0]!.update({ description: 'the first output' })],
        ['a native run reading a dataset of the graph', () => ledger.add(new Run({ transform: new Transform({ name: 'native', version: '1' }), inputs: [ledger.select(File, { name: 'd2' }).all()[0]!] }))],
        ['a native output of that run', () => ledger.add(new File(Buffer.from('out'), { name: 'native-out', run: ledger.select(Run).all().find((r) => r.transform.name === 'native')! }))],
      ];
      for (const [what, write] of writes) {
        await write();
        await agree(ledger, kept, what);
      }
    }));

  test('reads at the same head between writes give the same answer, and asOf reads the past as it was', () =>
    withKept(async (ledger, kept) => {
      const before = await lineage(kept, 'dataset:s3://lake:src', 20);
      const seq = ledger.head.seq;
      assert.equal(await lineage(kept, 'dataset:s3://lake:src', 20), before);
      await importOpenLineage(ledger, [runEvent(newRunId(), 'COMPLETE', 'b', { inputs: [dataset('d0')], outputs: [dataset('d9')] })]);
      const after = await lineage(kept, 'dataset:s3://lake:src', 20);
      assert.notEqual(after, before);
      assert.ok(after.includes('dataset:s3://lake:d9'));
      const past = await kept.inject({ method: 'GET', url: `/api/v1/lineage?nodeId=${encodeURIComponent('dataset:s3://lake:src')}&depth=20&asOf=${seq}` });
      assert.equal(past.body, before);
    }));

  test.run();
}
