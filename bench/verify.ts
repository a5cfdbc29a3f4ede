// Verify and open times of a large ledger, against a raw classic-level read of the same log
// (+ JSON.parse, + SHA-256), in the same process; medians over several rounds.
//
//   npm run build && node --expose-gc dist/bench/verify.js [events=1000000] [rounds=5]
//
// The ledger is generated once through the log's append path (valid, sealed events: 10 per run:
// started, 3 inputs, 5 outputs, finished) and kept under $BENCH_DIR (default: the OS temp folder),
// so that later invocations reuse it.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { open } from '../lib/ledger.js';
import { File } from '../lib/model/records.js';
import { validateInput } from '../lib/events/catalog.js';
import type { EventInput } from '../lib/events/types.js';
import { EventLog } from '../lib/log/event-log.js';
import { verifyChain } from '../lib/audit/verify.js';

const N = Number(process.argv[2] ?? 1_000_000);
const ROUNDS = Number(process.argv[3] ?? 5);
const dir = join(process.env.BENCH_DIR ?? tmpdir(), `lineage-bench-verify-${N}`);

const id = (prefix: string, n: number) => `${prefix}${n.toString(36).padStart(10, '0')}`;
const hex = (n: number) => createHash('sha256').update(String(n)).digest('hex');

async function generate(): Promise<void> {
  const log = await EventLog.open({ path: dir }, 'none');
  const t0 = performance.now();
  let pending: EventInput[] = [{ type: 'transform.registered', data: { id: 'bench', name: 'bench', version: '1', type: 'pipeline' } }];
  let seq = 1;
  let file = 0;
  let run = 0;
  const startedAt = new Date().toISOString();
  const flush = async () => {
    await log.append(pending, pending.map((e) => validateInput(e)));
    pending = [];
  };
  while (seq < N) {
    const r = id('r', run++);
    const events: EventInput[] = [{ type: 'run.started', data: { id: r, transformId: 'bench', startedAt, params: { i: run } } }];
    for (let i = 0; i < 3 && file > 0; i++) events.push({ type: 'file.loaded_as_input', data: { fileId: id('f', (run * 7 + i * 13) % file), runId: r } });
    for (let i = 0; i < 5; i++) {
      const n = file++;
      events.push({ type: 'file.created', data: { id: id('f', n), name: `sample-${n}.fastq.gz`, suffix: '.fastq.gz', size: 1000 + n, hash: hex(n), runId: r } });
    }
    events.push({ type: 'run.finished', data: { runId: r, status: 'completed', finishedAt: startedAt } });
    const take = events.slice(0, N - seq);
    pending.push(...take);
    seq += take.length;
    if (pending.length >= 4000) await flush();
  }
  await flush();
  const head = log.head;
  await log.close();
  console.log(`generated ${head.seq} events in ${((performance.now() - t0) / 1000).toFixed(1)} s at ${dir}`);
}

// The floor: what LevelDB iteration alone, then with parsing and hashing, costs for the same log.
async function raw(parse: boolean, hash: boolean): Promise<number> {
  const db = new ClassicLevel(join(dir, 'log'), { keyEncoding: 'utf8', valueEncoding: 'view' });
  const log = db.sublevel<string, Uint8Array>('log', { keyEncoding: 'utf8', valueEncoding: 'view' });
  await db.open();
  let n = 0;
  const it = log.iterator();
  for (;;) {
    const batch = await it.nextv(1000);
    if (batch.length === 0) break;
    for (const [, bytes] of batch) {
      if (parse) JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
      if (hash) createHash('sha256').update(bytes).digest('hex');
      n++;
    }
  }
  await it.close();
  await db.close();
  return n;
}

let peakHeap = 0;
const sampleHeap = () => {
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
};

async function auditVerify(): Promise<number> {
  const log = await EventLog.openForAudit(dir);
  try {
    const r = await verifyChain(log.readRaw(), { onProgress: sampleHeap });
    if (!r.ok) throw new Error(`bench ledger does not verify: ${JSON.stringify(r.firstBad)}`);
    return r.events;
  } finally {
    await log.close();
  }
}

async function openAndVerify(): Promise<{ open: number; verify: number; asOf: number; events: number }> {
  const t0 = performance.now();
  const ln = await open(dir, { durability: 'none' });
  const t1 = performance.now();
  const r = await ln.verify();
  const t2 = performance.now();
  // asOf is a watermark: taking one and answering a lookup through it costs the same at any seq.
  const s = performance.now();
  const snap = ln.asOf(Math.ceil(ln.head.seq / 2));
  if (!snap.select(File, { name: 'sample-1.fastq.gz' }).first()) throw new Error('asOf lost a file');
  const asOf = performance.now() - s;
  await ln.close();
  if (!r.ok) throw new Error('bench ledger does not verify');
  return { open: t1 - t0, verify: t2 - t1, asOf, events: r.events };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const gc = (globalThis as { gc?: () => void }).gc;

if (!existsSync(join(dir, 'log'))) await generate();
const times: Record<string, number[]> = {};
const time = async (name: string, fn: () => Promise<unknown>) => {
  gc?.();
  const t0 = performance.now();
  await fn();
  (times[name] ??= []).push(performance.now() - t0);
};
let events = 0;
for (let round = 0; round < ROUNDS; round++) {
  await time('raw read (classic-level iterator, nextv 1000)', () => raw(false, false));
  await time('raw read + JSON.parse', () => raw(true, false));
  await time('raw read + JSON.parse + SHA-256', () => raw(true, true));
  gc?.();
  const base = process.memoryUsage().heapUsed;
  peakHeap = base;
  await time('lineage verify (openForAudit + verifyChain, no replay)', async () => {
    events = await auditVerify();
  });
  (times['verify heap growth MB'] ??= []).push((peakHeap - base) / 2 ** 20);
  gc?.();
  const r = await openAndVerify();
  (times['open() (replay into the projection)'] ??= []).push(r.open);
  (times['ledger.verify() on the open ledger'] ??= []).push(r.verify);
  (times['asOf(head/2) + select(File, { name }).first()'] ??= []).push(r.asOf);
  console.error(`round ${round + 1}/${ROUNDS} done`);
}
console.log(`\n${events} events, ${ROUNDS} rounds, Node ${process.version}, medians (min–max):`);
for (const [name, xs] of Object.entries(times)) {
  const unit = name.endsWith('MB') ? ' MB' : ' ms';
  const rate = unit === ' ms' && !name.startsWith('asOf') ? `  ${Math.round(events / (median(xs) / 1000)).toLocaleString('en')} events/s` : '';
  console.log(`  ${name.padEnd(58)} ${median(xs).toFixed(1).padStart(8)}${unit} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})${rate}`);
}
