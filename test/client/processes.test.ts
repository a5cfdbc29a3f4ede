import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import { File, open, Run, Transform } from 'lineage-ledger';
import { tempDir } from '../helpers.js';
import { serving } from '../support/serve.js';

const run = promisify(execFile);
const child = fileURLToPath(new URL('../support/client-child.js', import.meta.url));
const test = suite('connect() from several processes into one server ledger');

test('worker processes write scoped runs concurrently, each run its own, and all read back the same lineage', async () => {
  const { dir, cleanup } = tempDir();
  const ledger = await open(`${dir}/ledger`);
  const server = await serving(ledger, { token: 'tok' });
  try {
    await ledger.add(new File(Buffer.from('>chr1\nACGT\n'), { name: 'reference.fa' }));
    const workers = 4;
    const runs = 5;
    const outs = await Promise.all(
      Array.from({ length: workers }, (_, w) => run(process.execPath, [child, 'pipeline', server.url, 'tok', `w${w}`, String(runs), String(workers * runs)], { timeout: 60_000 })),
    );
    const reports = outs.map((o) => JSON.parse(o.stdout) as { ids: string[]; head: { seq: number }; nodes: string[]; edges: number });
    // One transform (the server decided reuse), every run completed with its one input and one output.
    assert.equal(ledger.select(Transform, { name: 'align' }).count(), 1);
    const all = ledger.select(Run).all();
    assert.equal(all.length, workers * runs);
    for (const [w, report] of reports.entries()) {
      assert.equal(report.ids.length, runs);
      for (const [i, id] of report.ids.entries()) {
        const r = all.find((x) => x.id === id)!;
        assert.equal(r.status, 'completed');
        assert.deepEqual(r.params, { worker: `w${w}`, i });
        assert.deepEqual(r.inputs.map((f) => f.name), ['reference.fa']);
        assert.deepEqual(r.outputs.map((f) => f.name), [`w${w}-${i}.bam`]);
        assert.equal(r.parent, undefined);
      }
    }
    assert.equal(new Set(all.map((r) => r.environment!.pid)).size, workers, 'each run records its worker\'s environment');
    // Every worker read the same graph: the reference, 20 runs, 20 outputs.
    const expected = ledger.lineage(ledger.select(File, { name: 'reference.fa' }).one(), { direction: 'downstream' });
    for (const r of reports) {
      assert.deepEqual(r.nodes, expected.nodes.map((n) => n.id).sort());
      assert.equal(r.edges, expected.edges.length);
    }
    const verdict = await ledger.verify();
    assert.ok(verdict.ok);
    assert.equal(verdict.events, ledger.head.seq);
  } finally {
    await server.close();
    await ledger.close();
    cleanup();
  }
});

test.run();
