// OpenLineage fidelity figures: import throughput of facet-heavy events (real-integration facets on
// every event, a 200 KB Spark logical plan on one event in ten) against the same events without
// facets; the same through the receiver (POST /api/v1/lineage of `lineage serve`, 16 clients);
// index memory per event; column lineage on a 10,000-column graph.
// Run: npm run build && node --expose-gc dist/bench/fidelity.js [events] [reps]
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, File, importOpenLineage, open } from 'lineage-ledger';
import { interleave, now, summarize } from './harness.js';

const N = Number(process.argv[2] ?? 2000);
const REPS = Number(process.argv[3] ?? 5);
const P = 'https://github.com/OpenLineage/OpenLineage/tree/1.9.1/integration/spark';
const facet = (schema: string, fields: Record<string, unknown>) => ({ _producer: P, _schemaURL: `https://openlineage.io/spec/facets/${schema}`, ...fields });
const uuid = (i: number) => `0190d6a2-0000-7000-8000-${i.toString(16).padStart(12, '0')}`;
// Each run's plan is its own (its JVM's id in every node, as Spark writes it): no two plans share bytes,
// so storing each once by hash saves nothing here, and every plan is serialized and hashed.
const plan = (run: number) => ({ plan: Array.from({ length: 700 }, (_, i) => ({ class: 'org.apache.spark.sql.catalyst.plans.logical.Project', 'num-children': 1, name: `c${i}`, dataType: 'long', exprId: { id: i, jvmId: `5f24c93c-2ce9-49dc-${run.toString(16).padStart(4, '0')}` }, qualifier: ['spark_catalog', 'default', 'orders'], metadata: {}, nullable: true, child: 0 })) });

/** N run events (START and COMPLETE of N/2 runs), each reading one table and writing the next. */
function events(withFacets: boolean): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < N; i++) {
    const run = i >> 1;
    const start = i % 2 === 0;
    const ds = (t: number, out: boolean) => ({
      namespace: 's3://lake',
      name: `db.table_${t}`,
      ...(withFacets
        ? {
            facets: {
              schema: facet('1-1-1/SchemaDatasetFacet.json', { fields: Array.from({ length: 12 }, (_, c) => ({ name: `col_${c}`, type: 'string' })) }),
              dataSource: facet('1-0-1/DatasourceDatasetFacet.json', { name: 's3://lake', uri: 's3://lake' }),
              ...(out ? { columnLineage: facet('1-2-0/ColumnLineageDatasetFacet.json', { fields: { col_0: { inputFields: [{ namespace: 's3://lake', name: `db.table_${t - 1}`, field: 'col_0' }] } } }) } : {}),
            },
          }
        : {}),
    });
    out.push({
      eventType: start ? 'START' : 'COMPLETE',
      eventTime: new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString(),
      producer: P,
      schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
      run: {
        runId: uuid(run),
        ...(withFacets
          ? {
              facets: {
                processing_engine: facet('1-1-1/ProcessingEngineRunFacet.json', { version: '3.5.1', name: 'spark', openlineageAdapterVersion: '1.9.1' }),
                ...(i % 10 === 1 ? { 'spark.logicalPlan': facet('x/LogicalPlan.json', plan(run)) } : {}),
              },
            }
          : {}),
      },
      job: { namespace: 'spark', name: `job_${run % 50}`, ...(withFacets ? { facets: { sql: facet('1-1-0/SQLJobFacet.json', { query: `INSERT INTO db.table_${run + 1} SELECT * FROM db.table_${run}` }) } } : {}) },
      inputs: [ds(run, false)],
      outputs: start ? [] : [ds(run + 1, true)],
    });
  }
  return out;
}

const heavy = events(true);
const plain = events(false);
const planBytes = JSON.stringify(plan(0)).length;
console.log(`${N} events (${N / 2} runs); facet-heavy input ${(JSON.stringify(heavy).length / 1e6).toFixed(1)} MB (plan ${(planBytes / 1024).toFixed(0)} KB on one event in ten), plain ${(JSON.stringify(plain).length / 1e6).toFixed(1)} MB`);

