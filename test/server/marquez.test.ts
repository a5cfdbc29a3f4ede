import assert from 'node:assert/strict';
import { suite } from 'uvu';
import { fixture, sameShape } from '../support/marquez-shape.js';
import { File, open, toOpenLineage, type Ledger } from 'lineage-ledger';
import { demoLedger } from '../interop-demo.js';
import { dataset, get, getOk, newRunId, post, runEvent, serving, type Serving } from '../support/serve.js';

const test = suite('Marquez-shaped reads');

let ledger: Ledger;
let server: Serving;
let ns: string;
let afterDemo: number;
const olRun = newRunId();

test.before(async () => {
  ledger = (await demoLedger()).ledger;
  ns = `lineage-ledger.${ledger.info.ledgerId}`;
  afterDemo = ledger.head.seq;
  server = await serving(ledger);
  // An OpenLineage producer writes beside the ledger's own runs, in a namespace with colons.
  const pg = 'postgres://db:5432';
  await post(`${server.url}/api/v1/lineage`, runEvent(olRun, 'START', 'load_orders', { inputs: [dataset('public.raw_orders', pg)] }, '2026-01-01T00:00:00Z'));
  await post(`${server.url}/api/v1/lineage`, runEvent(olRun, 'COMPLETE', 'load_orders', { inputs: [dataset('public.raw_orders', pg)], outputs: [dataset('public.orders', pg)] }, '2026-01-01T00:01:00Z'));
});
test.after(async () => {
  await server.close();
  await ledger.close();
});

const read = (path: string) => getOk(`${server.url}${path}`);
const enc = encodeURIComponent;

test('namespaces list the ledger\'s own and the producers\', shaped like Marquez\'s Namespace', async () => {
  const { namespaces } = await read('/api/v1/namespaces');
  assert.deepEqual(namespaces.map((n: { name: string }) => n.name).sort(), [ns, 'postgres://db:5432', 'tests'].sort());
  for (const n of namespaces) sameShape(n, fixture('namespace.json'));
  sameShape(await read(`/api/v1/namespaces/${enc(ns)}`), fixture('namespace.json'));
});

test('jobs and a job are shaped like Marquez\'s Job, with their inputs, outputs and latest run', async () => {
  const { jobs, totalCount } = await read(`/api/v1/namespaces/${enc(ns)}/jobs`);
  assert.equal(totalCount, jobs.length);
  assert.ok(jobs.length >= 3);
  for (const j of jobs) {
    sameShape(j, fixture('job.json'));
    sameShape(j, fixture('job-current.json'));
  }
  const job = await read(`/api/v1/namespaces/tests/jobs/load_orders`);
  sameShape(job, fixture('job.json'));
  assert.deepEqual(job.id, { namespace: 'tests', name: 'load_orders' });
  assert.deepEqual(job.inputs, [{ namespace: 'postgres://db:5432', name: 'public.raw_orders' }]);
  assert.deepEqual(job.outputs, [{ namespace: 'postgres://db:5432', name: 'public.orders' }]);
  assert.equal(job.latestRun.id, olRun);
  assert.equal(job.latestRun.state, 'COMPLETED');
  assert.equal(job.latestRun.durationMs, 60_000);
  sameShape(job.latestRun, fixture('run.json'));
  sameShape(job.latestRun, fixture('run-current.json'));
});

test('a job\'s runs come latest first, shaped like Marquez\'s Run', async () => {
  const { runs } = await read(`/api/v1/namespaces/tests/jobs/load_orders/runs`);
  assert.equal(runs.length, 1);
  assert.equal(runs[0].id, olRun);
  assert.deepEqual(runs[0].outputDatasetVersions.map((v: { datasetVersionId: { name: string } }) => v.datasetVersionId.name), ['public.orders']);
});

test('datasets and a dataset (its name percent-encoded in the path) are shaped like Marquez\'s Dataset', async () => {
  const { datasets } = await read(`/api/v1/namespaces/${enc(ns)}/datasets`);
  assert.ok(datasets.some((d: { name: string }) => d.name === 'output.bam'));
  for (const d of datasets) {
    sameShape(d, fixture('dataset.json'));
    sameShape(d, fixture('dataset-current.json'));
  }
  const orders = await read(`/api/v1/namespaces/${enc('postgres://db:5432')}/datasets/${enc('public.orders')}`);
  assert.deepEqual(orders.id, { namespace: 'postgres://db:5432', name: 'public.orders' });
  assert.equal(orders.lastModifiedAt, '2026-01-01T00:01:00.000Z');
});

