import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Durability, File, open, Run, Transform, type Ledger } from '../lib/index.js';
import { lineage } from '../lib/query/lineage.js';
import { View } from '../lib/state/view.js';
import { collectGarbage, cpuLatency, interleave, now, type Row, summarize } from './harness.js';
import { planOf, type Plan, type PlannedRun } from './pipeline-plan.js';
import { SqliteQueries, sqlitePipeline, type SqliteMode } from './sqlite-pipeline.js';
import { SqliteBaseline } from './sqlite.js';

/** Options of the pipeline benchmark. */
export interface PipelineOptions {
  events: number;
  seed: number;
  /** Repetitions of each query measurement. */
  reps: number;
  /** Repetitions of each ingest (a 1M-event ingest through the API takes minutes). */
  ingestReps: number;
  chainLength: number;
  /** Calls per query latency measurement. */
  calls: number;
  /** Pipelines at once in the concurrent ingest. */
  concurrency: number;
  /**
   * A folder to keep the ledger and SQLite database the queries read: when it holds them already,
   * ingest is not measured and they are reused (a 1M-event ingest through the API takes minutes).
   */
  keep?: string;
  /** Measure only what the queries need built: 16 pipelines and SQLite's transactions of 1,000 rows. */
  buildOnly?: boolean;
  /** The ledger's durability modes in the ingests, each measured beside SQLite in the same run (default: the ledger's default, 'batched'). */
  durability?: Durability[];
  log?: (line: string) => void;
}

/** The rows of the table, the plan's counts, and the load average seen during the run. */
export interface PipelineResult {
  rows: Row[];
  plan: Pick<Plan, 'events' | 'files' | 'inputs' | 'chainLength'> & { runs: number; transforms: number };
  load: { min: number; max: number };
}

/** One pipeline step through the public API: a scoped run that loads its inputs by name and adds its outputs. */
async function step(ledger: Ledger, transform: Transform, r: PlannedRun, ready?: Map<string, Promise<void>>): Promise<void> {
  await ledger.run(
    transform,
    async () => {
      for (const name of r.inputs) {
        if (ready) await ready.get(name);
        await ledger.select(File, { name }).one().load({ isRunInput: true });
      }
      for (const o of r.outputs) await ledger.add(new File(o.content, { name: o.name }));
    },
    { name: r.name, params: r.params },
  );
}

/**
 * The plan through the public API: transforms in one add([...]), then each run as a pipeline step,
 * one awaited after another, or from `concurrency` pipelines at once (a step waits until the steps
 * that write its inputs have added them, as an orchestrator's dependencies would).
 */
export async function ingestPipelines(ledger: Ledger, plan: Plan, concurrency: number): Promise<void> {
  const transforms = await ledger.add(plan.transforms.map((t) => new Transform(t)));
  if (concurrency <= 1) {
    for (const r of plan.runs) await step(ledger, transforms[r.transform]!, r);
    return;
  }
  const done = new Map<string, () => void>();
  const ready = new Map<string, Promise<void>>();
  for (const r of plan.runs) for (const o of r.outputs) ready.set(o.name, new Promise<void>((resolve) => done.set(o.name, resolve)));
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < plan.runs.length) {
        const r = plan.runs[next++]!;
        await step(ledger, transforms[r.transform]!, r, ready);
        for (const o of r.outputs) done.get(o.name)!();
      }
    }),
  );
}

