import assert from 'node:assert/strict';
import { suite } from 'uvu';
import { fixture, sameShape } from '../support/marquez-shape.js';
import { File, open, toOpenLineage, Transform, type Ledger } from 'lineage-ledger';
import { dataset, get, getOk, newRunId, post, runEvent, serving, type Serving } from '../support/serve.js';

// What Marquez's own web UI asks (web/src/store/requests, listed in fixtures/marquez/README.md),
// each answer checked against Marquez's documented shape.
const test = suite('Marquez\'s web UI reads');

const PG = 'postgres://db:5432';
const NOW = new Date();
const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();
const loadRun = newRunId();
const reportRun = newRunId();
const schema = (names: string[]) => ({ _producer: 'https://example.org/p', _schemaURL: 'https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json', fields: names.map((name) => ({ name, type: 'INTEGER' })) });
const nominal = { _producer: 'https://example.org/p', _schemaURL: 'https://openlineage.io/spec/facets/1-0-1/NominalTimeRunFacet.json', nominalStartTime: '2026-01-01T00:00:00Z' };
const sourceCode = { _producer: 'https://example.org/p', _schemaURL: 'https://openlineage.io/spec/facets/1-0-1/SourceCodeJobFacet.json', language: 'SQL', sourceCode: 'INSERT INTO public.orders SELECT id, total FROM public.raw_orders' };
const raw = { ...dataset('public.raw_orders', PG), facets: { schema: schema(['id', 'amount']) } };
const orders = {
  ...dataset('public.orders', PG),
  facets: {
    schema: schema(['id', 'total']),
    columnLineage: {
      _producer: 'https://example.org/p',
      _schemaURL: 'https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json',
      fields: {
        id: { inputFields: [{ namespace: PG, name: 'public.raw_orders', field: 'id', transformations: [{ type: 'DIRECT', subtype: 'IDENTITY', description: 'copied' }] }] },
        total: { inputFields: [{ namespace: PG, name: 'public.raw_orders', field: 'amount', transformations: [{ type: 'DIRECT', subtype: 'AGGREGATION', description: 'sum' }] }] },
      },
    },
  },
};
const report = { ...dataset('public.report', PG), facets: { schema: schema(['total']), columnLineage: { _producer: 'https://example.org/p', _schemaURL: 'https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json', fields: { total: { inputFields: [{ namespace: PG, name: 'public.orders', field: 'total' }] } } } } };
const posted: Record<string, unknown>[] = [
  runEvent(loadRun, 'START', 'load_orders', { run: { runId: loadRun, facets: { nominalTime: nominal } }, job: { namespace: 'tests', name: 'load_orders', facets: { sourceCode } }, inputs: [raw] }, at(-120_000)),
  runEvent(loadRun, 'COMPLETE', 'load_orders', { inputs: [raw], outputs: [orders] }, at(-60_000)),
  runEvent(reportRun, 'START', 'report', { inputs: [dataset('public.orders', PG)] }, at(-50_000)),
  runEvent(reportRun, 'FAIL', 'report', { inputs: [dataset('public.orders', PG)], outputs: [report] }, at(-40_000)),
];

let ledger: Ledger;
let server: Serving;
let ns: string;

test.before(async () => {
  ledger = await open({ memory: true });
  ns = `lineage-ledger.${ledger.info.ledgerId}`;
  // The ledger's own job in two versions, each writing a version of table.csv.
  await ledger.run(new Transform({ name: 'clean', version: '1' }), async () => {
    await ledger.add(new File(Buffer.from('a,b\n1,2\n'), { name: 'table.csv' }));
  });
  await ledger.run(new Transform({ name: 'clean', version: '2' }), async () => {
    await ledger.add(new File(Buffer.from('a,b\n3,4\n'), { name: 'table.csv' }));
  });
  server = await serving(ledger);
  for (const e of posted) assert.equal((await post(`${server.url}/api/v1/lineage`, e)).status, 201);
});
test.after(async () => {
  await server.close();
  await ledger.close();
});

const read = (path: string) => getOk(`${server.url}${path}`);
const enc = encodeURIComponent;

test('the UI\'s own URLs answer: /lineage/ and /search/ with a trailing slash, the nodeId not encoded', async () => {
  const g = await read(`/api/v1/lineage/?nodeId=dataset:${PG}:public.orders&depth=2`);
  assert.deepEqual(g.graph.map((n: { id: string }) => n.id).sort(), [`dataset:${PG}:public.orders`, `dataset:${PG}:public.raw_orders`, `dataset:${PG}:public.report`, 'job:tests:load_orders', 'job:tests:report']);
  const s = await read('/api/v1/search/?q=orders&sort=NAME&limit=100');
  sameShape(s, fixture('search.json'));
  assert.deepEqual(s.results.map((r: { name: string }) => r.name), ['load_orders', 'public.orders', 'public.raw_orders']);
});

