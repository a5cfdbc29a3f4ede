import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { runReplay } from '../../bench/replay-profile.js';

test('the read-path benchmark runs at a tiny size and reports a figure for each contender', async () => {
  const { rows, events } = await runReplay({ events: 400, reps: 1 });
  assert.ok(events >= 400);
  assert.equal(rows.map((r) => r.name), ['open', 'read', 'raw', 'rawText', 'verify', 'rawHash']);
  for (const r of rows) assert.ok(r.wall.median > 0 && Number.isFinite(r.allCpu.median), `${r.name}: ${JSON.stringify(r)}`);
});

test.run();
