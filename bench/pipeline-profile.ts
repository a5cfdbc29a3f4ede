// Profiles the pipeline ingest alone: `node --cpu-prof dist/bench/pipeline-profile.js --events N --concurrency K [--durability D]`.
// Prints wall time, main-thread CPU time and events/s of one ingest through the public API.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { open, type Durability } from '../lib/index.js';
import { ingestPipelines } from './pipeline.js';
import { planOf } from './pipeline-plan.js';

const { values } = parseArgs({ options: { events: { type: 'string', default: '20000' }, concurrency: { type: 'string', default: '1' }, durability: { type: 'string', default: 'batched' }, memory: { type: 'boolean', default: false } } });
const plan = planOf({ events: Number(values.events), seed: 42, chainLength: 100 });
const root = mkdtempSync(join(tmpdir(), 'lineage-pipeline-profile-'));
try {
  const ledger = await open(values.memory ? { memory: true } : { path: join(root, 'l'), durability: values.durability as Durability });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await ingestPipelines(ledger, plan, Number(values.concurrency));
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await ledger.close();
  console.log(`${plan.events} events in ${ms.toFixed(0)} ms (${Math.round((plan.events / ms) * 1000)} events/s, ${((ms * 1000) / plan.runs.length).toFixed(0)} µs a run); CPU user ${(cpu.user / 1000).toFixed(0)} ms, system ${(cpu.system / 1000).toFixed(0)} ms`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
