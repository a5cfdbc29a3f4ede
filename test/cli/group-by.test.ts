import assert from 'node:assert/strict';
import { join } from 'node:path';
import { File, open, Run, Transform } from 'lineage-ledger';
import { suite } from 'uvu';
import { tempDir } from '../helpers.js';
import { lineage } from './run-cli.js';

interface Ctx {
  db: string;
  parent: string;
  children: string[];
  loner: string;
  cleanup: () => void;
}

const test = suite<Ctx>('lineage graph --group-by parent');

// A DAG run with two task runs (the second reads the first's output), and a run of no DAG reading the last output.
test.before(async (ctx) => {
  const { dir, cleanup } = tempDir('lineage-group-');
  ctx.cleanup = cleanup;
  ctx.db = join(dir, 'l');
  const ln = await open(ctx.db);
  try {
    const dag = await ln.add(new Run({ transform: new Transform({ name: 'nightly-dag' }) }));
    const a = await ln.add(new Run({ transform: new Transform({ name: 'extract' }), parent: dag }));
    const aOut = await ln.add(new File(Buffer.from('a'), { name: 'a.csv', run: a }));
    const b = await ln.add(new Run({ transform: new Transform({ name: 'clean' }), parent: dag, inputs: [aOut] }));
    const bOut = await ln.add(new File(Buffer.from('b'), { name: 'b.csv', run: b }));
    const r = await ln.add(new Run({ transform: new Transform({ name: 'report' }), inputs: [bOut] }));
    await ln.add(new File(Buffer.from('r'), { name: 'report.csv', run: r }));
    Object.assign(ctx, { parent: dag.id, children: [a.id, b.id], loner: r.id });
  } finally {
    await ln.close();
  }
});
test.after((ctx) => ctx.cleanup());

test('dot boxes the runs that share a parent in a cluster titled by the parent run; a run of no parent stays outside', (ctx) => {
  const r = lineage(['--db', ctx.db, 'graph', 'report.csv', '--format', 'dot', '--group-by', 'parent']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.match(/subgraph "cluster_/g)?.length, 1);
  const cluster = r.stdout.slice(r.stdout.indexOf(`subgraph "cluster_${ctx.parent}"`), r.stdout.indexOf('\n  }\n'));
  assert.match(cluster, /label="run \S+ of nightly-dag v1"/);
  assert.deepEqual([...cluster.matchAll(/id="node-([^"]+)"/g)].map((m) => m[1]).sort(), [...ctx.children].sort());
  assert.ok(r.stdout.includes(`id="node-${ctx.loner}"`), 'the run of no parent is drawn');
  assert.ok(!cluster.includes(ctx.loner));
  // Without the option, no cluster.
  assert.doesNotMatch(lineage(['--db', ctx.db, 'graph', 'report.csv', '--format', 'dot']).stdout, /subgraph/);
});

test('mermaid draws the group as a subgraph; svg (Graphviz) as a cluster with the group id', (ctx) => {
  const m = lineage(['--db', ctx.db, 'graph', 'report.csv', '--format', 'mermaid', '--group-by', 'parent']);
  assert.equal(m.status, 0, m.stderr);
  const sub = m.stdout.slice(m.stdout.indexOf('  subgraph '), m.stdout.indexOf('\n  end\n'));
  assert.match(sub, /\["run \S+ of nightly-dag v1"\]/);
  assert.equal(sub.split('\n').length - 1, 2, 'two runs in the subgraph');
  const svg = lineage(['--db', ctx.db, 'graph', 'report.csv', '--format', 'svg', '--group-by', 'parent']);
  assert.equal(svg.status, 0, svg.stderr);
  assert.match(svg.stdout, new RegExp(`<g id="group(-|&#45;)${ctx.parent}" class="cluster group">`));
});

test('--group-by takes parent only, and pictures only', (ctx) => {
  const text = lineage(['--db', ctx.db, 'graph', 'report.csv', '--group-by', 'parent']);
  assert.equal(text.status, 2);
  assert.match(text.stderr, /--group-by draws mermaid, dot, svg or html, not text/);
  const bad = lineage(['--db', ctx.db, 'graph', 'report.csv', '--format', 'dot', '--group-by', 'transform']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--group-by.*parent/);
});

test.run();