// Wall time (the figure) and CPU time of this process (steadier on a loaded machine) of one import.
const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
const cpu: Record<string, number[]> = {};
const importOnce = (label: string, input: unknown[] | string | Uint8Array) => async () => {
  const ln = await open({ memory: true, durability: 'none' });
  const t0 = now();
  const c0 = cpuMs();
  await importOpenLineage(ln, input);
  (cpu[label] ??= []).push(cpuMs() - c0);
  const ms = now() - t0;
  await ln.close();
  return ms;
};
const jsonl = (events: unknown[]) => events.map((e) => JSON.stringify(e)).join('\n');
const samples = await interleave(REPS, {
  facets: importOnce('facets', heavy),
  plain: importOnce('plain', plain),
  facetsText: importOnce('facetsText', jsonl(heavy)),
  plainText: importOnce('plainText', jsonl(plain)),
  // `lineage import` reads the file as bytes (long lines are scanned as bytes, the rest decoded).
  facetsBytes: importOnce('facetsBytes', Buffer.from(jsonl(heavy))),
  plainBytes: importOnce('plainBytes', Buffer.from(jsonl(plain))),
});
const rate = (ms: number) => ((N / ms) * 1000).toFixed(0);
const p = summarize(samples.plain);
for (const [label, f, b, what] of [
  ['parsed events (the library)', 'facets', 'plain', 'importOpenLineage(ledger, events)'],
  ['JSONL text (a string)', 'facetsText', 'plainText', 'importOpenLineage(ledger, text)'],
  ['JSONL bytes (lineage import)', 'facetsBytes', 'plainBytes', 'importOpenLineage(ledger, bytes)'],
] as const) {
  const x = summarize(samples[f]);
  const y = summarize(samples[b]);
  console.log(`import of ${label}, ${what}:`);
  console.log(`  facet-heavy: median ${x.median.toFixed(0)} ms (${rate(x.median)} events/s; range ${x.min.toFixed(0)}-${x.max.toFixed(0)} ms; CPU median ${summarize(cpu[f]!).median.toFixed(0)} ms)`);
  console.log(`  no facets:   median ${y.median.toFixed(0)} ms (${rate(y.median)} events/s; range ${y.min.toFixed(0)}-${y.max.toFixed(0)} ms; CPU median ${summarize(cpu[b]!).median.toFixed(0)} ms)`);
  console.log(`  throughput ratio facet-heavy / no facets: ${(y.median / x.median).toFixed(2)} (CPU: ${(summarize(cpu[b]!).median / summarize(cpu[f]!).median).toFixed(2)}; target >= 0.8)`);
}
// The floor of any store of those facets: serializing and hashing each large one once, nothing else.
const { createHash } = await import('node:crypto');
const large = heavy.flatMap((e) => Object.values((e as { run: { facets?: Record<string, unknown> } }).run.facets ?? {})).filter((x) => JSON.stringify(x).length > 8192);
const floor = summarize(
  Array.from({ length: REPS }, () => {
    const t0 = now();
    for (const x of large) createHash('sha256').update(JSON.stringify(x)).digest('hex');
    return now() - t0;
  }),
);
console.log(`  floor: JSON.stringify + SHA-256 of the ${large.length} large facets alone take ${floor.median.toFixed(0)} ms, ${((floor.median / p.median) * 100).toFixed(0)}% of the whole import without facets`);
// What the import's check of standard facets against their own schemas costs, alone (CPU, ten passes a sample).
const { checkStandardFacets } = await import('../lib/interop/standard-facets.js');
if (heavy.some((e) => checkStandardFacets(e))) throw new Error('a bench event has an invalid standard facet');
const facetCheck = summarize(
  Array.from({ length: REPS }, () => {
    const c0 = cpuMs();
    for (let k = 0; k < 10; k++) for (const e of heavy) checkStandardFacets(e);
    return (cpuMs() - c0) / 10;
  }),
);
console.log(`  standard facets checked against their own schemas, alone: CPU median ${facetCheck.median.toFixed(1)} ms for the ${N} facet-heavy events, ${((facetCheck.median / summarize(cpu.facets!).median) * 100).toFixed(1)}% of their import's CPU (parsed events)`);

