// Profiles the pipeline ingest alone: `node --cpu-prof dist/bench/pipeline-profile.js --events N --concurrency K [--durability D] [--sqlite MODE] [--alloc]`.
// Prints wall time, this process's CPU time (main thread and LevelDB's threads) and events/s of one
// ingest through the public API, or, with `--sqlite autocommit|per-run|rows-1000`, of the SQLite
// program for the same facts: CPU time moves less than wall time on a shared machine. `--alloc`
// also samples what the ingest allocates on V8's heap (garbage included) and prints bytes per
// event: a figure the machine's load does not move at all.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import { open, type Durability } from '../lib/index.js';
import { ingestPipelines } from './pipeline.js';
import { planOf } from './pipeline-plan.js';
import { sqlitePipeline, type SqliteMode } from './sqlite-pipeline.js';

const { values } = parseArgs({ options: { events: { type: 'string', default: '20000' }, concurrency: { type: 'string', default: '1' }, durability: { type: 'string', default: 'batched' }, memory: { type: 'boolean', default: false }, sqlite: { type: 'string' }, alloc: { type: 'boolean', default: false } } });
const plan = planOf({ events: Number(values.events), seed: 42, chainLength: 100 });
const root = mkdtempSync(join(tmpdir(), 'lineage-pipeline-profile-'));
try {
  let what: string;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  if (values.sqlite) {
    what = `SQLite ${values.sqlite}`;
    sqlitePipeline(join(root, 's.db'), plan, values.sqlite as SqliteMode).close();
  } else {
    what = values.memory ? 'ledger in memory' : `ledger '${values.durability}', ${values.concurrency} pipeline(s)`;
    const ledger = await open(values.memory ? { memory: true } : { path: join(root, 'l'), durability: values.durability as Durability });
    const session = values.alloc ? new Session() : undefined;
    if (session) {
      session.connect();
      await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    }
    await ingestPipelines(ledger, plan, Number(values.concurrency));
    if (session) {
      const { profile } = await session.post('HeapProfiler.stopSampling');
      let bytes = 0;
      const walk = (n: typeof profile.head): void => {
        bytes += n.selfSize;
        n.children.forEach(walk);
      };
      walk(profile.head);
      session.disconnect();
      console.log(`allocated on the heap (sampled): ${Math.round(bytes / plan.events).toLocaleString('en-US')} bytes an event`);
    }
    await ledger.close();
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(`${what}: ${plan.events} events in ${ms.toFixed(0)} ms (${Math.round((plan.events / ms) * 1000)} events/s, ${((ms * 1000) / plan.runs.length).toFixed(0)} µs a run); CPU user ${(cpu.user / 1000).toFixed(0)} ms, system ${(cpu.system / 1000).toFixed(0)} ms: ${((cpuMs * 1000) / plan.events).toFixed(1)} µs of CPU an event`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
