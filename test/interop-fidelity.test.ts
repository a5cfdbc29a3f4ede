import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import stringify from 'fast-json-stable-stringify';
import { suite } from 'uvu';
import { File, importOpenLineage, isLineageError, open, openLineageStaticEvents, Run, toOpenLineage, Transform, type Ledger } from 'lineage-ledger';
import { checkOpenLineage } from '../lib/interop/openlineage-validate.js';
import { tempDir } from './helpers.js';

const test = suite('OpenLineage fidelity');

const DIR = join(new URL('../../', import.meta.url).pathname, 'fixtures', 'interop', 'integrations');
const FIXTURES = readdirSync(DIR).filter((f) => f.endsWith('.jsonl')).sort();
const read = (name: string): any[] => readFileSync(join(DIR, name), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

/** Everything the ledger exports (run events, then job and dataset events), as canonical JSON, sorted. */
async function exported(ln: Ledger): Promise<string[]> {
  const out: string[] = [];
  for (const e of await toOpenLineage(ln)) out.push(stringify(e));
  for await (const e of openLineageStaticEvents(ln)) out.push(stringify(e));
  return out.sort();
}

const P = 'https://example.org/producer';
const RUN_EVENT = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
const U = (n: number) => `0190d6a2-0000-7000-8000-${String(n).padStart(12, '0')}`;
const facet = (fields: Record<string, unknown>) => ({ _producer: P, _schemaURL: 'https://example.org/facet.json', ...fields });
function ev(runId: string, eventType: string, eventTime: string, job: string, extra: Record<string, unknown> = {}) {
  return { eventTime, eventType, producer: P, schemaURL: RUN_EVENT, run: { runId }, job: { namespace: 'ns', name: job }, ...extra };
}

for (const name of FIXTURES) {
  test(`${name}: imported, then exported, gives back every event with every facet, valid against 2-0-2`, async () => {
    const events = read(name);
    const ln = await open({ memory: true });
    try {
      const report = await importOpenLineage(ln, events, { strict: true });
      assert.deepEqual(report.conflicts, []);
      const back = await exported(ln);
      assert.deepEqual(back, events.map((e) => stringify(e)).sort());
      for (const e of back) assert.notEqual(checkOpenLineage(JSON.parse(e)).kind, 'invalid', e.slice(0, 200));
    } finally {
      await ln.close();
    }
  });
}

test('run, job and dataset facets are readable on records, merged by name with the latest winning', async () => {
  const events = read('spark.jsonl');
  const ln = await open({ memory: true });
  try {
    await importOpenLineage(ln, events);
    const run = ln.select(Run).join(Transform, { name: 'jobName.execute_insert_into' }).one();
    const facets = await run.facets;
    assert.deepEqual(facets['spark.logicalPlan'], events[2].run.facets['spark.logicalPlan']);
    assert.deepEqual(facets.processing_engine, events[1].run.facets.processing_engine);
    assert.deepEqual((await run.transform.facets).sql, events[3].job.facets.sql);
    const output = ln.select(File, { name: 'output' }).one();
    assert.deepEqual((await output.facets).columnLineage, events[3].outputs[0].facets.columnLineage);
    const byRun = await output.facetsByRun();
    assert.equal(byRun.length, 1);
    assert.equal(byRun[0]!.role, 'output');
    assert.equal(byRun[0]!.runId, run.id);
    assert.deepEqual(byRun[0]!.roleFacets, events[3].outputs[0].outputFacets);
    // A record of another ledger's entity, or one without facets, resolves to no facets.
    assert.deepEqual(await run.parent!.transform.facets, { jobType: events[0].job.facets.jobType });
  } finally {
    await ln.close();
  }
});

test('a large facet (a Spark logical plan) is kept out of the event: stored once, content-addressed, and the event stays small', async () => {
  const events = read('spark.jsonl');
  const ln = await open({ memory: true });
  try {
    await importOpenLineage(ln, events);
    const recorded = [];
    for await (const e of ln.events({ types: ['openlineage.event'] })) recorded.push(e);
    const running = recorded.find((e) => (e.data as any).event.eventType === 'RUNNING')!;
    const data = running.data as any;
    assert.equal(data.event.run.facets['spark.logicalPlan'], null);
    assert.equal(data.blobs.length, 1);
    assert.equal(data.blobs[0].at, '/run/facets/spark.logicalPlan');
    assert.ok(JSON.stringify(data).length < 16 * 1024, `the recorded event is ${JSON.stringify(data).length} B`);
    assert.ok(data.blobs[0].bytes > 100_000);
  } finally {
    await ln.close();
  }
});

test('facets of a dataset are versioned by the run that wrote them: asOf shows the schema the table had then', async () => {
  const schema = (...cols: string[]) => ({ schema: facet({ fields: cols.map((name) => ({ name, type: 'string' })) }) });
  const ln = await open({ memory: true });
  try {
    await importOpenLineage(ln, [ev(U(1), 'COMPLETE', '2024-01-01T00:00:00Z', 'a', { outputs: [{ namespace: 'db', name: 't', facets: schema('id') }] })]);
    const then = ln.head.seq;
    await importOpenLineage(ln, [ev(U(2), 'COMPLETE', '2024-01-02T00:00:00Z', 'b', { outputs: [{ namespace: 'db', name: 't', facets: schema('id', 'email') }] })]);
    const now = ln.select(File, { name: 't' }).one();
    assert.deepEqual(((await now.facets).schema as any).fields.map((f: any) => f.name), ['id', 'email']);
    const old = ln.asOf(then).select(File, { name: 't' }).one();
    assert.deepEqual(((await old.facets).schema as any).fields.map((f: any) => f.name), ['id']);
    assert.deepEqual((await now.facetsByRun()).map((d) => d.runId), [ln.select(Run).all()[0]!.id, ln.select(Run).all()[1]!.id]);
  } finally {
    await ln.close();
  }
});

test('facets survive a checkpoint: a reopened ledger reads them as before', async () => {
  const { dir, cleanup } = tempDir();
  try {
    let ln = await open(join(dir, 'l'));
    await importOpenLineage(ln, read('spark.jsonl'));
    const before = await (ln.select(File, { name: 'output' }).one().facets);
    await (ln as unknown as { checkpoint(): Promise<void> }).checkpoint();
    await ln.close();
    ln = await open(join(dir, 'l'));
    try {
      assert.equal((ln as unknown as { loadReport: { from: number } }).loadReport.from, ln.head.seq);
      assert.deepEqual(await ln.select(File, { name: 'output' }).one().facets, before);
      const run = ln.select(Run).join(Transform, { name: 'jobName.execute_insert_into' }).one();
      assert.ok((await run.facets)['spark.logicalPlan']);
    } finally {
      await ln.close();
    }
  } finally {
    cleanup();
  }
});

test('the parent facet links runs: a parent seen only through its children is a placeholder that its own events fill in', async () => {
  const events = read('airflow-postgres.jsonl');
  const ln = await open({ memory: true });
  try {
    // The tasks first: their DAG run is not known yet.
    await importOpenLineage(ln, events.slice(0, 4));
    const dag = ln.select(Run).join(Transform, { name: 'postgres_orders_popular_day_of_week' }).one();
    assert.equal(dag.status, 'started');
    assert.deepEqual(dag.children.map((r) => r.transform.name).sort(), ['postgres_orders_popular_day_of_week.postgres_if_not_exists', 'postgres_orders_popular_day_of_week.postgres_insert']);
    // Then the DAG run's own events.
    const report = await importOpenLineage(ln, events.slice(4));
    assert.deepEqual(report.conflicts, []);
    assert.equal(ln.select(Run).count(), 3);
    const filled = ln.select(Run, { id: dag.id }).one();
    assert.equal(filled.status, 'failed');
    assert.match(filled.error!, /relation "report" does not exist/);
    assert.equal(filled.children.length, 2);
    assert.ok((await filled.facets).airflow);
    for (const child of filled.children) assert.equal(child.parent!.id, dag.id);
  } finally {
    await ln.close();
  }
});

test('a dataset that a run reads and writes is its input and its output; lineage traversal ends', async () => {
  const ln = await open({ memory: true });
  try {
    await importOpenLineage(ln, read('python-client.jsonl'));
    const table = ln.select(File, { name: 'instance.schema.table' }).one();
    const run = ln.select(Run).join(Transform, { name: 'myjob.mytask' }).one();
    assert.deepEqual(run.inputs.map((f) => f.id), [table.id]);
    assert.deepEqual(run.outputs.map((f) => f.id), [table.id]);
    for (const direction of ['upstream', 'downstream', 'both'] as const) {
      const g = ln.lineage(table, { direction });
      assert.equal(new Set(g.nodes.map((n) => n.id)).size, g.nodes.length, 'each node once');
      assert.ok(g.edges.some((e) => e.type === 'input' && e.from === table.id && e.to === run.id), direction);
      assert.ok(g.edges.some((e) => e.type === 'output' && e.from === run.id && e.to === table.id), direction);
    }
    // Native load() keeps lamindb's rule: a file a run created is not its input.
    await ln.run(new Transform({ name: 'native' }), async () => {
      const f = await ln.add(new File(Buffer.from('x'), { name: 'x.txt' }));
      await f.load({ isRunInput: true });
      assert.equal(f.inputOf.length, 0);
    });
  } finally {
    await ln.close();
  }
});

test('a runId reused by another job is refused with RUN_JOB_CONFLICT naming both jobs, never merged', async () => {
  const ln = await open({ memory: true });
  try {
    await importOpenLineage(ln, [ev(U(1), 'START', '2024-01-01T00:00:00Z', 'first')]);
    const head = ln.head;
    // Alone (as the HTTP receiver sends it): an error, and nothing written.
    await assert.rejects(importOpenLineage(ln, [ev(U(1), 'COMPLETE', '2024-01-01T00:01:00Z', 'second')]), (err: unknown) => isLineageError(err, 'RUN_JOB_CONFLICT') && /ns\/first/.test((err as Error).message) && /ns\/second/.test((err as Error).message));
    assert.deepEqual(ln.head, head);
    // In a batch with other events: the others are imported, the conflict is listed.
    const report = await importOpenLineage(ln, [ev(U(1), 'COMPLETE', '2024-01-01T00:01:00Z', 'second'), ev(U(2), 'START', '2024-01-01T00:02:00Z', 'third')]);
    assert.deepEqual(report.conflicts, [{ line: 1, runId: U(1), job: 'ns/second', existingJob: 'ns/first' }]);
    assert.equal(ln.select(Run).count(), 2);
    assert.equal(ln.select(Run, { id: `olr_${U(1).replace(/-/g, '')}` }).one().status, 'started');
    // Within one input, the first job wins; strict refuses the whole input.
    const fresh = await open({ memory: true });
    try {
      await assert.rejects(importOpenLineage(fresh, [ev(U(3), 'START', '2024-01-01T00:00:00Z', 'a'), ev(U(3), 'COMPLETE', '2024-01-01T00:01:00Z', 'b')], { strict: true }), (err: unknown) => isLineageError(err, 'RUN_JOB_CONFLICT'));
      assert.equal(fresh.head.seq, 0);
    } finally {
      await fresh.close();
    }
  } finally {
    await ln.close();
  }
});

test('the same events imported twice are recorded once', async () => {
  const ln = await open({ memory: true });
  try {
    const events = [...read('dbt-bigquery.jsonl'), ...read('python-client.jsonl')];
    await importOpenLineage(ln, events);
    const again = await importOpenLineage(ln, events);
    assert.equal(again.appended, 0);
    assert.equal(again.duplicates, events.length);
    assert.equal((await exported(ln)).length, events.length);
  } finally {
    await ln.close();
  }
});

test('an end stamped before its start (clock skew) is stored as given', async () => {
  const ln = await open({ memory: true });
  try {
    await importOpenLineage(ln, read('flink-kafka.jsonl'));
    const run = ln.select(Run).one();
    assert.equal(run.startedAt!.toISOString(), '2024-02-01T08:00:00.000Z');
    assert.equal(run.finishedAt!.toISOString(), '2024-02-01T07:59:58.000Z');
    assert.equal(run.status, 'completed');
  } finally {
    await ln.close();
  }
});

test('JobEvents and DatasetEvents are recorded: their facets are the job\'s and the dataset\'s', async () => {
  const events = read('python-client.jsonl');
  const ln = await open({ memory: true });
  try {
    await importOpenLineage(ln, events);
    const table = ln.select(File, { name: 'instance.schema.table' }).one();
    const facets = await table.facets;
    assert.deepEqual(facets.lifecycleStateChange, events[3].dataset.facets.lifecycleStateChange);
    assert.deepEqual(facets.schema, events[2].outputs[0].facets.schema);
    const job = ln.select(Transform, { name: 'myjob.mytask' }).one();
    assert.deepEqual((await job.facets).ownership, events[0].job.facets.ownership);
    assert.deepEqual((await job.facets).documentation, events[2].job.facets.documentation);
  } finally {
    await ln.close();
  }
});

test('transform.declared: the files the latest JobEvent declared, whatever the runs did; an older snapshot shows the older declaration', async () => {
  const JOB_EVENT = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent';
  const declare = (eventTime: string, inputs: string[], outputs: string[]) => ({
    eventTime,
    producer: P,
    schemaURL: JOB_EVENT,
    job: { namespace: 'ns', name: 'nightly' },
    inputs: inputs.map((name) => ({ namespace: 'db', name })),
    outputs: outputs.map((name) => ({ namespace: 'db', name })),
  });
  const ln = await open({ memory: true });
  try {
    await importOpenLineage(ln, [declare('2024-01-01T00:00:00Z', ['orders', 'customers'], ['report'])]);
    const first = ln.seq;
    // A run of the job reads something it never declared: the declaration stays the JobEvent's.
    await importOpenLineage(ln, [ev(U(1), 'COMPLETE', '2024-01-02T00:00:00Z', 'nightly', { inputs: [{ namespace: 'db', name: 'scratch' }] })]);
    await importOpenLineage(ln, [declare('2024-01-03T00:00:00Z', ['orders'], ['report', 'summary'])]);
    const names = async (t: Transform) => {
      const d = await t.declared;
      return { inputs: d.inputs.map((f) => f.name), outputs: d.outputs.map((f) => f.name) };
    };
    assert.deepEqual(await names(ln.select(Transform, { name: 'nightly' }).one()), { inputs: ['orders'], outputs: ['report', 'summary'] });
    assert.deepEqual(await names(ln.asOf(first).select(Transform, { name: 'nightly' }).one()), { inputs: ['orders', 'customers'], outputs: ['report'] });
    const job = ln.select(Transform, { name: 'nightly' }).one();
    assert.deepEqual(job.runs[0]!.inputs.map((f) => f.name), ['scratch']);
    await importOpenLineage(ln, [ev(U(2), 'COMPLETE', '2024-01-04T00:00:00Z', 'undeclared')]);
    assert.deepEqual(await names(ln.select(Transform, { name: 'undeclared' }).one()), { inputs: [], outputs: [] });
    assert.deepEqual(await new Transform({ name: 'unsaved' }).declared, { inputs: [], outputs: [] });
  } finally {
    await ln.close();
  }
});

test('a dataset with symlinks is one file, found by either name, whichever name later events use', async () => {
  const ln = await open({ memory: true });
  try {
    await importOpenLineage(ln, read('spark.jsonl'));
    const byPath = ln.select(File, { name: 'input' }).one();
    assert.equal(ln.select(File, { name: 'default.input' }).one().id, byPath.id);
    // A Hive job names the table, not the path: the same file, now read by that job too.
    await importOpenLineage(ln, [ev(U(9), 'COMPLETE', '2024-01-01T00:00:00Z', 'hive-report', { inputs: [{ namespace: 'hive://metastore:9083', name: 'default.input' }] })]);
    assert.equal(ln.select(File).count(), 2);
    assert.deepEqual(byPath.inputOf.map((r) => r.transform.name).sort(), ['hive-report', 'jobName.execute_insert_into']);
  } finally {
    await ln.close();
  }
});

test('a table named by its symlink first, and by its path later, is one file too', async () => {
  const ln = await open({ memory: true });
  try {
    await importOpenLineage(ln, [ev(U(1), 'COMPLETE', '2024-01-01T00:00:00Z', 'hive', { outputs: [{ namespace: 'hive://m', name: 'db.t' }] })]);
    const symlinks = facet({ identifiers: [{ namespace: 'hive://m', name: 'db.t', type: 'TABLE' }] });
    await importOpenLineage(ln, [ev(U(2), 'COMPLETE', '2024-01-01T00:01:00Z', 'spark', { inputs: [{ namespace: 's3://b', name: '/warehouse/db/t', facets: { symlinks } }] })]);
    assert.equal(ln.select(File).count(), 1);
    assert.equal(ln.select(File, { name: '/warehouse/db/t' }).one().name, 'db.t');
  } finally {
    await ln.close();
  }
});

test('column lineage answers which upstream columns a column came from, through which transformations, and what came from it', async () => {
  const ln = await open({ memory: true });
  try {
    await importOpenLineage(ln, read('dbt-bigquery.jsonl'));
    const model = ln.select(File, { name: 'random-gcp-project.dbt_test1.test_first_dbt_model' }).one();
    const raw = ln.select(File, { name: 'random-gcp-project.dbt_test1.raw_orders' }).one();
    const up = await ln.columnLineage(model, 'amount', { direction: 'upstream' });
    assert.deepEqual(up.nodes.map((n) => `${n.dataset}.${n.column}@${n.depth}`).sort(), ['random-gcp-project.dbt_test1.raw_orders.amount@1', 'random-gcp-project.dbt_test1.raw_orders.status@1', 'random-gcp-project.dbt_test1.test_first_dbt_model.amount@0']);
    const status = up.edges.find((e) => e.from === `${raw.id}#status`)!;
    assert.deepEqual(status.transformations, [{ type: 'INDIRECT', subtype: 'FILTER', description: '', masking: false }]);
    const down = await ln.columnLineage(raw, 'id', { direction: 'downstream' });
    assert.deepEqual(down.nodes.map((n) => n.id), [`${raw.id}#id`, `${model.id}#id`]);
    // A chain: a second model derives from the first; depth cuts it.
    const cl = facet({ fields: { total: { inputFields: [{ namespace: 'bigquery', name: model.name, field: 'amount', transformations: [{ type: 'DIRECT', subtype: 'AGGREGATION' }] }] } } });
    await importOpenLineage(ln, [ev(U(7), 'COMPLETE', '2024-03-02T00:00:00Z', 'agg', { inputs: [{ namespace: 'bigquery', name: model.name }], outputs: [{ namespace: 'bigquery', name: 'agg', facets: { columnLineage: cl } }] })]);
    const agg = ln.select(File, { name: 'agg' }).one();
    assert.equal((await ln.columnLineage(agg, 'total')).nodes.length, 4);
    const cut = await ln.columnLineage(agg, 'total', { depth: 1 });
    assert.equal(cut.nodes.length, 2);
    assert.equal(cut.truncated, true);
    // A snapshot before the second model does not see it.
    const before = ln.asOf(ln.head.seq - 5);
    assert.equal((await before.columnLineage(before.select(File, { id: raw.id }).one(), 'amount', { direction: 'downstream' })).nodes.length, 2);
    await assert.rejects(ln.columnLineage(agg, ''), (err: unknown) => isLineageError(err, 'INVALID_ARGUMENT'));
  } finally {
    await ln.close();
  }
});

const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.boolean(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string(), fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(fc.string({ minLength: 1 }), tie('value'), { maxKeys: 4 })),
})).value;
const facets = fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.dictionary(fc.string({ minLength: 1 }), json, { maxKeys: 4 }).map((f) => facet(f)), { maxKeys: 4 });

