// lineage serve figures: OpenLineage receiver throughput and latency at 1, 16 and 64 concurrent
// clients over loopback, beside a bare node:http endpoint that only parses and validates the same
// events (the floor of any receiver in Node), and in-process importOpenLineage; then the latency of
// a 1,000-node Marquez lineage read over HTTP beside the in-process ledger.lineage() of that graph.
// Run: npm run build && node dist/bench/serve.js [repetitions] [receiver|lineage] [--clients-thread]   (npm run bench:serve; both parts by default)
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer as createHttpServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, File, importOpenLineage, open } from 'lineage-ledger';
import { checkOpenLineage } from '../lib/interop/openlineage-validate.js';
import { summarize } from './harness.js';
import { benchEvent, load as loadHere, loadInWorker, postOnce } from './http-load.js';

const reps = Number(process.argv[2] ?? 3);
const part = process.argv[3];
// --clients-thread: the clients run in a worker thread, as real clients run in processes of their own.
const threaded = process.argv.includes('--clients-thread');
const SCHEMA = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
const event = benchEvent;
const agent = new Agent({ keepAlive: true, maxSockets: 256 });
const load = (port: number, path: string, clients: number, total: number) => (threaded ? loadInWorker(port, path, clients, total) : loadHere(port, path, clients, total));

const postOne = (port: number, path: string, body: string) => postOnce(agent, port, path, body);
function getOnce(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    })
      .on('error', reject)
      .end();
  });
}

const dir = mkdtempSync(join(tmpdir(), 'lineage-bench-serve-'));
// The baseline: node:http, JSON.parse and the same OpenLineage validation, nothing written.
const bare = createHttpServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const ok = checkOpenLineage(JSON.parse(Buffer.concat(chunks).toString('utf8'))).kind === 'run';
    res.writeHead(ok ? 201 : 400, { 'content-type': 'application/json' }).end('{}');
  });
});
await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
const barePort = (bare.address() as AddressInfo).port;

