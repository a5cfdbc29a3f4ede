// Append throughput of a PostgreSQL ledger through the public API, at 1, 4 and 16 writer processes,
// beside the best a PostgreSQL client can do without a chain: plain INSERTs of rows of the same size
// by the same client (node-postgres), one transaction per append, from as many connections at once.
// Then query latency on the PostgreSQL ledger after catch-up, beside the same ledger in a folder; with
// --events N, a new process's catch-up on an N-event ledger (from the checkpoint stored in the
// database, then the tail) and query latency on it beside the same events in a folder.
//   npm run build && npm run bench:pg [-- --appends 200 --reps 3 --writers N --events 1000000]
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { File, open, Transform } from 'lineage-ledger';
import { startPostgres } from '../test/support/postgres.js';
import { Writer } from '../test/pg/writers.js';
import { tempDir } from '../test/helpers.js';
import { cpuLatency } from './harness.js';
import { appendValidated } from './suite.js';
import { generateWorkload } from './workload.js';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const APPENDS = arg('appends', 200);
const REPS = arg('reps', 3);
const EVENTS = arg('events', 0);
const WRITERS = process.argv.includes('--writers') ? [arg('writers', 16)].filter((w) => w > 0) : [1, 4, 16];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * A new process's open of an EVENTS-event PostgreSQL ledger (the checkpoint its writer's close stored
 * in the database, then the tail), then lineage and lookup queries on it beside the same events in a folder.
 */
async function catchUpBench(url: string): Promise<void> {
  const w = generateWorkload({ events: EVENTS, seed: 42, chainLength: Math.min(1000, Math.floor(EVENTS / 10)) });
  const { dir, cleanup } = tempDir('pg-bench-catchup-');
  try {
    let t = performance.now();
    const writer = await open(url);
    await appendValidated(writer, w.events);
    // Past the last checkpoint: a tail the new process reads from the log.
    const tail = w.events.length;
    await writer.close();
    console.log(`\nwrote ${tail} events to PostgreSQL in ${((performance.now() - t) / 1000).toFixed(1)} s (with the checkpoint at close)`);
    const folder = await open(`${dir}/ledger`);
    await appendValidated(folder, w.events);
    const opens: number[] = [];
    let follower: Awaited<ReturnType<typeof open>> | undefined;
    const openCpu: number[] = [];
    for (let r = 0; r < 3; r++) {
      await follower?.close();
      t = performance.now();
      const c = process.cpuUsage();
      follower = await open(url);
      opens.push(performance.now() - t);
      const used = process.cpuUsage(c);
      openCpu.push((used.user + used.system) / 1000);
    }
    const f = follower!;
    // CPU µs per call (wall time on a shared machine counts waiting for a core), over windows of
    // tens of ms, alternating which store goes first; keys parsed from JSON, as a user's come (the
    // folder ledger, built live from the workload's objects, would otherwise hold the very strings asked for).
    const key = JSON.parse(JSON.stringify({ typical: w.typicalFile.id, tip: w.chainTip.id })) as { typical: string; tip: string };
    const queries: [string, number, (l: typeof folder) => unknown][] = [
      ['select(File, { id }).one()', 200_000, (l) => l.select(File, { id: key.typical }).one()],
      ['lineage(typical file, upstream)', 10_000, (l) => l.lineage(l.select(File, { id: key.typical }).one(), { direction: 'upstream' }).nodes.length],
      ['lineage(chain tip, upstream)', 100, (l) => l.lineage(l.select(File, { id: key.tip }).one(), { direction: 'upstream' }).nodes.length],
    ];
    console.log(`open of the ${f.head.seq}-event PostgreSQL ledger by a new process (checkpoint ${JSON.stringify(f.loadReport?.from ?? null)}, then the tail): median ${(median(opens) / 1000).toFixed(2)} s of ${opens.map((x) => (x / 1000).toFixed(2)).join(', ')}; CPU of this process ${openCpu.map((x) => (x / 1000).toFixed(2)).join(', ')} s`);
    console.log('| query | PostgreSQL ledger, loaded from the checkpoint (CPU µs) | folder, built live (CPU µs) | ratio |\n| --- | --- | --- | --- |');
    for (const [name, calls, q] of queries) {
      const pgs: number[] = [];
      const folders: number[] = [];
      for (let r = 0; r < 5; r++) {
        if (r % 2) folders.push(cpuLatency(calls, () => q(folder)));
        pgs.push(cpuLatency(calls, () => q(f)));
        if (r % 2 === 0) folders.push(cpuLatency(calls, () => q(folder)));
      }
      console.log(`| ${name} | ${median(pgs).toFixed(2)} | ${median(folders).toFixed(2)} | ${(median(pgs) / median(folders)).toFixed(2)}× |`);
    }
    await Promise.all([f.close(), folder.close()]);
  } finally {
    cleanup();
  }
}