// The receiver: the same events POSTed one per request by 16 clients to `lineage serve`'s
// POST /api/v1/lineage on a ledger folder, facet-heavy against no facets, interleaved.
const CLIENTS = 16;
const receiveOnce = (bodies: string[]) => async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lineage-bench-fidelity-rx-'));
  const ledger = await open(dir);
  const app = createServer({ ledger, logLevel: 'silent', maxConcurrent: 1024 });
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/v1/lineage`;
    let next = 0;
    const t0 = now();
    // Each client sends its next event when the last one was answered. A run's COMPLETE may arrive
    // before its START: the receiver merges them by runId whatever the order.
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        for (let i = next++; i < bodies.length; i = next++) {
          const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodies[i] });
          await res.arrayBuffer();
          if (res.status >= 300) throw new Error(`the receiver answered ${res.status} to event ${i}`);
        }
      }),
    );
    return now() - t0;
  } finally {
    await app.close();
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  }
};
const rx = await interleave(REPS, { facets: receiveOnce(heavy.map((e) => JSON.stringify(e))), plain: receiveOnce(plain.map((e) => JSON.stringify(e))) });
const rf = summarize(rx.facets);
const rp = summarize(rx.plain);
console.log(`receiver (${CLIENTS} clients, one event per POST), facet-heavy: median ${rf.median.toFixed(0)} ms (${rate(rf.median)} events/s); no facets: median ${rp.median.toFixed(0)} ms (${rate(rp.median)} events/s)`);
console.log(`receiver throughput ratio facet-heavy / no facets: ${(rp.median / rf.median).toFixed(2)} (target >= 0.8)`);

// Index memory: heap held by a ledger after importing, per ledger event (facet bytes live in the log
// and the object store; an in-memory ledger keeps those in memory-level, which is measured apart).
const gc = (globalThis as { gc?: () => void }).gc;
if (gc) {
  for (const [label, input] of [['facet-heavy', heavy], ['no facets', plain]] as const) {
    gc();
    const before = process.memoryUsage().heapUsed;
    const dir = `/tmp/lineage-bench-fidelity-${process.pid}-${label.replace(/\W/g, '')}`;
    const ln = await open(dir, { durability: 'none' });
    await importOpenLineage(ln, input);
    gc();
    const after = process.memoryUsage().heapUsed;
    console.log(`heap per ledger event (${label}, on disk, ${ln.head.seq} events): ${((after - before) / ln.head.seq).toFixed(0)} B`);
    await ln.close();
    const { rmSync } = await import('node:fs');
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  console.log('(run with node --expose-gc for heap per event)');
}

// Column lineage on a 10,000-column graph: 100 tables of 100 columns, each column of table k from the
// same column and the next one of table k - 1.
const TABLES = 100;
const COLS = 100;
const cl = await open({ memory: true, durability: 'none' });
const chain: unknown[] = [];
for (let t = 1; t < TABLES; t++) {
  const fields: Record<string, unknown> = {};
  for (let c = 0; c < COLS; c++) {
    fields[`c${c}`] = { inputFields: [c, (c + 1) % COLS].map((k) => ({ namespace: 'wh', name: `t${t - 1}`, field: `c${k}`, transformations: [{ type: 'DIRECT', subtype: 'TRANSFORMATION' }] })) };
  }
  chain.push({
    eventType: 'COMPLETE',
    eventTime: new Date(Date.UTC(2024, 0, 1) + t * 1000).toISOString(),
    producer: P,
    schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
    run: { runId: uuid(100_000 + t) },
    job: { namespace: 'wh', name: `build_t${t}` },
    inputs: [{ namespace: 'wh', name: `t${t - 1}` }],
    outputs: [{ namespace: 'wh', name: `t${t}`, facets: { columnLineage: facet('1-2-0/ColumnLineageDatasetFacet.json', { fields }) } }],
  });
}
await importOpenLineage(cl, chain);
const last = cl.select(File, { name: `t${TABLES - 1}` }).one();
let t0 = now();
const first = await cl.columnLineage(last, 'c0', { depth: 1 });
console.log(`column lineage, ${TABLES * COLS} columns: first call (builds the index from the log) ${(now() - t0).toFixed(1)} ms, ${first.nodes.length} nodes`);
for (const depth of [1, 5, undefined]) {
  const times: number[] = [];
  let nodes = 0;
  for (let r = 0; r < 50; r++) {
    t0 = now();
    const g = await cl.columnLineage(last, 'c0', { depth });
    times.push(now() - t0);
    nodes = g.nodes.length;
  }
  const s = summarize(times);
  console.log(`column lineage upstream, depth ${depth ?? 'unlimited'}: ${nodes} nodes, median ${(s.median * 1000).toFixed(0)} µs (range ${(s.min * 1000).toFixed(0)}-${(s.max * 1000).toFixed(0)} µs)`);
}
await cl.close();