try {
  if (part !== 'lineage') {
    console.log(`OpenLineage receiver, ${reps} repetitions (medians; the machine is shared, compare within a row), clients ${threaded ? 'in a worker thread' : 'in this thread'}:`);
    console.log('clients  events  lineage serve: ev/s  p50 ms  p99 ms | bare parse+validate: ev/s  p50 ms  p99 ms | serve/bare');
    for (const clients of [1, 16, 64]) {
      const total = clients === 1 ? 500 : 3000;
      const serve: { perSec: number; p50: number; p99: number }[] = [];
      const base: typeof serve = [];
      for (let r = 0; r < reps; r++) {
        const ledger = await open(join(dir, `l-${clients}-${r}`));
        const app = createServer({ ledger, logLevel: 'silent', maxConcurrent: 1024 });
        await app.listen({ host: '127.0.0.1', port: 0 });
        const port = (app.server.address() as AddressInfo).port;
        await load(port, '/api/v1/lineage', 4, 200); // warm-up
        serve.push(await load(port, '/api/v1/lineage', clients, total));
        await app.close();
        await ledger.close();
        base.push(await load(barePort, '/', clients, total));
      }
      const m = (xs: { perSec: number; p50: number; p99: number }[], k: 'perSec' | 'p50' | 'p99') => summarize(xs.map((x) => x[k])).median;
      console.log(
        `${String(clients).padStart(7)}  ${String(total).padStart(6)}  ${m(serve, 'perSec').toFixed(0).padStart(19)}  ${m(serve, 'p50').toFixed(2).padStart(6)}  ${m(serve, 'p99').toFixed(2).padStart(6)} | ${m(base, 'perSec').toFixed(0).padStart(25)}  ${m(base, 'p50').toFixed(2).padStart(6)}  ${m(base, 'p99').toFixed(2).padStart(6)} | ${(m(serve, 'perSec') / m(base, 'perSec')).toFixed(2)}`,
      );
    }

    // In-process import of the same events, one call per event and all in one call.
    {
      const ledger = await open(join(dir, 'inproc'));
      const events = Array.from({ length: 1000 }, (_, i) => JSON.parse(event(i)) as object);
      let t = performance.now();
      for (const e of events.slice(0, 500)) await importOpenLineage(ledger, [e], { strict: true });
      const one = 500 / ((performance.now() - t) / 1000);
      t = performance.now();
      await importOpenLineage(ledger, events.slice(500), { strict: true });
      const all = 500 / ((performance.now() - t) / 1000);
      console.log(`in-process importOpenLineage: ${one.toFixed(0)} ev/s one event per call, ${all.toFixed(0)} ev/s 500 events in one call`);
      await ledger.close();
    }
  }

  if (part !== 'receiver') {
    // A 1,000-node lineage: 10 chains of 50 jobs from one source dataset (1 + 500 jobs + 500 datasets).
    {
      const ledger = await open(join(dir, 'graph'));
      const evs: object[] = [];
      for (let c = 0; c < 10; c++) {
        for (let j = 0; j < 50; j++) {
          const input = j === 0 ? 'src' : `c${c}-d${j - 1}`;
          evs.push({ eventTime: new Date(Date.UTC(2026, 0, 1, 0, j, c)).toISOString(), eventType: 'COMPLETE', producer: 'https://example.org/bench', schemaURL: SCHEMA, run: { runId: randomUUID() }, job: { namespace: 'g', name: `c${c}-j${j}` }, inputs: [{ namespace: 'g', name: input }], outputs: [{ namespace: 'g', name: `c${c}-d${j}` }] });
        }
      }
      await importOpenLineage(ledger, evs, { strict: true });
      const app = createServer({ ledger, logLevel: 'silent' });
      await app.listen({ host: '127.0.0.1', port: 0 });
      const port = (app.server.address() as AddressInfo).port;
      const path = `/api/v1/lineage?nodeId=${encodeURIComponent('dataset:g:src')}&depth=60`;
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      const nodes = ((await res.json()) as { graph: unknown[] }).graph.length;
      const src = ledger.select(File, { name: 'src' }).one();
      const httpLat: number[] = [];
      const localLat: number[] = [];
      for (let i = 0; i < 20; i++) await getOnce(port, path);
      for (let i = 0; i < 200; i++) {
        let t = performance.now();
        if ((await getOnce(port, path)) !== 200) throw new Error('lineage read failed');
        httpLat.push(performance.now() - t);
        t = performance.now();
        ledger.lineage(src, { direction: 'both' });
        localLat.push(performance.now() - t);
      }
      const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * p)]!;
      const localNodes = ledger.lineage(src, { direction: 'both' }).nodes.length;
      console.log(`lineage read, ${nodes}-node Marquez graph over HTTP: p50 ${pct(httpLat, 0.5).toFixed(2)} ms, p99 ${pct(httpLat, 0.99).toFixed(2)} ms; in-process ledger.lineage() of the same graph (${localNodes} nodes with runs): p50 ${pct(localLat, 0.5).toFixed(2)} ms, p99 ${pct(localLat, 0.99).toFixed(2)} ms`);

      // The first read right after a write: a new run of a job in the graph (half of the writes) or of a job
      // outside it, then the read at the new head (its nodes kept across writes, those the write touched
      // rebuilt) beside the same read on a second server asked for `?asOf=` that head (the whole graph built,
      // as every read after a write was before).
      const other = createServer({ ledger, logLevel: 'silent' });
      await other.listen({ host: '127.0.0.1', port: 0 });
      const otherPort = (other.server.address() as AddressInfo).port;
      const afterWrite: number[] = [];
      const rebuilt: number[] = [];
      for (let i = 0; i < 100; i++) {
        const c = i % 10;
        const j = (i * 7) % 50;
        const inGraph = i % 2 === 0;
        const write = { eventTime: new Date().toISOString(), eventType: 'COMPLETE', producer: 'https://example.org/bench', schemaURL: SCHEMA, run: { runId: randomUUID() }, job: { namespace: 'g', name: inGraph ? `c${c}-j${j}` : `elsewhere-${i}` }, inputs: [{ namespace: 'g', name: inGraph ? (j === 0 ? 'src' : `c${c}-d${j - 1}`) : `x-${i}` }], outputs: [{ namespace: 'g', name: inGraph ? `c${c}-d${j}` : `y-${i}` }] };
        if ((await postOne(port, '/api/v1/lineage', JSON.stringify(write))) !== 201) throw new Error('write failed');
        let t = performance.now();
        if ((await getOnce(port, path)) !== 200) throw new Error('lineage read failed');
        afterWrite.push(performance.now() - t);
        t = performance.now();
        if ((await getOnce(otherPort, `${path}&asOf=${ledger.head.seq}`)) !== 200) throw new Error('lineage read failed');
        rebuilt.push(performance.now() - t);
      }
      console.log(`first lineage read after a write (100 writes, half in the graph): p50 ${pct(afterWrite, 0.5).toFixed(2)} ms, p99 ${pct(afterWrite, 0.99).toFixed(2)} ms; the graph built whole (second server, ?asOf=head): p50 ${pct(rebuilt, 0.5).toFixed(2)} ms, p99 ${pct(rebuilt, 0.99).toFixed(2)} ms`);
      // The keep-alive sockets of the reads would hold app.close() open.
      agent.destroy();
      await other.close();
      await app.close();
      await ledger.close();
    }
  }
} finally {
  // The bare server listens whatever part ran: left open, it kept the process alive after the figures.
  agent.destroy();
  bare.closeAllConnections();
  bare.close();
  rmSync(dir, { recursive: true, force: true });
}
