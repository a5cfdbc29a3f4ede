import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateInput } from '../lib/events/catalog.js';
import type { EventInput } from '../lib/events/types.js';
import { open, type Ledger } from '../lib/ledger.js';
import { EventLog } from '../lib/log/event-log.js';
import { File, Run, Transform } from '../lib/model/records.js';
import { interleave, latency, now, type Row, summarize, timed } from './harness.js';
import { RawLevel } from './raw-level.js';
import { SqliteBaseline } from './sqlite.js';
import { verifyWalk } from './verify-walk.js';
import { generateWorkload, type Workload } from './workload.js';

/** Options of the suite. */
export interface SuiteOptions {
  events: number;
  seed: number;
  /** Repetitions of each timed measurement (the median is reported). */
  reps: number;
  /** Runs in the deep chain. */
  chainLength: number;
  /** Events appended by the concurrent durable writers, and by the one-fsync-per-event baseline. */
  syncEvents: number;
  syncBaselineEvents: number;
  /** Calls per latency measurement. */
  calls: number;
  /** Progress lines (to stderr). */
  log?: (line: string) => void;
}

/** What the suite returns: the table rows and what the workload was made of. */
export interface SuiteResult {
  rows: Row[];
  workload: Pick<Workload, 'transforms' | 'runs' | 'files' | 'inputs' | 'chainLength'> & { events: number };
}

const BATCH = 1000;

/** Appends events to a ledger the way its API does (validated, sealed, hashed, applied), in jobs of `batch`. */
export async function appendValidated(ledger: Ledger, events: readonly EventInput[], batch = BATCH): Promise<void> {
  for (let i = 0; i < events.length; i += batch) {
    const slice = events.slice(i, i + batch);
    await ledger.log.append(slice, slice.map((e) => validateInput(e)));
  }
}

/** Appends events one per call from `writers` concurrent writers, each awaiting its append before the next. */
export async function appendConcurrently(ledger: Ledger, events: readonly EventInput[], writers: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (next < events.length) {
        const e = events[next++]!;
        await ledger.log.append([e], [validateInput(e)]);
      }
    }),
  );
}