test('lineage is Marquez\'s graph: job and dataset nodes, edges both ways, only between nodes of the graph', async () => {
  const g = await read(`/api/v1/lineage?nodeId=${enc(`dataset:postgres://db:5432:public.orders`)}`);
  sameShape(g, fixture('lineage.json'));
  const ids = g.graph.map((n: { id: string }) => n.id).sort();
  assert.deepEqual(ids, ['dataset:postgres://db:5432:public.orders', 'dataset:postgres://db:5432:public.raw_orders', 'job:tests:load_orders']);
  const job = g.graph.find((n: { id: string }) => n.id === 'job:tests:load_orders');
  assert.equal(job.type, 'JOB');
  assert.deepEqual(job.inEdges, [{ origin: 'dataset:postgres://db:5432:public.raw_orders', destination: 'job:tests:load_orders' }]);
  assert.deepEqual(job.outEdges, [{ origin: 'job:tests:load_orders', destination: 'dataset:postgres://db:5432:public.orders' }]);
  for (const n of g.graph) for (const e of [...n.inEdges, ...n.outEdges]) assert.ok(ids.includes(e.origin) && ids.includes(e.destination));
});

test('lineage depth counts job hops: depth 0 is the start\'s own jobs and their datasets', async () => {
  const bamNode = `dataset:${ns}:output.bam`;
  const full = await read(`/api/v1/lineage?nodeId=${enc(bamNode)}`);
  const shallow = await read(`/api/v1/lineage?nodeId=${enc(bamNode)}&depth=0`);
  const jobs = (g: { graph: { type: string }[] }) => g.graph.filter((n) => n.type === 'JOB').length;
  assert.ok(jobs(shallow) >= 1);
  assert.ok(jobs(full) > jobs(shallow), `${jobs(full)} > ${jobs(shallow)}`);
  // The in-process lineage of output.bam names every file the HTTP graph reaches (the demo is one connected pipeline).
  const bam = ledger.select(File, { name: 'output.bam' }).one();
  const local = new Set(ledger.lineage(bam, { direction: 'both' }).nodes.filter((n) => n.kind === 'file').map((n) => n.label));
  for (const n of full.graph) if (n.type === 'DATASET' && n.data.namespace === ns) assert.ok(local.has(n.data.name), n.data.name);
});

test('?asOf= reads an earlier state: before the producer posted, its namespace and job are not there', async () => {
  const { namespaces } = await read(`/api/v1/namespaces?asOf=${afterDemo}`);
  assert.ok(!namespaces.some((n: { name: string }) => n.name === 'tests'));
  const gone = await get(`${server.url}/api/v1/namespaces/tests/jobs/load_orders?asOf=${afterDemo}`);
  assert.equal(gone.status, 404);
  const byTime = await get(`${server.url}/api/v1/namespaces?asOf=1970-01-01T00:00:00Z`);
  assert.equal(byTime.status, 400);
  assert.equal((byTime.body as { code: string }).code, 'OUT_OF_RANGE');
  assert.equal((await get(`${server.url}/api/v1/namespaces?asOf=yesterday`)).status, 400);
});

test('search finds jobs and datasets by part of their name, as Marquez\'s SearchResult', async () => {
  const r = await read('/api/v1/search?q=orders');
  assert.equal(r.totalCount, 3);
  assert.deepEqual(r.results.map((x: { nodeId: string }) => x.nodeId).sort(), ['dataset:postgres://db:5432:public.orders', 'dataset:postgres://db:5432:public.raw_orders', 'job:tests:load_orders']);
  const jobsOnly = await read('/api/v1/search?q=load%25orders&filter=JOB');
  assert.deepEqual(jobsOnly.results.map((x: { type: string }) => x.type), ['JOB']);
});

test('events/lineage pages the run events, newest first by default', async () => {
  const all = await toOpenLineage(ledger);
  const first = await read('/api/v1/events/lineage?limit=2');
  assert.equal(first.totalCount, all.length);
  assert.equal(first.events.length, 2);
  assert.deepEqual(first.events[0], all[all.length - 1]);
  const asc = await read('/api/v1/events/lineage?sortDirection=asc&offset=1&limit=1');
  assert.deepEqual(asc.events, [all[1]]);
});

test('unknown jobs, datasets, nodes and routes are 404 JSON; bad parameters are 400', async () => {
  for (const path of ['/api/v1/namespaces/tests/jobs/nope', '/api/v1/namespaces/tests/datasets/nope', `/api/v1/lineage?nodeId=${enc('job:tests:nope')}`, '/api/v1/nope']) {
    const res = await get(`${server.url}${path}`);
    assert.equal(res.status, 404, path);
    assert.equal(typeof (res.body as { code: string }).code, 'string');
  }
  for (const path of ['/api/v1/lineage', '/api/v1/lineage?nodeId=file:x', `/api/v1/lineage?nodeId=${enc('job:tests:load_orders')}&depth=-1`, `/api/v1/lineage?nodeId=${enc('job:tests:load_orders')}&depth=100000`, '/api/v1/namespaces?limit=abc']) {
    const res = await get(`${server.url}${path}`);
    assert.equal(res.status, 400, path);
  }
});

test('a lineage bigger than the node limit is 413 LIMIT_EXCEEDED, not a silently cut graph', async () => {
  const small = await serving(ledger, { maxLineageNodes: 2 });
  try {
    const res = await get(`${small.url}/api/v1/lineage?nodeId=${enc('job:tests:load_orders')}`);
    assert.equal(res.status, 413);
    assert.equal((res.body as { code: string }).code, 'LIMIT_EXCEEDED');
  } finally {
    await small.close();
  }
});

test('a fresh, empty ledger answers every list with nothing', async () => {
  const empty = await open({ memory: true });
  const s = await serving(empty);
  try {
    assert.deepEqual((await get(`${s.url}/api/v1/namespaces`)).body, { namespaces: [], totalCount: 0 });
    assert.deepEqual((await get(`${s.url}/api/v1/search?q=x`)).body, { totalCount: 0, results: [] });
    assert.deepEqual((await get(`${s.url}/api/v1/events/lineage`)).body, { events: [], totalCount: 0 });
  } finally {
    await s.close();
    await empty.close();
  }
});

test.run();