test('property: random valid events with random custom facets round-trip unchanged', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.record({ run: facets, job: facets, input: facets, output: facets, big: fc.boolean() }), { minLength: 1, maxLength: 4 }), async (specs) => {
      const events = specs.map((s, i) => {
        const run = s.big ? { ...s.run, plan: facet({ plan: 'x'.repeat(20_000) }) } : s.run;
        return { ...ev(U(i + 1), 'COMPLETE', `2024-01-01T00:0${i}:00Z`, `job${i}`), run: { runId: U(i + 1), facets: run }, job: { namespace: 'ns', name: `job${i}`, facets: s.job }, inputs: [{ namespace: 'db', name: `in${i}`, facets: s.input }], outputs: [{ namespace: 'db', name: `out${i}`, facets: s.output }] };
      });
      const valid = events.filter((e) => checkOpenLineage(e).kind !== 'invalid');
      const ln = await open({ memory: true });
      try {
        await importOpenLineage(ln, valid);
        assert.deepEqual(await exported(ln), valid.map((e) => stringify(e)).sort());
      } finally {
        await ln.close();
      }
    }),
    { numRuns: 40 },
  );
});

test('property: DatasetEvents, JobEvents, and a run that reads and writes one table with inputFacets and outputFacets, round-trip unchanged and valid', async () => {
  const STATIC = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/';
  const spec = fc.record({ dataset: facets, job: facets, declared: facets, input: facets, inputFacets: facets, output: facets, outputFacets: facets, big: fc.boolean() });
  await fc.assert(
    fc.asyncProperty(fc.array(spec, { minLength: 1, maxLength: 3 }), async (specs) => {
      const events = specs.flatMap((s, i) => {
        const table = { namespace: 'db', name: `model_${i}` };
        const output = s.big ? { ...s.outputFacets, stats: facet({ rows: 'x'.repeat(20_000) }) } : s.outputFacets;
        return [
          { eventTime: `2024-01-01T00:0${i}:00Z`, producer: P, schemaURL: `${STATIC}DatasetEvent`, dataset: { ...table, facets: s.dataset } },
          { eventTime: `2024-01-01T00:0${i}:01Z`, producer: P, schemaURL: `${STATIC}JobEvent`, job: { namespace: 'ns', name: `job${i}`, facets: s.job }, inputs: [{ ...table, facets: s.declared }], outputs: [table] },
          // An incremental model: one run reads and writes the same table, each side with its own facets.
          {
            ...ev(U(100 + i), 'COMPLETE', `2024-01-01T00:0${i}:02Z`, `job${i}`),
            inputs: [{ ...table, facets: s.input, inputFacets: s.inputFacets }],
            outputs: [{ ...table, facets: s.output, outputFacets: output }],
          },
        ];
      });
      const valid = events.filter((e) => checkOpenLineage(e).kind !== 'invalid');
      const ln = await open({ memory: true });
      try {
        await importOpenLineage(ln, valid, { strict: true });
        const back = await exported(ln);
        assert.deepEqual(back, valid.map((e) => stringify(e)).sort());
        for (const e of back) assert.notEqual(checkOpenLineage(JSON.parse(e)).kind, 'invalid', e.slice(0, 200));
        // The run that reads and writes its table keeps both edges.
        for (const e of valid.filter((x) => 'run' in x)) {
          const run = ln.select(Run, { id: `olr_${(e as { run: { runId: string } }).run.runId.replace(/-/g, '')}` }).one();
          assert.equal(run.inputs.length, 1);
          assert.deepEqual(run.outputs.map((f) => f.id), run.inputs.map((f) => f.id));
        }
      } finally {
        await ln.close();
      }
    }),
    { numRuns: 30 },
  );
});

