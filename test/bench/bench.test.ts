import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { markdownTable } from '../../bench/harness.js';
import { runSuite } from '../../bench/suite.js';
import { generateWorkload } from '../../bench/workload.js';

test('the workload is the same for the same seed and size, and differs for another seed', () => {
  const a = generateWorkload({ events: 800, seed: 3, chainLength: 10 });
  const b = generateWorkload({ events: 800, seed: 3, chainLength: 10 });
  const c = generateWorkload({ events: 800, seed: 4, chainLength: 10 });
  assert.equal(JSON.stringify(a), JSON.stringify(b));
  assert.not.equal(JSON.stringify(a.events), JSON.stringify(c.events));
  assert.ok(a.events.length >= 800 && a.events.length < 900);
});

test('every benchmark runs at a tiny size and reports a figure for ours and each baseline', async () => {
  const result = await runSuite({ events: 600, seed: 1, reps: 1, chainLength: 20, syncEvents: 40, syncBaselineEvents: 10, calls: 20 });
  const groups = new Set(result.rows.map((r) => r.group));
  for (const g of ['batched append', 'durable append (sync)', 'open', 'full replay', 'verify', 'q1 producer of a file by name', 'q2 transform of a run', 'q3 consumers of a file', 'q4 upstream lineage, typical file', 'q4 upstream lineage, depth-20 chain', 'asOf', 'memory']) {
    assert.ok(groups.has(g), `missing ${g}`);
  }
  // Resident memory of a tiny ledger is within the noise of the process, so only its presence is checked.
  for (const r of result.rows) assert.ok(Number.isFinite(r.sample.median) && (r.group === 'memory' || r.sample.median > 0), `${r.group} / ${r.name}: ${r.sample.median}`);
  const table = markdownTable(result.rows);
  assert.match(table, /\| batched append \| SQLite, same facts \|/);
  assert.match(table, /×/);
});

test.run();
