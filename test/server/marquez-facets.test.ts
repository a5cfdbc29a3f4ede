import assert from 'node:assert/strict';
import { join } from 'node:path';
import { suite } from 'uvu';
import { File, open, Run, type Ledger } from 'lineage-ledger';
import { tempDir } from '../helpers.js';
import { dataset, getOk, newRunId, post, runEvent, serving, type Serving } from '../support/serve.js';

// What an outside checker found in Marquez's reads of imported OpenLineage events: the shapes
// below follow OpenLineage's integration test expectations (Airflow's snowflake.json, dbt's
// structured-log build events, Spark's pysparkSymlinksComplete.json, Flink's ABORT), not our fixtures.

const test = suite('Marquez reads show what producers sent');

const P = 'https://github.com/OpenLineage/OpenLineage/tree/1.24.2/integration/airflow';
const facet = <F extends Record<string, unknown>>(name: string, fields: F) => ({ _producer: P, _schemaURL: `https://openlineage.io/spec/facets/1-0-0/${name}.json`, ...fields });
const SF = 'snowflake://xy12345.us-east-1.aws';
const enc = encodeURIComponent;

let ledger: Ledger;
let server: Serving;
let afterStart: number;
const dag = newRunId();
const task = newRunId();
const nominal = facet('NominalTimeRunFacet', { nominalStartTime: '2024-11-03T09:00:00.000Z', nominalEndTime: '2024-11-04T09:00:00.000Z' });
const airflowFacet = facet('AirflowRunFacet', { dag: { dag_id: 'snowflake' }, task: { task_id: 'snowflake_insert' } });
const documentation = facet('DocumentationJobFacet', { description: 'Determines the popular day of week orders are placed.' });
const quality = facet('DataQualityMetricsInputDatasetFacet', { rowCount: 100, columnMetrics: {} });
const statistics = facet('OutputStatisticsOutputDatasetFacet', { rowCount: 3, size: 1290 });

const send = async (event: Record<string, unknown>) => assert.equal((await post(`${server.url}/api/v1/lineage`, event)).status, 201);
const read = (path: string) => getOk(`${server.url}${path}`);

test.before(async () => {
  ledger = await open({ memory: true });
  server = await serving(ledger);
  const job = (name: string, facets: Record<string, unknown> = {}) => ({ namespace: 'food_delivery', name, facets });
  await send(runEvent(dag, 'START', '', { job: job('snowflake'), run: { runId: dag, facets: { nominalTime: nominal } } }, '2024-11-03T09:00:00.000Z'));
  await send(
    runEvent(task, 'START', '', {
      job: job('snowflake.snowflake_insert', { documentation }),
      run: { runId: task, facets: { nominalTime: nominal, airflow: airflowFacet, parent: facet('ParentRunFacet', { run: { runId: dag }, job: { namespace: 'food_delivery', name: 'snowflake' } }) } },
      inputs: [{ ...dataset('RAW.ORDERS', SF), inputFacets: { dataQualityMetrics: quality } }],
      outputs: [{ ...dataset('SANDBOX.OPENLINEAGE.TEST_ORDERS', SF), outputFacets: { outputStatistics: statistics } }],
    }, '2024-11-03T09:00:01.000Z'),
  );
  afterStart = ledger.head.seq;
  // Airflow's COMPLETE carries empty facets: what START sent stays.
  await send(runEvent(task, 'COMPLETE', '', { job: job('snowflake.snowflake_insert'), run: { runId: task, facets: {} } }, '2024-11-03T09:00:09.000Z'));
});
test.after(async () => {
  await server.close();
  await ledger.close();
});

test('a job list carries its latest runs with the run facets producers sent, and the job facets, as Marquez\'s FACETS panel reads them', async () => {
  const { jobs } = await read('/api/v1/namespaces/food_delivery/jobs');
  const insert = jobs.find((j: { name: string }) => j.name === 'snowflake.snowflake_insert');
  assert.deepEqual(insert.latestRun.facets.airflow, airflowFacet);
  assert.deepEqual(insert.latestRuns[0].facets.nominalTime, nominal);
  assert.deepEqual(insert.facets.documentation, documentation);
  assert.equal(insert.description, documentation.description);
  assert.equal(insert.parentJobName, 'snowflake');
  const all = await read('/api/v1/jobs');
  assert.deepEqual(all.jobs.find((j: { name: string }) => j.name === 'snowflake.snowflake_insert').latestRun.facets.parent.run.runId, dag);
});

test('a run, alone or in its job\'s list, has its nominal times and facets; its datasets carry the input and output facets of that run', async () => {
  const run = await read(`/api/v1/jobs/runs/${task}`);
  assert.equal(run.nominalStartTime, nominal.nominalStartTime);
  assert.equal(run.nominalEndTime, nominal.nominalEndTime);
  assert.deepEqual(run.facets.airflow, airflowFacet);
  assert.deepEqual(run.inputDatasetVersions[0].facets.dataQualityMetrics, quality);
  assert.deepEqual(run.outputDatasetVersions[0].facets.outputStatistics, statistics);
  const { runs } = await read(`/api/v1/namespaces/food_delivery/jobs/${enc('snowflake.snowflake_insert')}/runs`);
  assert.deepEqual(runs[0].facets, run.facets);
  assert.deepEqual((await read(`/api/v1/namespaces/food_delivery/jobs/${enc('snowflake.snowflake_insert')}`)).latestRun, run);
});