test('the OpenLineage spec\'s own examples (the full event and every facet sample, as run, job, dataset, input and output facets) round-trip unchanged and valid', async () => {
  const EXAMPLES = join(new URL('../../', import.meta.url).pathname, 'fixtures', 'interop', 'openlineage', 'examples');
  const sample = (f: string) => JSON.parse(readFileSync(join(EXAMPLES, f), 'utf8')) as Record<string, unknown>;
  const names = readdirSync(EXAMPLES).filter((f) => /Facet-\d+\.json$/.test(f)).sort();
  assert.ok(names.length >= 9);
  const kind = (f: string) => (/RunFacet/.test(f) ? 'run' : /JobFacet/.test(f) ? 'job' : 'dataset');
  // The ParentRunFacet samples name this run: its own events come too, so nothing is a placeholder.
  const parent = 'f99310b4-3c3c-1a1a-2b2b-c1b95c24ff11';
  const events: Record<string, any>[] = [sample('example_full_event.json'), ev(parent, 'START', '2020-01-01T03:00:00Z', 'dbt-job-name'), ev(parent, 'COMPLETE', '2020-01-01T05:00:00Z', 'dbt-job-name')];
  for (const [n, f] of names.entries()) {
    const facets = sample(f);
    const e: Record<string, any> = ev(U(200 + n), /ErrorMessage/.test(f) ? 'FAIL' : 'COMPLETE', '2020-01-01T04:00:00Z', `task_${n}`);
    if (kind(f) === 'run') e.run.facets = facets;
    if (kind(f) === 'job') e.job.facets = facets;
    if (kind(f) === 'dataset') {
      // A dataset facet sample on the table the run reads and writes, and as its input and output facets too (facets are open objects).
      e.inputs = [{ namespace: 'warehouse', name: `table_${n}`, facets, inputFacets: facets }];
      e.outputs = [{ namespace: 'warehouse', name: `table_${n}`, facets, outputFacets: facets }];
    }
    events.push(e);
  }
  for (const e of events) assert.notEqual(checkOpenLineage(e).kind, 'invalid', JSON.stringify(e).slice(0, 200));
  events[1]!.job.namespace = 'dbt';
  events[2]!.job.namespace = 'dbt';
  const ln = await open({ memory: true });
  try {
    const report = await importOpenLineage(ln, events, { strict: true });
    assert.equal(report.events, events.length);
    const back = await exported(ln);
    assert.deepEqual(back, events.map((e) => stringify(e)).sort());
    for (const e of back) assert.notEqual(checkOpenLineage(JSON.parse(e)).kind, 'invalid', e.slice(0, 200));
  } finally {
    await ln.close();
  }
});

test.run();
