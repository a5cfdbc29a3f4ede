// `node dist/bench/query-profile.js [--events N] [--only q1,q4chain] [--profile FILE]`: the query
// benchmarks of the suite, alone, over an in-memory ledger, with SQLite's figure in the same run;
// `--profile` writes a CPU profile (as `node --cpu-prof` would) of the queries only, not of the build.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { open } from '../lib/ledger.js';
import { File, Run, Transform } from '../lib/model/records.js';
import { collectGarbage, cpuLatency as latency, summarize } from './harness.js';
import { SqliteBaseline } from './sqlite.js';
import { appendValidated } from './suite.js';
import { generateWorkload } from './workload.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '50000' },
    only: { type: 'string' },
    reps: { type: 'string', default: '5' },
    calls: { type: 'string', default: '20000' },
    'no-sqlite': { type: 'boolean', default: false },
    profile: { type: 'string' },
  },
});
const w = generateWorkload({ events: Number(values.events), seed: 42 });
const ledger = await open({ memory: true });
await appendValidated(ledger, w.events);
const root = mkdtempSync(join(tmpdir(), 'lineage-qprof-'));
const sqlite = values['no-sqlite'] ? undefined : new SqliteBaseline(join(root, 'q.db'));
sqlite?.ingest(w.events);

const k = w.fileNames.length;
const calls = Number(values.calls);
const chainCalls = Math.max(1, Math.floor(calls / 100));
const typical = ledger.select(File, { id: w.typicalFile.id }).one();
const tip = ledger.select(File, { id: w.chainTip.id }).one();
const held = w.fileNames.map((name) => ledger.select(File, { name }).one());
const p = ledger.projection;
const snap = ledger.asOf(Math.floor(w.events.length / 2));
const early = w.fileNames.filter((_, i) => w.fileSeqs[i]! <= snap.seq);
const e = early.length || 1;
const queries: [string, number, (i: number) => unknown, ((i: number) => unknown) | undefined][] = [
  ['q1', calls, (i) => ledger.select(File, { name: w.fileNames[i % k]! }).one().run!.id, (i) => sqlite?.producerOf(w.fileNames[i % k]!)],
  ['q2', calls, (i) => ledger.select(Run, { id: w.runIds[i % w.runIds.length]! }).one().transform.id, (i) => sqlite?.transformOf(w.runIds[i % w.runIds.length]!)],
  ['q3', calls, (i) => ledger.select(File, { id: w.fileIds[i % k]! }).one().inputOf.length + 1, (i) => sqlite?.consumersOf(w.fileIds[i % k]!)],
  ['q4typical', chainCalls * 10, () => ledger.lineage(typical, { direction: 'upstream' }).nodes.length, () => sqlite?.upstream(w.typicalFile.id).length],
  ['q4chain', chainCalls, () => ledger.lineage(tip, { direction: 'upstream' }).nodes.length, () => sqlite?.upstream(w.chainTip.id).length],
  ['q4chainNoT', chainCalls, () => ledger.lineage(tip, { direction: 'upstream', transforms: false }).nodes.length, undefined],
  ['join', calls, (i) => ledger.select(Transform).join(Run).join(File, { name: w.fileNames[i % k]! }).all().length, (i) => sqlite?.transformsOfFileNamed(w.fileNames[i % k]!).length],
  ['runJoin', calls, (i) => ledger.select(Run).join(File, { name: w.fileNames[i % k]! }).one().id, undefined],
  ['runJoinInternal', calls, (i) => p.runs.idOf(p.files.runOf(p.files.named(w.fileNames[i % k]!, p.seq)[0]!)), undefined],
  ['runInputs', calls, (i) => held[i % k]!.run!.inputs.length + 1, undefined],
  ['inputOf', calls, (i) => held[i % k]!.inputOf.length + 1, undefined],
  ['tjoinFirst', calls, (i) => ledger.select(Transform).join(Run).join(File, { name: w.fileNames[i % k]! }).first()!.id, undefined],
  ['q4down', chainCalls * 10, () => ledger.lineage(typical, { direction: 'downstream' }).nodes.length, undefined],
  ['q1asOf', calls, (i) => snap.select(File, { name: early[i % e]! }).one().run!.id, undefined],
];
const fmt = (x: number) => x.toFixed(3);
// A full collection before measuring, so that no marking left over from the build counts as a query's CPU time.
collectGarbage();
const session = values.profile ? new Session() : undefined;
if (session) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
}
for (const [name, c, ours, theirs] of queries) {
  if (values.only && !values.only.split(',').includes(name)) continue;
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < Number(values.reps); r++) {
    a.push(latency(c, ours));
    if (sqlite && theirs) b.push(latency(c, theirs));
  }
  const mine = summarize(a);
  const line = sqlite && theirs ? `  sqlite ${fmt(summarize(b).median)} µs (min ${fmt(summarize(b).min)})  ratio ${(summarize(b).median / mine.median).toFixed(1)}×` : '';
  console.log(`${name.padEnd(10)} ${fmt(mine.median)} µs (min ${fmt(mine.min)})${line}`);
}
if (session) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(values.profile!, JSON.stringify(profile));
  session.disconnect();
}
sqlite?.close();
await ledger.close();
rmSync(root, { recursive: true, force: true });
