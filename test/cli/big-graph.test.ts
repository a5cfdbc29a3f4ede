import assert from 'node:assert/strict';
import { join } from 'node:path';
import { File, type LineageGraph, open, Transform } from 'lineage-ledger';
import { suite } from 'uvu';
import { tempDir } from '../helpers.js';
import { lineage } from './run-cli.js';

interface Ctx {
  db: string;
  last: string;
  cleanup: () => void;
}

const big = suite<Ctx>('graph on a long chain of runs');

// 150 runs of 3 transforms, each run reading the previous run's output: a deep chain whose
// transforms have runs all along it, the shape that Graphviz takes longest to lay out.
big.before(async (ctx) => {
  const { dir, cleanup } = tempDir();
  ctx.cleanup = cleanup;
  ctx.db = join(dir, 'chain');
  const ln = await open(ctx.db, { durability: 'none' });
  let prev: File | undefined;
  for (let i = 0; i < 150; i++) {
    await ln.run(new Transform({ name: `step ${i % 3}` }), async () => {
      if (prev) await prev.load({ isRunInput: true });
      prev = await ln.add(new File(Buffer.from(`content ${i}`), { name: `f${i}.txt` }));
    });
  }
  ctx.last = prev!.id;
  await ln.close();
});
big.after((ctx) => ctx.cleanup());

big('text and json take the whole chain; a picture stops at its node limit and says so', (ctx) => {
  const j = lineage(['--db', ctx.db, 'graph', ctx.last, '--format', 'json']);
  assert.equal(j.status, 0, j.stderr);
  const whole = JSON.parse(j.stdout) as LineageGraph;
  assert.equal(whole.nodes.filter((n) => n.kind === 'run').length, 150);
  assert.equal(whole.truncated, false);
  const limited = JSON.parse(lineage(['--db', ctx.db, 'graph', ctx.last, '--format', 'json', '--max-nodes', '40']).stdout) as LineageGraph;
  assert.equal(limited.nodes.length, 40);
  assert.equal(limited.truncated, true);
  const t = lineage(['--db', ctx.db, 'graph', ctx.last, '--max-nodes', '40']);
  assert.match(t.stdout, /… more nodes than the node limit/);
});

big('the whole chain, which Graphviz could not lay out in minutes, is drawn by the layered layout: every run, no LIMIT_EXCEEDED', (ctx) => {
  for (const format of ['svg', 'html']) {
    const r = lineage(['--db', ctx.db, 'graph', ctx.last, '--format', format, '--timeout', '5']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal((r.stdout.match(/class="node run"/g) ?? []).length, 150, format);
    assert.equal((r.stdout.match(/class="node file"/g) ?? []).length, 150, format);
    assert.equal((r.stdout.match(/class="node transform"/g) ?? []).length, 3, format);
    assert.equal((r.stdout.match(/class="edge input"/g) ?? []).length, 149, format);
  }
});

big('a node limit on the picture marks the cut with a "… more" node', (ctx) => {
  const r = lineage(['--db', ctx.db, 'graph', ctx.last, '--format', 'svg', '--max-nodes', '100']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal((r.stdout.match(/class="node (file|run|transform)"/g) ?? []).length, 100);
  assert.match(r.stdout, /class="node cut"><title>… more upstream \(depth or node limit\)<\/title>/);
});

big('a depth-limited picture of the same chain is drawn', (ctx) => {
  const r = lineage(['--db', ctx.db, 'graph', ctx.last, '--format', 'svg', '--depth', '6']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal((r.stdout.match(/class="node run"/g) ?? []).length, 3);
  assert.match(r.stdout, /class="node cut"/);
});

big.run();