test('search sorts by UPDATE_AT, the name of Marquez\'s SearchSort its web UI sends, newest first', async () => {
  const s = await read('/api/v1/search?q=o&sort=UPDATE_AT&limit=100');
  sameShape(s, fixture('search.json'));
  const times = s.results.map((r: { updatedAt: string }) => r.updatedAt);
  assert.ok(times.length > 1);
  assert.deepEqual(times, [...times].sort().reverse());
  const jobs = await read('/api/v1/search?q=o&filter=JOB&sort=UPDATE_AT&limit=100');
  assert.deepEqual(jobs.results.map((r: { name: string }) => r.name), ['report', 'load_orders']);
});

test('the datasets list gives each dataset the fields and facets its producers sent, as the single dataset does', async () => {
  const list = await read(`/api/v1/namespaces/${enc(PG)}/datasets?limit=100`);
  const listed = list.datasets.find((d: { name: string }) => d.name === 'public.orders');
  sameShape(listed, fixture('dataset.json'));
  assert.deepEqual(listed.fields.map((f: { name: string }) => f.name), ['id', 'total']);
  assert.deepEqual(listed, await read(`/api/v1/namespaces/${enc(PG)}/datasets/public.orders`));
});

test('the lineage of a run is its job\'s (nodeId run:UUID)', async () => {
  const g = await read(`/api/v1/lineage?nodeId=run:${reportRun}&depth=0`);
  assert.ok(g.graph.some((n: { id: string }) => n.id === 'job:tests:report'));
  assert.equal((await get(`${server.url}/api/v1/lineage?nodeId=run:${newRunId()}`)).status, 404);
});

test('GET /jobs lists the jobs of every namespace, filtered by the state of their latest run', async () => {
  const all = await read('/api/v1/jobs?limit=25&offset=0');
  assert.deepEqual(all.jobs.map((j: { id: { namespace: string; name: string } }) => `${j.id.namespace}:${j.id.name}`).sort(), [`${ns}:clean`, 'tests:load_orders', 'tests:report'].sort());
  assert.equal(all.totalCount, 3);
  for (const j of all.jobs) sameShape(j, fixture('job.json'));
  const failed = await read('/api/v1/jobs?limit=25&offset=0&lastRunStates=FAILED');
  assert.deepEqual(failed.jobs.map((j: { name: string }) => j.name), ['report']);
  assert.equal((await get(`${server.url}/api/v1/jobs?lastRunStates=SLEEPING`)).status, 400);
});

test('a job\'s versions come newest first, each with what its runs read and wrote, shaped like Marquez\'s JobVersion', async () => {
  const { versions, totalCount } = await read(`/api/v1/namespaces/${enc(ns)}/jobs/clean/versions`);
  assert.equal(totalCount, 2);
  assert.deepEqual(versions.map((v: { version: string }) => v.version), ['2', '1']);
  for (const v of versions) sameShape(v, fixture('job-version.json'));
  assert.deepEqual(versions[0].outputs, [{ namespace: ns, name: 'table.csv' }]);
  assert.equal(versions[0].latestRun.state, 'COMPLETED');
  const one = await read(`/api/v1/namespaces/${enc(ns)}/jobs/clean/versions/1`);
  assert.deepEqual(one.id, { namespace: ns, name: 'clean', version: '1' });
  assert.equal((await get(`${server.url}/api/v1/namespaces/${enc(ns)}/jobs/clean/versions/9`)).status, 404);
  assert.equal((await get(`${server.url}/api/v1/namespaces/tests/jobs/nope/versions`)).status, 404);
});

