import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { markdownTable } from '../../bench/harness.js';
import { runPipelineSuite } from '../../bench/pipeline.js';
import { planOf } from '../../bench/pipeline-plan.js';

test('the pipeline plan reads only files written by earlier runs, and names every output once', () => {
  const plan = planOf({ events: 900, seed: 5, chainLength: 12 });
  const written = new Set<string>();
  for (const r of plan.runs) {
    for (const name of r.inputs) assert.ok(written.has(name), `${name} is read before it is written`);
    for (const o of r.outputs) {
      assert.not.ok(written.has(o.name), `${o.name} is written twice`);
      written.add(o.name);
    }
  }
  assert.is(written.size, plan.files);
  assert.is(plan.events, plan.transforms.length + plan.runs.length * 2 + plan.inputs + plan.files);
});

test('the pipeline benchmark runs at a tiny size: ingest and every query shape, beside SQLite and the internal figure', async () => {
  const result = await runPipelineSuite({ events: 700, seed: 2, reps: 1, ingestReps: 1, chainLength: 15, calls: 20, concurrency: 4, durability: ['batched', 'journal'] });
  const groups = new Set(result.rows.map((r) => r.group));
  for (const g of ["pipeline ingest, 'batched'", "pipeline ingest, 'journal'", 'select(Run).join(File, { name }).one()', 'file.run.inputs', 'file.inputOf', 'select(Transform).join(Run).join(File, { name }).first()', 'lineage() upstream, 15-run chain', 'lineage() downstream, 15-run chain']) {
    assert.ok(groups.has(g), `missing ${g}`);
  }
  for (const mode of ['batched', 'journal']) {
    for (const name of [`ledger ('${mode}'), 1 pipeline awaiting each call`, `ledger ('${mode}'), 4 pipelines at once`, 'SQLite, autocommit per statement', 'SQLite, one transaction per run', 'SQLite, transactions of 1,000 rows']) {
      assert.ok(result.rows.some((r) => r.group === `pipeline ingest, '${mode}'` && r.name === name), `missing ${name} in '${mode}'`);
    }
  }
  for (const r of result.rows) assert.ok(Number.isFinite(r.sample.median) && r.sample.median > 0, `${r.group} / ${r.name}: ${r.sample.median}`);
  assert.match(markdownTable(result.rows), /\| pipeline ingest, 'journal' \| SQLite, one transaction per run \| [0-9,.]+ \|.*\| [0-9.]+× \|/);
});

test.run();