/** Runs every benchmark: ours and the baselines in the same process, interleaved. */
export async function runSuite(options: SuiteOptions): Promise<SuiteResult> {
  const log = options.log ?? (() => {});
  const root = mkdtempSync(join(tmpdir(), 'lineage-bench-'));
  const rows: Row[] = [];
  const add = (group: string, name: string, unit: string, xs: number[], higherIsBetter: boolean, ratioOf?: string, note?: string) => {
    rows.push({ group, name, unit, sample: summarize(xs), higherIsBetter, ...(ratioOf ? { ratioOf } : {}), ...(note ? { note } : {}) });
  };
  let dirs = 0;
  const fresh = (name: string) => join(root, `${name}-${dirs++}`);
  try {
    log(`generating ${options.events} events (seed ${options.seed})`);
    const w = generateWorkload({ events: options.events, seed: options.seed, chainLength: options.chainLength });
    const events = w.events;
    const n = events.length;

    // ── batched append ─────────────────────────────────────────────────
    log('batched append');
    let ledgerPath = '';
    let rawPath = '';
    let sqlitePath = '';
    let bytes: Uint8Array[] = [];
    // The raw baseline writes the ledger's own stored bytes: take them from a first, untimed ledger.
    {
      const path = fresh('ledger');
      const l = await open(path, { durability: 'batched' });
      await appendValidated(l, events);
      for await (const batch of l.log.readRaw()) for (const [, b] of batch) bytes.push(Uint8Array.from(b));
      await l.close();
      ledgerPath = path;
    }
    const append = await interleave(options.reps, {
      ledger: async () => {
        const path = fresh('ledger');
        const l = await open(path, { durability: 'batched' });
        const t0 = now();
        await appendValidated(l, events);
        const ms = now() - t0;
        // Close the log alone: this copy is thrown away, so it needs no checkpoint.
        await l.log.close();
        rmSync(path, { recursive: true, force: true });
        return (n / ms) * 1000;
      },
      raw: async () => {
        rawPath && rmSync(rawPath, { recursive: true, force: true });
        rawPath = fresh('raw');
        const r = new RawLevel(rawPath);
        await r.open();
        const t0 = now();
        await r.write(bytes, 1, BATCH);
        const ms = now() - t0;
        await r.close();
        return (n / ms) * 1000;
      },
      rawChained: async () => {
        const path = fresh('rawChained');
        const r = new RawLevel(path);
        await r.open();
        const t0 = now();
        await r.write(bytes, 1, BATCH, false, true);
        const ms = now() - t0;
        await r.close();
        rmSync(path, { recursive: true, force: true });
        return (n / ms) * 1000;
      },
      sqlite: () => {
        sqlitePath && rmSync(sqlitePath, { force: true });
        sqlitePath = `${fresh('sqlite')}.db`;
        const s = new SqliteBaseline(sqlitePath);
        const t0 = now();
        s.ingest(events, BATCH);
        const ms = now() - t0;
        s.close();
        return (n / ms) * 1000;
      },
    });
    const G1 = 'batched append';
    add(G1, 'ledger (validate + seal + hash + apply)', 'events/s', append.ledger, true);
    add(G1, 'raw classic-level, same bytes, array batches', 'events/s', append.raw, true, 'ledger (validate + seal + hash + apply)');
    add(G1, 'raw classic-level, same bytes, chained batches', 'events/s', append.rawChained, true, 'ledger (validate + seal + hash + apply)');
    add(G1, 'SQLite, same facts', 'rows/s', append.sqlite, true, 'ledger (validate + seal + hash + apply)');

    // ── durable append ─────────────────────────────────────────────────
    log('durable append');
    const syncEvents = events.slice(0, options.syncEvents);
    const G2 = 'durable append (sync)';
    const writers = [1, 8, 64];
    const durable = await interleave(options.reps, {
      ...Object.fromEntries(
        writers.map((k) => [
          `w${k}`,
          async () => {
            const path = fresh('sync');
            const l = await open(path, { durability: 'sync' });
            const t0 = now();
            await appendConcurrently(l, syncEvents, k);
            const ms = now() - t0;
            await l.log.close();
            rmSync(path, { recursive: true, force: true });
            return (syncEvents.length / ms) * 1000;
          },
        ]),
      ),
      fsyncEach: async () => {
        const path = fresh('rawsync');
        const r = new RawLevel(path);
        await r.open();
        const slice = bytes.slice(0, options.syncBaselineEvents);
        const t0 = now();
        await r.writeEachSynced(slice);
        const ms = now() - t0;
        await r.close();
        rmSync(path, { recursive: true, force: true });
        return (slice.length / ms) * 1000;
      },
    } as Record<string, () => Promise<number>>);
    for (const k of writers) add(G2, `ledger, ${k} concurrent writer${k > 1 ? 's' : ''}`, 'events/s', durable[`w${k}`]!, true);
    add(G2, 'raw classic-level, one fsync per event', 'events/s', durable.fsyncEach!, true, 'ledger, 64 concurrent writers');

    // ── open, replay, verify ───────────────────────────────────────────
    log('open and verify');
    const raw = new RawLevel(rawPath);
    await raw.open();
    const G3 = 'open';
    const G4 = 'verify';
    // The same ledger with and without its checkpoint (a close after 10,000 new events writes one).
    const replayPath = fresh('replay');
    cpSync(ledgerPath, replayPath, { recursive: true });
    {
      const l = await EventLog.open({ path: replayPath });
      await l.clearCheckpoint();
      await l.close();
    }
    const checkpointed = (await EventLog.open({ path: ledgerPath }).then(async (l) => [await l.checkpointHeader(), await l.close()]))[0] !== undefined;
    const saved: number[] = [];
    const opened = await interleave(options.reps, {
      ledger: async () => {
        const t0 = now();
        const l = await open(ledgerPath);
        const ms = now() - t0;
        if (checkpointed && l.loadReport.from !== n) throw new Error(`checkpoint not used: ${JSON.stringify(l.loadReport)}`);
        const t1 = now();
        await l.checkpoint();
        saved.push(now() - t1);
        await l.close();
        return ms;
      },
      replay: async () => {
        const t0 = now();
        const l = await open(replayPath);
        const ms = now() - t0;
        if (l.loadReport.from !== 0) throw new Error('expected a full replay');
        // Close without writing a checkpoint, so that the next repetition replays again.
        await l.log.close();
        return ms;
      },
      raw: () => timed(() => raw.replay(false)),
      rawText: () => timed(() => raw.replay(false, true)),
    });
    const ours = `ledger open${checkpointed ? ', from its checkpoint' : ' (no checkpoint: too few events)'}`;
    add(G3, ours, 'ms', opened.ledger, false);
    add(G3, 'ledger open, full replay (checkpoint dropped)', 'ms', opened.replay, false, ours);
    add(G3, 'writing the checkpoint (at close)', 'ms', saved, false);
    add('full replay', 'ledger open, full replay', 'ms', opened.replay, false);
    add('full replay', 'raw nextv + JSON.parse', 'ms', opened.raw, false, 'ledger open, full replay');
    add('full replay', 'raw nextv as text + JSON.parse', 'ms', opened.rawText, false, 'ledger open, full replay');
    const ledger = await open(ledgerPath);
    const verified = await interleave(options.reps, {
      ledger: async () => {
        const t0 = now();
        const r = await verifyWalk(ledger);
        if (!r.ok || r.events !== n) throw new Error(`verify walk failed: ${JSON.stringify(r)}`);
        return now() - t0;
      },
      raw: () => timed(() => raw.replay(true)),
      rawText: () => timed(() => raw.replay(true, true)),
    });
    await raw.close();
    add(G4, 'ledger verify', 'ms', verified.ledger, false);
    add(G4, 'raw nextv + JSON.parse + SHA-256', 'ms', verified.raw, false, 'ledger verify');
    add(G4, 'raw nextv as text + JSON.parse + SHA-256', 'ms', verified.rawText, false, 'ledger verify');

    // ── queries ────────────────────────────────────────────────────────
    log('queries');
    const sqlite = new SqliteBaseline(sqlitePath);
    const k = w.fileNames.length;
    const calls = options.calls;
    const typical = ledger.select(File, { id: w.typicalFile.id }).one();
    const tip = ledger.select(File, { id: w.chainTip.id }).one();
    const chainCalls = Math.max(1, Math.floor(calls / 100));
    const queries: [string, number, (i: number) => unknown, (i: number) => unknown][] = [
      ['q1 producer of a file by name', calls, (i) => ledger.select(File, { name: w.fileNames[i % k]! }).one().run!.id, (i) => sqlite.producerOf(w.fileNames[i % k]!)],
      ['q2 transform of a run', calls, (i) => ledger.select(Run, { id: w.runIds[i % w.runIds.length]! }).one().transform.id, (i) => sqlite.transformOf(w.runIds[i % w.runIds.length]!)],
      ['q3 consumers of a file', calls, (i) => ledger.select(File, { id: w.fileIds[i % k]! }).one().inputOf.length + 1, (i) => sqlite.consumersOf(w.fileIds[i % k]!)],
      ['q4 upstream lineage, typical file', chainCalls * 10, () => ledger.lineage(typical, { direction: 'upstream' }).nodes.length, () => sqlite.upstream(w.typicalFile.id).length],
      [`q4 upstream lineage, depth-${w.chainLength} chain`, chainCalls, () => ledger.lineage(tip, { direction: 'upstream' }).nodes.length, () => sqlite.upstream(w.chainTip.id).length],
      ['select(Transform).join(Run).join(File, { name })', calls, (i) => ledger.select(Transform).join(Run).join(File, { name: w.fileNames[i % k]! }).all().length, (i) => sqlite.transformsOfFileNamed(w.fileNames[i % k]!).length],
    ];
    for (const [name, c, ours, theirs] of queries) {
      const r = await interleave(options.reps, { ledger: () => latency(c, ours), sqlite: () => latency(c, theirs) });
      add(name, 'ledger', 'µs', r.ledger, false);
      add(name, 'SQLite', 'µs', r.sqlite, false, 'ledger');
    }
    sqlite.close();

    // ── asOf ───────────────────────────────────────────────────────────
    log('asOf');
    const mid = Math.floor(n / 2);
    const early = w.fileNames.filter((_, i) => w.fileSeqs[i]! <= mid);
    const earlyIds = w.fileIds.filter((_, i) => w.fileSeqs[i]! <= mid);
    const e = early.length || 1;
    const snap = ledger.asOf(mid);
    const G5 = 'asOf';
    const asOf = await interleave(options.reps, {
      take: () => latency(calls, (i) => ledger.asOf(1 + ((mid + i) % n)).seq),
      q1snap: () => latency(calls, (i) => snap.select(File, { name: early[i % e]! }).one().run!.id),
      q1head: () => latency(calls, (i) => ledger.select(File, { name: early[i % e]! }).one().run!.id),
      q3snap: () => latency(calls, (i) => snap.select(File, { id: earlyIds[i % e]! }).one().inputOf.length + 1),
      q3head: () => latency(calls, (i) => ledger.select(File, { id: earlyIds[i % e]! }).one().inputOf.length + 1),
    });
    add(G5, 'take asOf(seq)', 'µs', asOf.take, false);
    add(G5, 'q1 on asOf(mid)', 'µs', asOf.q1snap, false);
    add(G5, 'q1 at the head, same keys', 'µs', asOf.q1head, false, 'q1 on asOf(mid)');
    add(G5, 'q3 on asOf(mid)', 'µs', asOf.q3snap, false);
    add(G5, 'q3 at the head, same keys', 'µs', asOf.q3head, false, 'q3 on asOf(mid)');
    await ledger.close();

    // ── memory ─────────────────────────────────────────────────────────
    log('memory');
    const mem: number[] = [];
    for (let r = 0; r < Math.min(options.reps, 3); r++) mem.push(residentBytes(ledgerPath) / n);
    add('memory', 'resident bytes per event after open', 'B/event', mem, false);

    return { rows, workload: { events: n, transforms: w.transforms, runs: w.runs, files: w.files, inputs: w.inputs, chainLength: w.chainLength } };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Opens the ledger in a fresh process and returns how much its resident memory grew, after a full GC. */
function residentBytes(path: string): number {
  const script = fileURLToPath(new URL('./memory.js', import.meta.url));
  const r = spawnSync(process.execPath, ['--expose-gc', script, path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`memory probe failed: ${r.stderr}`);
  return Number(JSON.parse(r.stdout).bytes);
}