test('a dataset\'s versions come newest first with the run that wrote each, shaped like Marquez\'s DatasetVersion', async () => {
  const { versions, totalCount } = await read(`/api/v1/namespaces/${enc(ns)}/datasets/table.csv/versions?limit=100&offset=0`);
  assert.equal(totalCount, 2);
  for (const v of versions) sameShape(v, fixture('dataset-version.json'));
  const files = ledger.select(File, { name: 'table.csv' }).all();
  assert.deepEqual(versions.map((v: { version: string }) => v.version), files.map((f) => f.hash).reverse());
  assert.equal(versions[0].createdByRun.jobVersion.version, '2');
  const one = await read(`/api/v1/namespaces/${enc(ns)}/datasets/table.csv/versions/${versions[1].version}`);
  assert.equal(one.createdByRun.jobVersion.version, '1');
  // An imported dataset shows the fields of the schema its producer sent.
  const o = await read(`/api/v1/namespaces/${enc(PG)}/datasets/public.orders/versions`);
  assert.deepEqual(o.versions[0].fields.map((f: { name: string; type: string }) => `${f.name}:${f.type}`), ['id:INTEGER', 'total:INTEGER']);
  assert.equal(o.versions[0].createdByRun.id, loadRun);
});

test('a dataset shows its producer\'s facets verbatim and the fields of its schema', async () => {
  const d = await read(`/api/v1/namespaces/${enc(PG)}/datasets/public.orders`);
  assert.deepEqual(d.facets.schema, orders.facets.schema);
  assert.deepEqual(d.facets.columnLineage, orders.facets.columnLineage);
  assert.deepEqual(d.fields, [{ name: 'id', type: 'INTEGER', tags: [], description: null }, { name: 'total', type: 'INTEGER', tags: [], description: null }]);
});

test('a run by its id, and its run and job facets as sent (or as the ledger builds them for its own runs)', async () => {
  const job = await read('/api/v1/namespaces/tests/jobs/load_orders');
  const run = await read(`/api/v1/jobs/runs/${loadRun}`);
  assert.deepEqual(run, job.latestRun);
  const runFacets = await read(`/api/v1/jobs/runs/${loadRun}/facets?type=run`);
  sameShape(runFacets, fixture('run-facets.json'));
  assert.deepEqual(runFacets, { runId: loadRun, facets: { nominalTime: nominal } });
  assert.deepEqual((await read(`/api/v1/jobs/runs/${loadRun}/facets?type=job`)).facets, { sourceCode });
  const own = (await read(`/api/v1/namespaces/${enc(ns)}/jobs/clean`)).latestRun.id;
  const ownJob = await read(`/api/v1/jobs/runs/${own}/facets?type=job`);
  assert.equal(ownJob.runId, own);
  assert.deepEqual(ownJob.facets, (await toOpenLineage(ledger)).find((e) => e.run.runId === own)!.job.facets);
  assert.ok('jobType' in ownJob.facets);
  assert.equal((await get(`${server.url}/api/v1/jobs/runs/${newRunId()}`)).status, 404);
  assert.equal((await get(`${server.url}/api/v1/jobs/runs/${loadRun}/facets?type=dataset`)).status, 400);
});

test('tags: Marquez\'s TagList, holding the tags the ledger\'s jobs and datasets carry (it records none)', async () => {
  const t = await read('/api/v1/tags');
  sameShape(t, { tags: [] });
  assert.deepEqual(t, { tags: [] });
});

test('column lineage of a field walks its columnLineage facets upstream, and downstream when asked', async () => {
  const up = await read(`/api/v1/column-lineage?nodeId=datasetField:${PG}:public.orders:total&depth=20`);
  sameShape(up, fixture('column-lineage.json'));
  const ids = up.graph.map((n: { id: string }) => n.id).sort();
  assert.deepEqual(ids, [`datasetField:${PG}:public.orders:total`, `datasetField:${PG}:public.raw_orders:amount`]);
  const total = up.graph.find((n: { id: string }) => n.id === `datasetField:${PG}:public.orders:total`);
  assert.deepEqual(total.inEdges, [{ origin: `datasetField:${PG}:public.raw_orders:amount`, destination: total.id }]);
  assert.deepEqual(total.data.inputFields.map((f: { field: string; transformationType: string; transformationDescription: string }) => [f.field, f.transformationType, f.transformationDescription]), [['amount', 'DIRECT', 'sum']]);
  assert.equal(total.data.fieldType, 'INTEGER');
  const both = await read(`/api/v1/column-lineage?nodeId=${enc(`datasetField:${PG}:public.orders:total`)}&depth=20&withDownstream=true`);
  assert.ok(both.graph.some((n: { id: string }) => n.id === `datasetField:${PG}:public.report:total`));
  // A dataset node: every column of its latest version.
  const ds = await read(`/api/v1/column-lineage?nodeId=dataset:${PG}:public.orders&depth=20`);
  assert.deepEqual(ds.graph.map((n: { id: string }) => n.id).sort(), [`datasetField:${PG}:public.orders:id`, `datasetField:${PG}:public.orders:total`, `datasetField:${PG}:public.raw_orders:amount`, `datasetField:${PG}:public.raw_orders:id`]);
  assert.equal((await get(`${server.url}/api/v1/column-lineage?nodeId=datasetField:${PG}:public.nope:x`)).status, 404);
  assert.equal((await get(`${server.url}/api/v1/column-lineage?nodeId=job:tests:report`)).status, 400);
});

