// The read path alone: full replay (open with the checkpoint dropped), the bare log read, and verify,
// against the raw classic-level baselines over the same bytes, interleaved; medians and ratios.
// Usage: node dist/bench/replay-profile.js [--events N] [--reps R] [--only open|read|verify] [--dir D]
// With --dir, the prepared ledger and raw copy are kept in D and reused by later runs (for profiling:
// `node --cpu-prof --cpu-prof-dir=prof dist/bench/replay-profile.js --dir /tmp/rp --only open`).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { open } from '../lib/ledger.js';
import { EventLog } from '../lib/log/event-log.js';
import { interleave, now, summarize } from './harness.js';
import { RawLevel } from './raw-level.js';
import { appendValidated } from './suite.js';
import { verifyWalk } from './verify-walk.js';
import { generateWorkload } from './workload.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '50000' },
    reps: { type: 'string', default: '7' },
    only: { type: 'string' },
    dir: { type: 'string' },
  },
});
const n = Number(values.events);
const reps = Number(values.reps);
const root = values.dir ?? mkdtempSync(join(tmpdir(), 'lineage-replay-'));
const ledgerPath = join(root, `ledger-${n}`);
const rawPath = join(root, `raw-${n}`);

if (!existsSync(rawPath)) {
  process.stderr.write(`… preparing ${n} events in ${root}\n`);
  rmSync(ledgerPath, { recursive: true, force: true });
  const w = generateWorkload({ events: n, seed: 42, chainLength: 1000 });
  const l = await open(ledgerPath, { durability: 'none' });
  await appendValidated(l, w.events);
  const bytes: Uint8Array[] = [];
  for await (const batch of l.log.readRaw()) for (const [, b] of batch) bytes.push(Uint8Array.from(b));
  // Close the log alone: no checkpoint, so that every open replays the whole log.
  await l.log.close();
  const raw = new RawLevel(rawPath);
  await raw.open();
  await raw.write(bytes);
  await raw.close();
}

// The workload rounds its size to whole runs: the log's head says how many events it holds.
const count = await EventLog.open({ path: ledgerPath }).then(async (l) => [l.head.seq, await l.close()][0] as number);
const raw = new RawLevel(rawPath);
await raw.open();
const contenders = {
  open: async () => {
    const t0 = now();
    const l = await open(ledgerPath);
    const ms = now() - t0;
    if (l.loadReport.from !== 0 || l.head.seq !== count) throw new Error(`expected a full replay of ${count} events: ${JSON.stringify(l.loadReport)}`);
    await l.log.close();
    return ms;
  },
  read: async () => {
    const log = await EventLog.open({ path: ledgerPath });
    const t0 = now();
    let seen = 0;
    for await (const batch of log.read()) seen += batch.length;
    const ms = now() - t0;
    await log.close();
    if (seen !== count) throw new Error(`read ${seen} events, expected ${count}`);
    return ms;
  },
  raw: async () => {
    const t0 = now();
    await raw.replay(false);
    return now() - t0;
  },
  verify: async () => {
    const l = await open(ledgerPath);
    const t0 = now();
    const r = await verifyWalk(l);
    const ms = now() - t0;
    await l.log.close();
    if (!r.ok || r.events !== count) throw new Error(`verify failed: ${JSON.stringify(r)}`);
    return ms;
  },
  rawHash: async () => {
    const t0 = now();
    await raw.replay(true);
    return now() - t0;
  },
};
type Name = keyof typeof contenders;
const picked: Name[] = values.only ? [values.only as Name] : (Object.keys(contenders) as Name[]);
// On a busy machine wall time is noisy: also record this thread's CPU time and the whole process's.
const cpu = Object.fromEntries(picked.map((k) => [k, { main: [] as number[], all: [] as number[] }])) as Record<Name, { main: number[]; all: number[] }>;
const timed = (k: Name) => async () => {
  const m0 = threadCpuMs();
  const a0 = process.cpuUsage();
  const ms = await contenders[k]();
  const a = process.cpuUsage(a0);
  cpu[k].main.push(threadCpuMs() - m0);
  cpu[k].all.push((a.user + a.system) / 1000);
  return ms;
};
const results = await interleave(reps, Object.fromEntries(picked.map((k) => [k, timed(k)])) as Record<Name, () => Promise<number>>);
await raw.close();
const med = (k: Name) => (results[k] ? summarize(results[k]).median : NaN);
for (const k of picked) {
  const s = summarize(results[k]);
  const c = (xs: number[]) => summarize(xs).median.toFixed(1);
  console.log(`${k.padEnd(8)} median ${s.median.toFixed(1)} ms (min ${s.min.toFixed(1)}, max ${s.max.toFixed(1)}); CPU: main thread ${c(cpu[k].main)} ms, all threads ${c(cpu[k].all)} ms`);
}
if (results.open && results.raw) console.log(`full replay: raw / ledger open = ${(med('raw') / med('open')).toFixed(2)}×`);
if (results.read && results.raw) console.log(`bare read:   raw / log.read()  = ${(med('raw') / med('read')).toFixed(2)}×`);
if (results.verify && results.rawHash) console.log(`verify:      raw+SHA / verify  = ${(med('rawHash') / med('verify')).toFixed(2)}×`);
if (!values.dir) rmSync(root, { recursive: true, force: true });

/** CPU time of the calling thread (Linux: /proc/thread-self/schedstat, in ns), in ms; NaN elsewhere. */
function threadCpuMs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return NaN;
  }
}