/** Runs the pipeline benchmark: ingest and query shapes, the ledger beside SQLite, interleaved. */
export async function runPipelineSuite(options: PipelineOptions): Promise<PipelineResult> {
  const log = options.log ?? (() => {});
  const root = mkdtempSync(join(tmpdir(), 'lineage-pipeline-'));
  const rows: Row[] = [];
  const loads: number[] = [];
  const sampleLoad = () => loads.push(loadavg()[0]!);
  const add = (group: string, name: string, unit: string, xs: number[], higherIsBetter: boolean, ratioOf?: string) => {
    rows.push({ group, name, unit, sample: summarize(xs), higherIsBetter, ...(ratioOf ? { ratioOf } : {}) });
  };
  let dirs = 0;
  const fresh = (name: string) => join(root, `${name}-${dirs++}`);
  try {
    log(`planning ${options.events} events (seed ${options.seed})`);
    const plan = planOf({ events: options.events, seed: options.seed, chainLength: options.chainLength });
    const n = plan.events;
    let ledgerPath = '';
    let sqlitePath = '';
    const modes = options.durability ?? ['batched'];
    const ledgerIngest = (concurrency: number, durability: Durability) => async () => {
      const path = fresh('ledger');
      const l = await open(path, { durability });
      const t0 = now();
      await ingestPipelines(l, plan, concurrency);
      const ms = now() - t0;
      if (l.stats().events !== n) throw new Error(`expected ${n} events, the ledger has ${l.stats().events}`);
      await l.close();
      // Keep the last concurrent ledger for the queries.
      if (concurrency > 1) {
        if (ledgerPath) rmSync(ledgerPath, { recursive: true, force: true });
        ledgerPath = path;
      } else rmSync(path, { recursive: true, force: true });
      sampleLoad();
      return (n / ms) * 1000;
    };
    const sqliteIngest = (mode: SqliteMode) => () => {
      const path = `${fresh('sqlite')}.db`;
      const t0 = now();
      const s = sqlitePipeline(path, plan, mode);
      const ms = now() - t0;
      s.close();
      if (mode === 'rows-1000') {
        if (sqlitePath) rmSync(sqlitePath, { force: true });
        sqlitePath = path;
      } else for (const x of ['', '-wal', '-shm']) rmSync(path + x, { force: true });
      sampleLoad();
      return (n / ms) * 1000;
    };
    const k = options.concurrency;
    const kept = options.keep && { ledger: join(options.keep, 'ledger'), sqlite: join(options.keep, 'sqlite.db') };
    const reuse = kept && existsSync(kept.ledger) && existsSync(kept.sqlite);
    log(reuse ? `reusing ${options.keep}` : `ingest (${plan.runs.length} runs, ${n} events; ${options.ingestReps} repetitions)`);
    // The queries read the ledger of the last concurrent ingest in the first mode.
    const ledgers: Record<string, () => Promise<number>> = {};
    for (const mode of modes.slice().reverse()) {
      if (!options.buildOnly) ledgers[`one:${mode}`] = ledgerIngest(1, mode);
      ledgers[`many:${mode}`] = ledgerIngest(k, mode);
    }
    const sqlites = { autocommit: sqliteIngest('autocommit'), perRun: sqliteIngest('per-run'), rows1000: sqliteIngest('rows-1000') };
    const all = { ...ledgers, ...(options.buildOnly ? { rows1000: sqlites.rows1000 } : sqlites) };
    const ingest: Partial<Record<string, number[]>> = await interleave(reuse ? 0 : options.ingestReps, all as Record<string, () => Promise<number> | number>);
    for (const mode of modes) {
      // One group per mode: the ledger's rows and SQLite's beside them (the same SQLite samples in each).
      const G = modes.length === 1 ? 'pipeline ingest' : `pipeline ingest, '${mode}'`;
      const one = `ledger ('${mode}'), 1 pipeline awaiting each call`;
      const many = `ledger ('${mode}'), ${k} pipelines at once`;
      if (ingest[`one:${mode}`]) add(G, one, 'events/s', ingest[`one:${mode}`]!, true);
      if (ingest[`many:${mode}`]) add(G, many, 'events/s', ingest[`many:${mode}`]!, true);
      if (ingest.autocommit) add(G, 'SQLite, autocommit per statement', 'events/s', ingest.autocommit, true, one);
      if (ingest.perRun) add(G, 'SQLite, one transaction per run', 'events/s', ingest.perRun, true, one);
      if (ingest.rows1000) add(G, 'SQLite, transactions of 1,000 rows', 'events/s', ingest.rows1000, true, many);
    }
    if (reuse) {
      rows.length = 0;
      [ledgerPath, sqlitePath] = [kept.ledger, kept.sqlite];
    } else if (kept) {
      mkdirSync(options.keep!, { recursive: true });
      renameSync(ledgerPath, kept.ledger);
      renameSync(sqlitePath, kept.sqlite);
      [ledgerPath, sqlitePath] = [kept.ledger, kept.sqlite];
    }

    // The plan's runs (at 1M events, a heap of about 1 GB that is the bench's, not the ledger's)
    // go before the queries: a larger heap makes each young collection slower, and the queries
    // would pay for the bench's memory. Only the names the queries ask for stay.
    const counts = { events: n, files: plan.files, inputs: plan.inputs, chainLength: plan.chainLength, runs: plan.runs.length, transforms: plan.transforms.length };
    plan.runs.length = 0;
    collectGarbage();

    log('queries');
    const ledger = await open(ledgerPath);
    const sqliteBase = new SqliteBaseline(sqlitePath);
    const sqlite = new SqliteQueries(sqliteBase);
    const names = plan.sampleNames;
    const m = names.length;
    // A caller holds file records it found earlier; SQLite callers hold the file's id.
    const held = names.map((name) => ledger.select(File, { name }).one());
    const heldIds = names.map((name) => sqlite.fileId(name));
    const file = (name: string) => ledger.select(File, { name }).one();
    const [tip, root0, typical] = [file(plan.chainTip), file(plan.chainRoot), file(plan.typical)];
    const sqlIds = { tip: sqlite.fileId(plan.chainTip), root: sqlite.fileId(plan.chainRoot), typical: sqlite.fileId(plan.typical) };
    // The internal figure: the same question asked of the projection's integers, answering with ids.
    const p = ledger.projection;
    const view = new View(p);
    const calls = options.calls;
    const chainCalls = Math.max(1, Math.floor(calls / 100));
    type Shape = [string, number, (i: number) => unknown, (i: number) => unknown, (i: number) => unknown];
    const shapes: Shape[] = [
      [
        'select(Run).join(File, { name }).one()',
        calls,
        (i) => ledger.select(Run).join(File, { name: names[i % m]! }).one().id,
        (i) => sqlite.producer(names[i % m]!),
        (i) => p.runs.idOf(p.files.runOf(p.files.named(names[i % m]!, p.seq)[0]!)),
      ],
      [
        'file.run.inputs',
        calls,
        (i) => held[i % m]!.run!.inputs.length + 1,
        (i) => sqlite.runInputsOf(heldIds[i % m]!).length + 1,
        (i) => view.inputsOf(p.runs.idOf(p.files.runOf(p.files.indexOf(held[i % m]!.id)))).length + 1,
      ],
      ['file.inputOf', calls, (i) => held[i % m]!.inputOf.length + 1, (i) => sqlite.consumers(heldIds[i % m]!).length + 1, (i) => view.consumersOf(held[i % m]!.id).length + 1],
      [
        'select(Transform).join(Run).join(File, { name }).first()',
        calls,
        (i) => ledger.select(Transform).join(Run).join(File, { name: names[i % m]! }).first()!.id,
        (i) => sqlite.transformOf(names[i % m]!),
        (i) => p.transforms.idOf(p.runs.transformOf(p.files.runOf(p.files.named(names[i % m]!, p.seq)[0]!))),
      ],
      ['lineage() upstream, typical file', chainCalls * 10, () => ledger.lineage(typical, { direction: 'upstream' }).nodes.length, () => sqlite.upstream(sqlIds.typical).length, () => lineage(view, 'file', typical.id, { direction: 'upstream' }).nodes.length],
      ['lineage() downstream, typical file', chainCalls * 10, () => ledger.lineage(typical, { direction: 'downstream' }).nodes.length, () => sqlite.downstream(sqlIds.typical).length, () => lineage(view, 'file', typical.id, { direction: 'downstream' }).nodes.length],
      [`lineage() upstream, ${plan.chainLength}-run chain`, chainCalls, () => ledger.lineage(tip, { direction: 'upstream' }).nodes.length, () => sqlite.upstream(sqlIds.tip).length, () => lineage(view, 'file', tip.id, { direction: 'upstream' }).nodes.length],
      [`lineage() downstream, ${plan.chainLength}-run chain`, chainCalls, () => ledger.lineage(root0, { direction: 'downstream' }).nodes.length, () => sqlite.downstream(sqlIds.root).length, () => lineage(view, 'file', root0.id, { direction: 'downstream' }).nodes.length],
    ];
    for (const [name, c, ours, theirs, internal] of shapes) {
      // The three must agree on the answer before they are timed.
      const a = ours(0);
      const b = internal(0);
      if (a !== b) throw new Error(`${name}: the API says ${String(a)}, the projection ${String(b)}`);
      const r = await interleave(options.reps, { ledger: () => cpuLatency(c, ours), sqlite: () => cpuLatency(c, theirs), internal: () => cpuLatency(c, internal) });
      sampleLoad();
      add(name, 'ledger, public API', 'µs', r.ledger, false);
      add(name, 'SQLite', 'µs', r.sqlite, false, 'ledger, public API');
      add(name, 'internal: the projection asked directly', 'µs', r.internal, false, 'ledger, public API');
    }
    sqliteBase.close();
    await ledger.close();
    return {
      rows,
      plan: counts,
      load: { min: Math.min(...loads), max: Math.max(...loads) },
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
