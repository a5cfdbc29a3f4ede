// The ledger's append paths alone, as the suite drives them, for `node --cpu-prof` and quick figures
// (the ratios against raw classic-level and SQLite come from `npm run bench`):
//   node dist/bench/append.js [--events N] [--reps R] [--mode batched|durable] [--writers K] [--sync S]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { open } from '../lib/ledger.js';
import { now, summarize } from './harness.js';
import { appendConcurrently, appendValidated } from './suite.js';
import { generateWorkload } from './workload.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '50000' },
    reps: { type: 'string', default: '3' },
    mode: { type: 'string', default: 'batched' },
    writers: { type: 'string', default: '64' },
    sync: { type: 'string', default: '5000' },
  },
});
const durable = values.mode === 'durable';
const all = generateWorkload({ events: Number(values.events), seed: 42 }).events;
// Durable appends write the suite's first `sync` events, one per call, from `writers` concurrent writers.
const events = durable ? all.slice(0, Number(values.sync)) : all;
const root = mkdtempSync(join(tmpdir(), 'lineage-append-'));
try {
  const rates: number[] = [];
  for (let r = 0; r < Number(values.reps); r++) {
    const path = join(root, `ledger-${r}`);
    const ledger = await open(path, { durability: durable ? 'sync' : 'batched' });
    const t0 = now();
    await (durable ? appendConcurrently(ledger, events, Number(values.writers)) : appendValidated(ledger, events));
    rates.push((events.length / (now() - t0)) * 1000);
    await ledger.log.close();
    rmSync(path, { recursive: true, force: true });
  }
  const s = summarize(rates);
  const what = durable ? `durable append, ${values.writers} writers` : 'batched append';
  console.log(`${what}, ${events.length} events: median ${Math.round(s.median)} events/s (${Math.round(s.min)} – ${Math.round(s.max)}, ${rates.length} runs)`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
