// The pipeline workload (scoped runs that load inputs and add outputs) through connect() to a served
// ledger, against open() on a ledger of the same kind, in the same process and run, interleaved.
//   npm run bench:client -- [--runs N] [--concurrency C] [--reps R] [--catch-up-runs N]
// Prints medians (and ranges) in runs/s and the ratios. Each repetition uses a fresh ledger. connect()
// is measured twice: with the server in this process (client and server share one thread), and with
// the server in a process of its own (a worker reporting to `lineage serve`, the real arrangement).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { connect, File, importOpenLineage, open, Transform, type LedgerApi } from 'lineage-ledger';
import { serving } from '../test/support/serve.js';
import { interleave, summarize, timed } from './harness.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RUNS = arg('runs', 200);
const CONCURRENCY = arg('concurrency', 8);
const REPS = arg('reps', 5);
const INPUTS = 2;
const OUTPUTS = 2;

/** `RUNS` scoped runs, `CONCURRENCY` at a time: each loads up to two earlier outputs as inputs and adds two outputs. */
async function pipeline(ln: LedgerApi): Promise<void> {
  const steps = [new Transform({ name: 'trim', version: '1' }), new Transform({ name: 'align', version: '2' }), new Transform({ name: 'count', version: '1' })];
  await ln.add(new File(Buffer.from('seed'), { name: 'seed.txt' }));
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < RUNS; i = next++) {
      await ln.run(steps[i % steps.length]!, async () => {
        const files = ln.select(File).orderBy('createdAt', 'desc').limit(INPUTS).all();
        for (const f of files) await f.load({ isRunInput: true });
        for (let o = 0; o < OUTPUTS; o++) await ln.add(new File(Buffer.from(`run ${i} output ${o}`), { name: `r${i}-o${o}.txt` }));
      }, { params: { i } });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

// `client.js --serve PATH`: the server process of the second contender; prints its address, stops when stdin ends.
if (process.argv[2] === '--serve') {
  const ledger = await open(process.argv[3]!);
  const server = await serving(ledger);
  process.stdout.write(`${server.url}\n`);
  process.stdin.resume();
  process.stdin.on('end', async () => {
    await server.close();
    await ledger.close();
    process.exit(0);
  });
  await new Promise(() => {});
}

/** Starts a server process on a fresh ledger; resolves with its address and a stop function. */
async function serverProcess(path: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve', path], { stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      if (out.includes('\n')) resolve(out.trim());
    });
    child.on('exit', (code) => reject(new Error(`the server process exited with ${code}`)));
  });
  return { url, stop: () => new Promise((resolve) => { child.on('exit', () => resolve()); child.stdin.end(); }) };
}

const dirs: string[] = [];
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), 'lineage-bench-client-'));
  dirs.push(d);
  return join(d, 'ledger');
};

const samples = await interleave(REPS, {
  open: async () => {
    const ln = await open(fresh());
    const ms = await timed(() => pipeline(ln));
    await ln.close();
    return ms;
  },
  connect: async () => {
    const ledger = await open(fresh());
    const server = await serving(ledger);
    const ln = await connect(server.url);
    const ms = await timed(() => pipeline(ln));
    await ln.close();
    await server.close();
    await ledger.close();
    return ms;
  },
  'connect-process': async () => {
    const server = await serverProcess(fresh());
    const ln = await connect(server.url);
    const ms = await timed(() => pipeline(ln));
    await ln.close();
    await server.stop();
    return ms;
  },
});

const perSec = (ms: number) => (RUNS * 1000) / ms;
const o = summarize(samples.open);
const c = summarize(samples.connect);
console.log(`pipeline: ${RUNS} scoped runs (${INPUTS} inputs, ${OUTPUTS} outputs each), ${CONCURRENCY} at a time, ${REPS} repetitions, on-disk ledgers`);
console.log(`open()    median ${perSec(o.median).toFixed(0)} runs/s (${perSec(o.max).toFixed(0)}–${perSec(o.min).toFixed(0)}), ${o.median.toFixed(0)} ms`);
console.log(`connect() in-process server: median ${perSec(c.median).toFixed(0)} runs/s (${perSec(c.max).toFixed(0)}–${perSec(c.min).toFixed(0)}), ${c.median.toFixed(0)} ms`);
const p = summarize(samples['connect-process']);
console.log(`connect() to a server process: median ${perSec(p.median).toFixed(0)} runs/s (${perSec(p.max).toFixed(0)}–${perSec(p.min).toFixed(0)}), ${p.median.toFixed(0)} ms`);
console.log(`time ratios: connect()/open() ${(c.median / o.median).toFixed(1)}× (server in this process), ${(p.median / o.median).toFixed(1)}× (server process)`);

// connect() to a large ledger: the same events served with a stored checkpoint (the ledger was closed
// once past them) and without one (never closed): from the checkpoint, or every event from the first.
const CATCH_UP_RUNS = arg('catch-up-runs', 6000);
if (CATCH_UP_RUNS > 0) {
  const events = Array.from({ length: CATCH_UP_RUNS }, (_, i) => ({
    eventTime: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), eventType: 'COMPLETE', producer: 'https://example.org/bench', schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
    run: { runId: randomUUID() }, job: { namespace: 'bench', name: `job-${i % 40}` }, inputs: [{ namespace: 'bench', name: `d${i}` }], outputs: [{ namespace: 'bench', name: `d${i + 1}` }],
  }));
  const withCheckpoint = fresh();
  const first = await open(withCheckpoint);
  await importOpenLineage(first, events, { strict: true });
  await first.close();
  const served = { checkpoint: await open(withCheckpoint), replay: await open(fresh()) };
  await importOpenLineage(served.replay, events, { strict: true });
  const urls = { checkpoint: await serving(served.checkpoint), replay: await serving(served.replay) };
  const connectTo = (which: 'checkpoint' | 'replay') => async () => {
    let from = -1;
    const ms = await timed(async () => {
      const ln = await connect(urls[which].url);
      from = ln.startedFrom;
      await ln.close();
    });
    if ((which === 'checkpoint') !== from > 0) throw new Error(`connect() to the ${which} server started from ${from}`);
    return ms;
  };
  const catchUp = await interleave(REPS, { checkpoint: connectTo('checkpoint'), replay: connectTo('replay') });
  const k = summarize(catchUp.checkpoint);
  const r = summarize(catchUp.replay);
  console.log(`connect() to a ${served.replay.head.seq}-event ledger: from the server's checkpoint median ${k.median.toFixed(0)} ms, every event from the first ${r.median.toFixed(0)} ms (${(r.median / k.median).toFixed(1)}×)`);
  for (const u of Object.values(urls)) await u.close();
  for (const l of Object.values(served)) await l.close();
}
for (const d of dirs) rmSync(d, { recursive: true, force: true });