const cluster = await startPostgres({ fsync: true });
const loads: number[] = [];
const sample = setInterval(() => loads.push(loadavg()[0]!), 1000);
try {
  const rows: string[] = [];
  for (const writers of WRITERS) {
    const ours: number[] = [];
    const plain: number[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      // Through the public API: each process adds APPENDS files, 4 at a time (its group commits).
      const url = cluster.url();
      const ws = Array.from({ length: writers }, (_, i) => new Writer(url, APPENDS, `b${i}`, 4));
      await Promise.all(ws.map((w) => w.until((ls) => ls.some((l) => l.startsWith('open')))));
      let t = performance.now();
      await Promise.all(ws.map((w) => w.until((ls) => ls.includes('done'))));
      ours.push((writers * APPENDS) / ((performance.now() - t) / 1000));
      for (const w of ws) w.child.stdin!.end();
      for (const w of ws) w.child.kill();
      // Plain INSERTs: the same number of rows of the same size, 4 connections per writer, one row per transaction.
      const table = `plain_${rep}_${writers}`;
      const admin = new pg.Client({ connectionString: cluster.url().split('?')[0] });
      await admin.connect();
      await admin.query(`CREATE TABLE ${table} (id bigserial PRIMARY KEY, batch text UNIQUE, bytes bytea NOT NULL)`);
      const clients = await Promise.all(Array.from({ length: writers * 4 }, async () => {
        const c = new pg.Client({ connectionString: cluster.url().split('?')[0] });
        await c.connect();
        return c;
      }));
      const row = Buffer.alloc(420, 'x');
      t = performance.now();
      await Promise.all(clients.map(async (c, k) => {
        for (let i = 0; i < APPENDS / 4; i++) {
          await c.query('BEGIN');
          await c.query(`INSERT INTO ${table} (batch, bytes) VALUES ($1, $2)`, [`${k}-${i}`, row]);
          await c.query('COMMIT');
        }
      }));
      plain.push((writers * APPENDS) / ((performance.now() - t) / 1000));
      await Promise.all(clients.map((c) => c.end()));
      await admin.end();
    }
    const o = median(ours);
    const p = median(plain);
    rows.push(`| ${writers} | ${o.toFixed(0)} | ${p.toFixed(0)} | ${(o / p).toFixed(2)}× |`);
    console.log(rows[rows.length - 1]);
  }
  // Queries after catch-up: the same ledger in PostgreSQL and in a folder.
  const url = cluster.url('query');
  const src = await open(url);
  const { dir, cleanup } = tempDir('pg-bench-');
  const folder = await open(`${dir}/ledger`);
  for (const l of [src, folder]) {
    await l.track(new Transform({ name: 'bench-query', version: '1' }));
    for (let i = 0; i < 300; i++) await l.add(new File(Buffer.from(`content ${i}`), { name: `q${i}.txt` }));
  }
  await src.close();
  const t0 = performance.now();
  const follower = await open(url);
  const catchUp = performance.now() - t0;
  const time = (l: typeof folder) => {
    const xs: number[] = [];
    for (let r = 0; r < 5; r++) {
      const t = performance.now();
      for (let i = 0; i < 300; i++) l.select(File, { name: `q${i}.txt` }).one();
      xs.push((performance.now() - t) / 300);
    }
    return median(xs);
  };
  // Warm both first (the JIT), then alternate, so that neither store is measured cold.
  time(follower);
  time(folder);
  const pgs: number[] = [];
  const folders: number[] = [];
  for (let r = 0; r < 3; r++) {
    pgs.push(time(follower));
    folders.push(time(folder));
  }
  const qPg = median(pgs);
  const qFolder = median(folders);
  console.log(`\n| writers | PostgreSQL ledger appends/s | plain INSERTs/s | ratio |\n| --- | --- | --- | --- |\n${rows.join('\n')}`);
  console.log(`\nopen (catch-up) of a ${follower.head.seq}-event ledger: ${catchUp.toFixed(0)} ms`);
  console.log(`query select(File, { name }).one(): PostgreSQL ledger ${(qPg * 1000).toFixed(1)} µs, folder ${(qFolder * 1000).toFixed(1)} µs (${(qPg / qFolder).toFixed(2)}×)`);
  await Promise.all([follower.close(), folder.close()]);
  cleanup();
  if (EVENTS > 0) await catchUpBench(cluster.url('catchup'));
  console.log(`load average during the run: median ${median(loads).toFixed(1)} (2 cores)`);
} finally {
  clearInterval(sample);
  await cluster.dispose();
}
