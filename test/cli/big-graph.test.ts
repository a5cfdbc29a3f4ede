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

big('a layout that outlasts --timeout stops with LIMIT_EXCEEDED and advice, not a hang', (ctx) => {
  const started = Date.now();
  const r = lineage(['--db', ctx.db, 'graph', ctx.last, '--format', 'svg', '--timeout', '1']);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^lineage: error LIMIT_EXCEEDED: Graphviz did not lay out \d+ nodes within 1 s; draw less with --depth/);
  assert.ok(Date.now() - started < 30_000, 'the worker was stopped');
});

big('a depth-limited picture of the same chain is drawn', (ctx) => {
  const r = lineage(['--db', ctx.db, 'graph', ctx.last, '--format', 'svg', '--depth', '6']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal((r.stdout.match(/class="node run"/g) ?? []).length, 3);
  assert.match(r.stdout, /class="node cut"/);
});

big.run();