test('a snapshot before the run ended shows it running, with the facets it had then', async () => {
  const job = await read(`/api/v1/namespaces/food_delivery/jobs/${enc('snowflake.snowflake_insert')}?asOf=${afterStart}`);
  assert.deepEqual(job.latestRun.facets.airflow, airflowFacet);
  assert.equal(job.latestRun.state, 'RUNNING');
  assert.equal((await read(`/api/v1/jobs/runs/${task}`)).state, 'COMPLETED');
});

test('an ABORTed run is ABORTED, as Marquez shows it; an end stamped before its start has no negative duration', async () => {
  const flink = newRunId();
  const skewed = newRunId();
  const job = { namespace: 'flink_job_namespace', name: 'flink_examples_stateful' };
  await send(runEvent(flink, 'START', '', { job }, '2024-09-10T12:00:00.000Z'));
  await send(runEvent(flink, 'ABORT', '', { job }, '2024-09-10T12:02:00.000Z'));
  await send(runEvent(skewed, 'COMPLETE', 'flink_skewed', {}, '2024-09-10T12:03:20.000Z'));
  await send(runEvent(skewed, 'START', 'flink_skewed', {}, '2024-09-10T12:03:22.000Z'));
  assert.equal((await read(`/api/v1/jobs/runs/${flink}`)).state, 'ABORTED');
  const skew = await read(`/api/v1/jobs/runs/${skewed}`);
  assert.ok(skew.endedAt < skew.startedAt, 'stored as given');
  assert.equal(skew.durationMs, null);
  const failed = await read(`/api/v1/jobs?lastRunStates=ABORTED`);
  assert.deepEqual(failed.jobs.map((j: { name: string }) => j.name), ['flink_examples_stateful']);
});

test('a JobEvent\'s declared datasets and facets are its job\'s; a DatasetEvent\'s documentation and lifecycle state are its dataset\'s', async () => {
  const owners = facet('OwnershipJobFacet', { owners: [{ name: 'data-team' }] });
  const eventTime = '2024-12-01T00:00:00.000Z';
  const JOB = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent';
  const DS = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent';
  await send({ eventTime, producer: P, schemaURL: JOB, job: { namespace: 'static', name: 'declared_job', facets: { ownership: owners } }, inputs: [dataset('RAW.ORDERS', SF)], outputs: [dataset('REPORT', SF)] });
  await send({ eventTime, producer: P, schemaURL: DS, dataset: { ...dataset('REPORT', SF), facets: { documentation: facet('DocumentationDatasetFacet', { description: 'weekly report' }), lifecycleStateChange: facet('LifecycleStateChangeDatasetFacet', { lifecycleStateChange: 'CREATE' }) } } });
  const job = await read('/api/v1/namespaces/static/jobs/declared_job');
  assert.deepEqual(job.inputs, [{ namespace: SF, name: 'RAW.ORDERS' }]);
  assert.deepEqual(job.outputs, [{ namespace: SF, name: 'REPORT' }]);
  assert.deepEqual(job.facets.ownership, owners);
  const report = await read(`/api/v1/namespaces/${enc(SF)}/datasets/REPORT`);
  assert.equal(report.description, 'weekly report');
  assert.equal(report.lastLifecycleState, 'CREATE');
});

test('a table written by its path with a Hive symlink is found by its Hive name too, in the dataset API and in lineage', async () => {
  const run = newRunId();
  const symlinks = facet('SymlinksDatasetFacet', { identifiers: [{ name: 'default.test', namespace: 'hive://metastore', type: 'TABLE' }] });
  await send(runEvent(run, 'COMPLETE', 'symlinks.execute_insert', { outputs: [{ ...dataset('/tmp/warehouse/test', 'file'), facets: { symlinks } }] }));
  const byHive = await read(`/api/v1/namespaces/${enc('hive://metastore')}/datasets/default.test`);
  assert.deepEqual(byHive.id, { namespace: 'file', name: '/tmp/warehouse/test' });
  assert.deepEqual(byHive.facets.symlinks, symlinks);
  const { graph } = await read(`/api/v1/lineage?nodeId=${enc('dataset:hive://metastore:default.test')}`);
  assert.deepEqual(graph.map((n: { id: string }) => n.id).sort(), ['dataset:file:/tmp/warehouse/test', 'job:tests:symlinks.execute_insert']);
  const versions = await read(`/api/v1/namespaces/${enc('hive://metastore')}/datasets/default.test/versions`);
  assert.equal(versions.totalCount, 1);
});

test('an event sent again to a restarted server is answered 201, as the first time and as Marquez answers, with or without an Idempotency-Key', async () => {
  const tmp = tempDir();
  try {
    const db = join(tmp.dir, 'ledger');
    const event = runEvent(newRunId(), 'COMPLETE', 'again', { outputs: [dataset('again.csv')] });
    const key = { 'idempotency-key': newRunId() };
    let folder = await open(db);
    let s = await serving(folder);
    assert.equal((await post(`${s.url}/api/v1/lineage`, event, { headers: key })).status, 201);
    await s.close();
    await folder.close();
    folder = await open(db);
    s = await serving(folder);
    try {
      const counts = () => [folder.select(Run).count(), folder.select(File).count()];
      const before = counts();
      for (const headers of [key, {}]) {
        const again = await post(`${s.url}/api/v1/lineage`, event, { headers });
        assert.equal(again.status, 201);
        assert.equal((again.body as { appended: number }).appended, 0);
      }
      // (Each receipt is logged as an import record; the lineage is unchanged.)
      assert.deepEqual(counts(), before);
    } finally {
      await s.close();
      await folder.close();
    }
  } finally {
    tmp.cleanup();
  }
});

test.run();
