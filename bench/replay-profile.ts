// The read path alone: full replay (open with the checkpoint dropped), the bare log read, and verify,
// against raw classic-level baselines over the same bytes, interleaved; medians and ratios, with the
// main thread's CPU time beside the wall time (on a busy machine the wall time is noisy).
// Usage: node dist/bench/replay-profile.js [--events N] [--reps R] [--only open|read|verify|...] [--dir D]
// With --dir, the prepared ledger and raw copy are kept in D and reused by later runs; for a profile:
// `node --cpu-prof --cpu-prof-dir=prof dist/bench/replay-profile.js --dir /tmp/rp --only open`.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Ledger, open } from '../lib/ledger.js';
import { EventLog } from '../lib/log/event-log.js';
import { interleave, now, type Sample, summarize, timed } from './harness.js';
import { RawLevel } from './raw-level.js';
import { appendValidated } from './suite.js';
import { verifyWalk } from './verify-walk.js';
import { generateWorkload } from './workload.js';

/** Options of the read-path benchmark. */
export interface ReplayOptions {
  events: number;
  reps: number;
  /** Only these contenders (default: all). */
  only?: readonly string[];
  /** Keep the prepared ledger and raw copy here, and reuse them (default: a temporary folder, removed). */
  dir?: string;
  log?: (line: string) => void;
}

/** One contender's figures: wall time, and CPU time of the main thread and of the whole process. */
export interface ReplayRow {
  name: string;
  wall: Sample;
  mainCpu: Sample;
  allCpu: Sample;
}

/** The contenders, and what each baseline is the baseline of. */
export const REPLAY_BASELINES: Record<string, string> = {
  open: 'raw',
  read: 'raw',
  verify: 'rawHash',
};

/** Runs the read-path contenders interleaved and returns their figures. */
export async function runReplay(options: ReplayOptions): Promise<{ rows: ReplayRow[]; events: number }> {
  const root = options.dir ?? mkdtempSync(join(tmpdir(), 'lineage-replay-'));
  const ledgerPath = join(root, `ledger-${options.events}`);
  const rawPath = join(root, `raw-${options.events}`);
  try {
    if (!existsSync(rawPath)) await prepare(options.events, ledgerPath, rawPath, options.log);
    // The workload rounds its size to whole runs: the log's head says how many events it holds.
    const count = await EventLog.open({ path: ledgerPath }).then(async (l) => [l.head.seq, await l.close()][0] as number);
    const raw = new RawLevel(rawPath);
    await raw.open();
    const verifyPath = join(root, `verify-${options.events}`);
    if (!existsSync(verifyPath)) cpSync(ledgerPath, verifyPath, { recursive: true });
    let verifying: Ledger | undefined;
    const contenders: Record<string, () => Promise<number>> = {
      open: async () => {
        const t0 = now();
        const l = await open(ledgerPath);
        const ms = now() - t0;
        if (l.loadReport.from !== 0 || l.head.seq !== count) throw new Error(`expected a full replay of ${count} events: ${JSON.stringify(l.loadReport)}`);
        // Close the log alone: no checkpoint, so that the next repetition replays again.
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
      // The suite's baselines: nextv(1000) with 1 MB per call, JSON.parse of bytes (TextDecoder) or of text.
      raw: () => timed(() => raw.replay(false)),
      rawText: () => timed(() => raw.replay(false, true)),
      // As in the suite: a ledger kept open (a copy, so that the others can open theirs) walks its log.
      verify: async () => {
        verifying ??= await open(verifyPath);
        const t0 = now();
        const r = await verifyWalk(verifying);
        if (!r.ok || r.events !== count) throw new Error(`verify failed: ${JSON.stringify(r)}`);
        return now() - t0;
      },
      rawHash: () => timed(() => raw.replay(true)),
    };
    const picked = options.only?.length ? Object.keys(contenders).filter((k) => options.only!.includes(k)) : Object.keys(contenders);
    const cpu = Object.fromEntries(picked.map((k) => [k, { main: [] as number[], all: [] as number[] }]));
    const measured = (k: string) => async () => {
      const m0 = threadCpuMs();
      const a0 = process.cpuUsage();
      const ms = await contenders[k]!();
      const a = process.cpuUsage(a0);
      cpu[k]!.main.push(threadCpuMs() - m0);
      cpu[k]!.all.push((a.user + a.system) / 1000);
      return ms;
    };
    let results: Record<string, number[]>;
    try {
      results = await interleave(options.reps, Object.fromEntries(picked.map((k) => [k, measured(k)])));
    } finally {
      await raw.close();
      await verifying?.log.close();
    }
    const rows = picked.map((name) => ({ name, wall: summarize(results[name]!), mainCpu: summarize(cpu[name]!.main), allCpu: summarize(cpu[name]!.all) }));
    return { rows, events: count };
  } finally {
    if (!options.dir) rmSync(root, { recursive: true, force: true });
  }
}

/** Writes the workload to a ledger (without a checkpoint) and the same bytes to a bare classic-level. */
async function prepare(events: number, ledgerPath: string, rawPath: string, log?: (line: string) => void): Promise<void> {
  log?.(`preparing ${events} events`);
  rmSync(ledgerPath, { recursive: true, force: true });
  rmSync(join(ledgerPath, '..', `verify-${events}`), { recursive: true, force: true });
  const w = generateWorkload({ events, seed: 42, chainLength: Math.min(1000, Math.floor(events / 10)) });
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

/** CPU time of the calling thread in ms (Linux: /proc/thread-self/schedstat); NaN elsewhere. */
function threadCpuMs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return NaN;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '50000' },
      reps: { type: 'string', default: '7' },
      only: { type: 'string' },
      dir: { type: 'string' },
    },
  });
  const { rows, events } = await runReplay({
    events: Number(values.events),
    reps: Number(values.reps),
    ...(values.only ? { only: values.only.split(',') } : {}),
    ...(values.dir ? { dir: values.dir } : {}),
    log: (line) => process.stderr.write(`… ${line}\n`),
  });
  const f = (x: number) => x.toFixed(1);
  console.log(`${events} events, medians of ${values.reps} interleaved repetitions (ms)`);
  for (const r of rows) console.log(`${r.name.padEnd(8)} wall ${f(r.wall.median)} (${f(r.wall.min)}–${f(r.wall.max)}); CPU main thread ${f(r.mainCpu.median)}, all threads ${f(r.allCpu.median)}`);
  const by = Object.fromEntries(rows.map((r) => [r.name, r]));
  for (const [ours, base] of Object.entries(REPLAY_BASELINES)) {
    for (const b of [base, base === 'raw' ? 'rawText' : '']) {
      if (!by[ours] || !by[b]) continue;
      console.log(`${b} / ${ours}: wall ${(by[b].wall.median / by[ours].wall.median).toFixed(2)}×, main-thread CPU ${(by[b].mainCpu.median / by[ours].mainCpu.median).toFixed(2)}×`);
    }
  }
}
