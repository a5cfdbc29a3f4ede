import assert from 'node:assert/strict';
import { join } from 'node:path';
import { suite } from 'uvu';
import { tempDir } from '../helpers.js';
import { lineage } from './run-cli.js';

const test = suite('CLI: facets, child runs and column lineage of imported OpenLineage events');
const FIXTURES = join(new URL('../../../', import.meta.url).pathname, 'fixtures', 'interop', 'integrations');

test('show prints the facet summary, the parent run and children; graph --column draws column lineage', () => {
  const { dir, cleanup } = tempDir();
  try {
    const db = join(dir, 'l');
    for (const f of ['dbt-bigquery.jsonl', 'airflow-postgres.jsonl', 'flink-kafka.jsonl']) assert.equal(lineage(['--db', db, 'import', join(FIXTURES, f)]).status, 0);
    const model = lineage(['--db', db, 'show', 'random-gcp-project.dbt_test1.test_first_dbt_model']);
    assert.equal(model.status, 0);
    assert.match(model.stdout, /schema\s+id: INT64 {2}\(The primary key for this table\)/);
    assert.match(model.stdout, /column lineage\s+amount ← random-gcp-project\.dbt_test1\.raw_orders\.amount/);
    const json = JSON.parse(lineage(['--db', db, 'show', 'random-gcp-project.dbt_test1.test_first_dbt_model', '--json']).stdout);
    assert.equal(json.facets.dataSource.uri, 'bigquery');
    const task = lineage(['--db', db, 'show', 'postgres_orders_popular_day_of_week.postgres_insert']);
    assert.match(task.stdout, /sql\s+INSERT INTO popular_orders_day_of_week/);
    assert.match(task.stdout, /documentation\s+Determines the popular day of week orders are placed\./);
    const dagRun = JSON.parse(lineage(['--db', db, 'show', 'postgres_orders_popular_day_of_week', '--json']).stdout).relations.runs[0].id;
    const dag = lineage(['--db', db, 'show', dagRun]);
    assert.match(dag.stdout, /child runs\s+run olr_/);
    assert.match(dag.stdout, /error message\s+task postgres_report failed/);
    assert.match(lineage(['--db', db, 'show', 'flink_examples_stateful']).stdout, /clock skew: its end is stamped 2\.0 s before its start/);
    const col = lineage(['--db', db, 'graph', 'random-gcp-project.dbt_test1.test_first_dbt_model', '--column', 'amount']);
    assert.equal(col.status, 0);
    assert.match(col.stdout, /← random-gcp-project\.dbt_test1\.raw_orders\.status {2}\[INDIRECT\/FILTER\]/);
    assert.equal(lineage(['--db', db, 'graph', 'random-gcp-project.dbt_test1.test_first_dbt_model', '--column', 'nope']).status, 1);
  } finally {
    cleanup();
  }
});

test('show lists what a job\'s JobEvent declared it reads and writes, and --json gives them as relations', () => {
  const { dir, cleanup } = tempDir();
  try {
    const db = join(dir, 'l');
    assert.equal(lineage(['--db', db, 'import', join(FIXTURES, 'python-client.jsonl')]).status, 0);
    const job = lineage(['--db', db, 'show', 'myjob.mytask']);
    assert.equal(job.status, 0, job.stderr);
    assert.match(job.stdout, /declared inputs\s+instance\.schema\.table {2}\(file olf_/);
    assert.match(job.stdout, /declared outputs\s+instance\.schema\.table {2}\(file olf_/);
    const json = JSON.parse(lineage(['--db', db, 'show', 'myjob.mytask', '--json']).stdout);
    assert.deepEqual(json.relations.declared.inputs.map((r: { name: string }) => r.name), ['instance.schema.table']);
    assert.deepEqual(json.relations.declared.outputs.map((r: { kind: string }) => r.kind), ['file']);
  } finally {
    cleanup();
  }
});

test.run();
