// importOpenLineage of one event per call, in-process, on a disk ledger (each call an append outside
// any run: it resolves once LevelDB holds it). Prints events/s and CPU µs an event per repetition and
// their medians; a fresh ledger each repetition. For A/B runs, start it alternately from two builds.
// Run: npm run build && node dist/bench/import-one.js [--events N] [--reps R] [--durability D]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importOpenLineage, open, type Durability } from 'lineage-ledger';
import { summarize } from './harness.js';
import { benchEvent } from './http-load.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const events = Number(arg('events', '2000'));
const reps = Number(arg('reps', '5'));
const durability = arg('durability', 'batched') as Durability;

const dir = mkdtempSync(join(tmpdir(), 'lineage-bench-import-'));
const perSec: number[] = [];
const cpu: number[] = [];
try {
  const all = Array.from({ length: events }, (_, i) => JSON.parse(benchEvent(i)) as object);
  for (let r = 0; r < reps; r++) {
    const ledger = await open(join(dir, `l-${r}`), { durability });
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (const e of all) await importOpenLineage(ledger, [e], { strict: true });
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    await ledger.close();
    perSec.push(events / (ms / 1000));
    cpu.push((c.user + c.system) / events);
    console.log(`rep ${r + 1}: ${perSec[r]!.toFixed(0)} events/s, ${cpu[r]!.toFixed(0)} µs CPU an event`);
  }
  console.log(`importOpenLineage one event per call ('${durability}', ${events} events, ${reps} reps): median ${summarize(perSec).median.toFixed(0)} events/s, ${summarize(cpu).median.toFixed(0)} µs CPU an event`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