test('stats: 24 hourly or 7 daily intervals, lineage events by type and cumulative counts of jobs, datasets, sources', async () => {
  const day = await read('/api/v1/stats/lineage-events?period=DAY&timezone=UTC');
  assert.equal(day.length, 24);
  sameShape(day, fixture('lineage-metrics.json'));
  const sum = (k: string) => day.reduce((n: number, m: Record<string, number>) => n + m[k]!, 0);
  // The ledger's two runs (START and COMPLETE each) and the four posted events, all within the last two hours.
  assert.deepEqual([sum('start'), sum('complete'), sum('fail'), sum('abort')], [4, 3, 1, 0]);
  const jobs = await read('/api/v1/stats/jobs?period=WEEK&timezone=Europe/Paris');
  assert.equal(jobs.length, 7);
  sameShape(jobs, fixture('interval-metrics.json'));
  assert.equal(jobs[6].count, 3);
  assert.ok(Date.parse(jobs[6].endInterval) > Date.now() && Date.parse(jobs[6].startInterval) <= Date.now());
  const datasets = await read('/api/v1/stats/datasets?period=DAY');
  assert.equal(datasets[23].count, 4);
  assert.equal((await read('/api/v1/stats/sources?period=DAY'))[23].count, 2);
  assert.equal((await get(`${server.url}/api/v1/stats/jobs?period=WEEK&timezone=Mars/Olympus`)).status, 400);
});

test('events/lineage gives the posted events verbatim, newest first; empty before/after are no bound', async () => {
  const { events, totalCount } = await read('/api/v1/events/lineage?limit=100&before=&after=&sortDirection=desc');
  assert.equal(totalCount, 8);
  const mine = events.filter((e: { job: { namespace: string } }) => e.job.namespace === 'tests');
  assert.deepEqual(mine, [...posted].reverse());
  const window = await read(`/api/v1/events/lineage?after=${enc(at(-70_000))}&before=${enc(at(-45_000))}&sortDirection=asc`);
  assert.deepEqual(window.events, [posted[1], posted[2]]);
});

test('the UI\'s writes (delete, tag) are 405 and write nothing: the ledger is append-only', async () => {
  const head = ledger.head.seq;
  for (const [method, path] of [['DELETE', '/api/v1/namespaces/tests/jobs/report'], ['DELETE', `/api/v1/namespaces/${enc(PG)}/datasets/public.orders`], ['POST', '/api/v1/namespaces/tests/jobs/report/tags/PII'], ['PUT', '/api/v1/tags/PII']] as const) {
    const res = await fetch(`${server.url}${path}`, { method, ...(method === 'PUT' ? { headers: { 'content-type': 'application/json' }, body: '{"description":"x"}' } : {}) });
    assert.equal(res.status, 405, `${method} ${path}`);
    assert.equal(((await res.json()) as { code: string }).code, 'METHOD_NOT_ALLOWED');
  }
  assert.equal(ledger.head.seq, head);
});

test('a lineage read after a write sees the write (answers are kept per seq, never served stale)', async () => {
  const path = `/api/v1/lineage?nodeId=${enc(`dataset:${PG}:public.report`)}&depth=1`;
  const before = await read(path);
  assert.deepEqual(await read(path), before);
  const seq = ledger.head.seq;
  const run = newRunId();
  assert.equal((await post(`${server.url}/api/v1/lineage`, runEvent(run, 'COMPLETE', 'archive', { inputs: [dataset('public.report', PG)], outputs: [dataset('archive.report', PG)] }, at(-30_000)))).status, 201);
  const after = await read(path);
  assert.ok(after.graph.some((n: { id: string }) => n.id === 'job:tests:archive'));
  assert.ok(!before.graph.some((n: { id: string }) => n.id === 'job:tests:archive'));
  // The earlier state is still there, by seq.
  assert.deepEqual(await read(`${path}&asOf=${seq}`), before);
  assert.ok(!(await read(`${path}&asOf=${seq}`)).graph.some((n: { id: string }) => n.id === 'job:tests:archive'));
});

test.run();
