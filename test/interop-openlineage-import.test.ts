import assert from 'node:assert/strict';
import fc from 'fast-check';
import { suite } from 'uvu';
import { File, importOpenLineage, isLineageError, open, Run, toJsonl, toOpenLineage, Transform, type Ledger, type OpenLineageRunEvent } from 'lineage-ledger';
import { byNames, demoLedger } from './interop-demo.js';
import { interopFiles, readInterop } from './interop-schemas.js';
import { workload } from './interop-workload.js';

const test = suite('OpenLineage import');

const P = 'https://example.org/producer';
const U1 = '0190d6a2-1111-7000-8000-000000000001';
const U2 = '0190d6a2-2222-7000-8000-000000000002';
const U3 = '0190d6a2-3333-7000-8000-000000000003';
const ds = (name: string, version?: string) => ({
  namespace: 's3://lake',
  name,
  ...(version ? { facets: { version: { _producer: P, _schemaURL: 'https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json', datasetVersion: version } } } : {}),
});
function ev(runId: string, eventType: string, eventTime: string, job: string, extra: Record<string, unknown> = {}) {
  return { eventTime, eventType, producer: P, schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent', run: { runId }, job: { namespace: 'airflow', name: job }, ...extra };
}

/** Everything the ledger knows, by names and OpenLineage-derived ids, to compare two ledgers. */
function state(ln: Ledger) {
  return {
    transforms: ln.select(Transform).all().map((t) => `${t.id} ${t.name} v${t.version} ${t.type}`).sort(),
    runs: ln.select(Run).all().map((r) => `${r.id} ${r.transform.id} ${r.status} ${r.startedAt?.toISOString()} ${r.finishedAt?.toISOString()} ${r.error ?? ''} parent=${r.parent?.id ?? ''} in=${r.inputs.map((f) => f.id).sort()} out=${r.outputs.map((f) => f.id).sort()}`).sort(),
    files: ln.select(File).all().map((f) => `${f.id} ${f.name} ${f.size ?? ''} by=${f.run?.id ?? ''}`).sort(),
  };
}

test('the demo, exported and imported into an empty ledger, gives output.bam the same lineage graph', async () => {
  const { ledger, bam } = await demoLedger();
  const copy = await open({ memory: true });
  try {
    const events = await toOpenLineage(ledger);
    const report = await importOpenLineage(copy, toJsonl(events));
    assert.deepEqual(report.skipped, []);
    const bam2 = copy.select(File, { name: 'output.bam' }).one();
    for (const direction of ['upstream', 'downstream', 'both'] as const) {
      assert.deepEqual(byNames(copy.lineage(bam2, { direction })), byNames(ledger.lineage(bam, { direction })), direction);
    }
    assert.equal(bam2.run!.transform.version, '7');
    assert.equal(bam2.run!.status, 'completed');
    assert.equal(bam2.size, bam.size);
    // Exported again, the imported lineage is the same jobs, runs and datasets.
    const key = (e: OpenLineageRunEvent) => JSON.stringify([e.eventType, e.eventTime, e.run.runId, e.job.namespace, e.job.name, e.inputs?.map((d) => [d.namespace, d.name, d.facets?.version?.datasetVersion]), e.outputs?.map((d) => [d.namespace, d.name, d.facets?.version?.datasetVersion])]);
    assert.deepEqual((await toOpenLineage(copy)).map(key), events.map(key));
  } finally {
    await ledger.close();
    await copy.close();
  }
});

test('generated workloads round-trip: every file has the same lineage graph after export and import', async () => {
  for (const seed of [21, 22]) {
    const src = await open({ memory: true });
    const copy = await open({ memory: true });
    try {
      await workload(src, seed, 16);
      await importOpenLineage(copy, toJsonl(await toOpenLineage(src)));
      const files = src.select(File).all();
      assert.equal(copy.select(File).count(), files.length);
      for (const f of files) {
        const g = copy.select(File, { name: f.name }).one();
        assert.deepEqual(byNames(copy.lineage(g, { direction: 'both' })), byNames(src.lineage(f, { direction: 'both' })), `seed ${seed}: ${f.name}`);
      }
      const statuses = (ln: Ledger) => ln.select(Run).all().map((r) => `${r.name ?? r.transform.name} ${r.status} ${r.error ?? ''} ${r.params ? JSON.stringify(r.params) : ''}`).sort();
      assert.deepEqual(statuses(copy), statuses(src));
    } finally {
      await src.close();
      await copy.close();
    }
  }
});

test('events of one run merge whatever their order: COMPLETE before START, inputs only on START', async () => {
  const ln = await open({ memory: true });
  try {
    const lines = [
      ev(U1, 'COMPLETE', '2024-05-01T10:05:00Z', 'etl.load', { outputs: [ds('orders_clean')] }),
      ev(U2, 'START', '2024-05-01T11:00:00.123456Z', 'report', { inputs: [ds('orders_clean')] }),
      ev(U1, 'START', '2024-05-01T10:00:00Z', 'etl.load', { inputs: [ds('orders_raw')] }),
      ev(U2, 'FAIL', '2024-05-01T11:01:00Z', 'report', { run: { runId: U2, facets: { errorMessage: { _producer: P, _schemaURL: 'https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json', message: 'OOM', programmingLanguage: 'python' } } } }),
    ];
    const report = await importOpenLineage(ln, lines.map((l) => JSON.stringify(l)).join('\n'));
    assert.equal(report.events, 4);
    assert.equal(report.runs, 2);
    const load = ln.select(Run).join(File, { name: 'orders_clean' }).one();
    assert.equal(load.transform.name, 'etl.load');
    assert.equal(load.status, 'completed');
    assert.equal(load.startedAt!.toISOString(), '2024-05-01T10:00:00.000Z');
    assert.equal(load.finishedAt!.toISOString(), '2024-05-01T10:05:00.000Z');
    assert.deepEqual(load.inputs.map((f) => f.name), ['orders_raw']);
    const rep = ln.select(Run).join(File, { name: 'orders_clean' }, { via: 'inputs' }).one();
    assert.equal(rep.status, 'failed');
    assert.equal(rep.error, 'OOM');
    const g = byNames(ln.lineage(ln.select(File, { name: 'orders_raw' }).one(), { direction: 'downstream' }));
    assert.ok(g.edges.includes('file:orders_clean -input-> run:report'));
  } finally {
    await ln.close();
  }
});

test('importing the same events again, in any order and with repeats, changes nothing but recording the import', async () => {
  const src = await open({ memory: true });
  await workload(src, 7, 16);
  const events = await toOpenLineage(src);
  await src.close();
  const first = await open({ memory: true });
  await importOpenLineage(first, events);
  const expected = state(first);
  await fc.assert(
    fc.asyncProperty(fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }), fc.array(fc.nat(events.length - 1), { maxLength: 5 }), async (shuffled, repeats) => {
      const ln = await open({ memory: true });
      try {
        await importOpenLineage(ln, [...shuffled, ...repeats.map((i) => events[i]!)]);
        assert.deepEqual(state(ln), expected);
        const head = ln.head.seq;
        const again = await importOpenLineage(ln, toJsonl([...shuffled].reverse()));
        assert.equal(again.appended, 0);
        assert.deepEqual(again.created, { transforms: 0, runs: 0, files: 0, inputs: 0, outputs: 0, finished: 0, amended: 0 });
        assert.equal(ln.head.seq, head + 1, 'only the import record is appended');
        assert.deepEqual(state(ln), expected);
        assert.equal(ln.stats().eventsByType['openlineage.imported'], 2);
      } finally {
        await ln.close();
      }
    }),
    { numRuns: 12 },
  );
  await first.close();
});

test('a run that ends in a later import is finished then; one that ended is not changed by a later different end', async () => {
  const ln = await open({ memory: true });
  try {
    await importOpenLineage(ln, [ev(U1, 'START', '2024-01-01T00:00:00Z', 'job')]);
    assert.equal(ln.select(Run).one().status, 'started');
    await importOpenLineage(ln, [ev(U1, 'COMPLETE', '2024-01-01T00:01:00Z', 'job', { outputs: [ds('out')] })]);
    const run = ln.select(Run).one();
    assert.equal(run.status, 'completed');
    assert.deepEqual(run.outputs.map((f) => f.name), ['out']);
    await importOpenLineage(ln, [ev(U1, 'FAIL', '2024-01-01T00:02:00Z', 'job')]);
    assert.equal(ln.select(Run).one().status, 'completed');
  } finally {
    await ln.close();
  }
});

test('invalid lines are reported with their line number and skipped; the valid ones are imported', async () => {
  const ln = await open({ memory: true });
  try {
    const text = [
      JSON.stringify(ev(U1, 'START', '2024-01-01T00:00:00Z', 'ok', { inputs: [ds('in')] })),
      '{not json',
      '',
      JSON.stringify(ev('not-a-uuid', 'START', '2024-01-01T00:00:00Z', 'bad')),
      JSON.stringify({ ...ev(U2, 'START', '2024-01-01T00:00:00Z', 'bad'), job: { namespace: 'x' } }),
      JSON.stringify(ev(U3, 'START', 'yesterday', 'bad')),
      JSON.stringify(ev(U1, 'COMPLETE', '2024-01-01T00:00:09Z', 'ok')),
      JSON.stringify(ev(U3, 'START', '+010000-01-01T00:00:00Z', 'far')),
      JSON.stringify({ eventTime: '2024-01-01T00:00:00Z', producer: P, schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent', job: { namespace: 'n', name: 'j' } }),
    ].join('\r\n');
    const report = await importOpenLineage(ln, text, { source: 'mixed.jsonl' });
    assert.deepEqual(report.skipped.map((s) => s.line), [2, 4, 5, 6, 8]);
    assert.match(report.skipped[0]!.message, /not JSON/);
    assert.match(report.skipped[1]!.message, /runId.*uuid/);
    assert.match(report.skipped[2]!.message, /name/);
    assert.match(report.skipped[3]!.message, /eventTime.*date-time/);
    assert.equal(report.events, 2);
    assert.equal(report.staticEvents, 1, 'a valid JobEvent is read and recorded');
    assert.equal(report.ignored, 0);
    assert.equal(ln.select(Run).one().status, 'completed');
  } finally {
    await ln.close();
  }
});

test('--strict rejects the whole import when one line is invalid, and writes nothing', async () => {
  const ln = await open({ memory: true });
  try {
    await ln.run(new Transform({ name: 'mine' }), async () => {});
    const head = ln.head;
    const text = [JSON.stringify(ev(U1, 'START', '2024-01-01T00:00:00Z', 'ok')), JSON.stringify(ev(U2, 'START', '2024-01-01T00:00:00Z', ''.padEnd(2000, 'x')))].join('\n');
    await assert.rejects(importOpenLineage(ln, text, { strict: true }), (err: unknown) => isLineageError(err, 'IMPORT_INVALID') && /line 2/.test((err as Error).message));
    assert.deepEqual(ln.head, head);
    assert.equal(ln.select(Run).count(), 1);
  } finally {
    await ln.close();
  }
});

test('a standard facet that fails its own schema is listed with INVALID_FACET and nothing of its event is written; custom facets are not checked; --strict rejects the whole import', async () => {
  const ln = await open({ memory: true });
  try {
    const base = { _producer: P, _schemaURL: 'https://example.org/facet.json' };
    const badSchema = { ...ds('orders'), facets: { schema: { ...base, fields: [{ type: 'int' }] } } };
    const text = [
      JSON.stringify(ev(U1, 'START', '2024-01-01T00:00:00Z', 'ok', { run: { runId: U1, facets: { custom: { ...base, fields: 'anything' } } }, inputs: [ds('in')] })),
      JSON.stringify(ev(U2, 'COMPLETE', '2024-01-01T00:00:00Z', 'bad', { outputs: [badSchema] })),
      JSON.stringify(ev(U3, 'START', '2024-01-01T00:00:00Z', 'orphan', { run: { runId: U3, facets: { parent: { ...base, run: { runId: U2 }, job: { namespace: 'airflow' } } } } })),
    ].join('\n');
    await assert.rejects(importOpenLineage(ln, text, { strict: true }), (err: unknown) => isLineageError(err, 'IMPORT_INVALID') && /line 2: RunEvent .*\/outputs\/0\/facets\/schema/.test((err as Error).message));
    assert.equal(ln.head.seq, 0);
    const report = await importOpenLineage(ln, text, { source: 'facets.jsonl' });
    assert.deepEqual(report.skipped.map((s) => [s.line, s.code]), [[2, 'INVALID_FACET'], [3, 'INVALID_FACET']]);
    assert.equal(report.skipped[0]!.message, `RunEvent ${U2} of job airflow/bad: /outputs/0/facets/schema/fields/0 must have required property 'name' (standard facet SchemaDatasetFacet 1-2-0)`);
    assert.match(report.skipped[1]!.message, /\/run\/facets\/parent\/job must have required property 'name' \(standard facet ParentRunFacet 1-2-0\)/);
    assert.deepEqual(ln.select(Transform).all().map((t) => t.name), ['ok']);
    assert.deepEqual(ln.select(File).all().map((f) => f.name), ['in']);
  } finally {
    await ln.close();
  }
});

test('the RunEvent samples of the OpenLineage repository import without error, and so do the facet samples inside a run event', async () => {
  const ln = await open({ memory: true });
  try {
    const full = readInterop('openlineage', 'examples', 'example_full_event.json');
    const r1 = await importOpenLineage(ln, [full], { source: 'example_full_event.json' });
    assert.deepEqual(r1.skipped, []);
    assert.equal(r1.events, 1);
    const run = ln.select(Run).one();
    assert.equal(run.transform.name, 'dbt');
    assert.equal(run.status, 'completed');

    // Each facet sample where it belongs: run, job or dataset facets.
    const facet = (f: string) => readInterop('openlineage', 'examples', f);
    const names = interopFiles('openlineage', 'examples').filter((f) => /Facet-\d+\.json$/.test(f));
    assert.ok(names.length >= 9);
    const where = (f: string) => (/RunFacet/.test(f) ? 'run' : /JobFacet/.test(f) ? 'job' : 'dataset');
    const parentUuid = 'f99310b4-3c3c-1a1a-2b2b-c1b95c24ff11';
    const events: object[] = [ev(parentUuid, 'START', '2020-01-01T03:00:00Z', 'my_dag')];
    for (const f of names) {
      const u = `0190d6a2-0000-7000-8000-${String(events.length).padStart(12, '0')}`;
      const facets = facet(f);
      const e = ev(u, /ErrorMessage/.test(f) ? 'FAIL' : 'COMPLETE', '2020-01-01T04:00:00Z', `task_${f}`, {
        run: { runId: u, facets: where(f) === 'run' ? facets : {} },
        outputs: [{ namespace: 'warehouse', name: `table_${f}`, facets: where(f) === 'dataset' ? facets : {} }],
      }) as { job: { facets?: object } };
      if (where(f) === 'job') e.job.facets = facets;
      events.push(e);
    }
    const r2 = await importOpenLineage(ln, events);
    assert.deepEqual(r2.skipped, []);
    assert.equal(r2.created.runs, names.length + 1);
    const failed = ln.select(Run, { status: 'failed' }).one();
    assert.equal(failed.error, 'failed');
    const children = ln.select(Run).all().filter((r) => r.parent !== undefined);
    assert.equal(children.length, 2, 'both ParentRunFacet samples name the imported parent run');
    assert.equal(children[0]!.parent!.transform.name, 'my_dag');
  } finally {
    await ln.close();
  }
});

test('imported datasets have no stored content: load() says so with CONTENT_MISSING', async () => {
  const ln = await open({ memory: true });
  try {
    await importOpenLineage(ln, [ev(U1, 'COMPLETE', '2024-01-01T00:00:00Z', 'j', { outputs: [ds('data.parquet', 'v3')] })]);
    const f = ln.select(File).one();
    assert.equal(f.name, 'data.parquet');
    assert.equal(f.suffix, '.parquet');
    assert.equal(f.storageKey, undefined);
    await assert.rejects(f.load(), (err: unknown) => isLineageError(err, 'CONTENT_MISSING'));
    // Adding real content later is not confused with the imported record.
    await ln.run(new Transform({ name: 'local' }), async () => {
      const added = await ln.add(new File(Buffer.from('parquet bytes'), { name: 'data.parquet' }));
      assert.notEqual(added.id, f.id);
      assert.ok((await added.load()).length > 0);
    });
  } finally {
    await ln.close();
  }
});

test('dataset identity: versions make distinct files; a run reading and writing the same dataset reads and writes it; ABORT ends a run as failed', async () => {
  const ln = await open({ memory: true });
  try {
    await importOpenLineage(ln, [
      ev(U1, 'COMPLETE', '2024-01-01T00:00:00Z', 'a', { outputs: [ds('t', '1')] }),
      ev(U2, 'COMPLETE', '2024-01-01T00:01:00Z', 'b', { inputs: [ds('t', '1'), ds('u')], outputs: [ds('t', '2'), ds('u')] }),
      ev(U3, 'ABORT', '2024-01-01T00:02:00Z', 'c', { inputs: [ds('t', '2')] }),
    ]);
    assert.equal(ln.select(File, { name: 't' }).count(), 2);
    const b = ln.select(Run).join(Transform, { name: 'b' }).one();
    assert.deepEqual(b.inputs.map((f) => f.name), ['t', 'u']);
    assert.deepEqual(b.outputs.map((f) => f.name).sort(), ['t', 'u']);
    const c = ln.select(Run).join(Transform, { name: 'c' }).one();
    assert.equal(c.status, 'failed');
    assert.match(c.error!, /ABORT/);
  } finally {
    await ln.close();
  }
});

test('a run naming itself or a run that names it back as parent is imported without a cycle', async () => {
  const parent = (u: string) => ({ parent: { _producer: P, _schemaURL: 'https://openlineage.io/spec/facets/1-2-0/ParentRunFacet.json', run: { runId: u }, job: { namespace: 'airflow', name: 'x' } } });
  const ln = await open({ memory: true });
  try {
    await importOpenLineage(ln, [
      ev(U1, 'START', '2024-01-01T00:00:00Z', 'self', { run: { runId: U1, facets: parent(U1) } }),
      ev(U2, 'START', '2024-01-01T00:00:00Z', 'a', { run: { runId: U2, facets: parent(U3) } }),
      ev(U3, 'START', '2024-01-01T00:00:00Z', 'b', { run: { runId: U3, facets: parent(U2) } }),
    ]);
    assert.equal(ln.select(Run).count(), 3);
    assert.equal(ln.select(Run).join(Transform, { name: 'self' }).one().parent, undefined);
    // Of two runs that name each other, the one started first has no parent (it did not exist yet).
    assert.equal(ln.select(Run).all().filter((r) => r.parent !== undefined).length, 1);
  } finally {
    await ln.close();
  }
});

test('imported lineage survives a reopen of an on-disk ledger', async () => {
  const { tempDir } = await import('./helpers.js');
  const tmp = tempDir();
  try {
    const { ledger } = await demoLedger();
    const events = await toOpenLineage(ledger);
    await ledger.close();
    let ln = await open(`${tmp.dir}/l`);
    await importOpenLineage(ln, events);
    const before = state(ln);
    await ln.close();
    ln = await open(`${tmp.dir}/l`);
    assert.deepEqual(state(ln), before);
    assert.equal((await importOpenLineage(ln, events)).appended, 0);
    assert.deepEqual((await toOpenLineage(ln)).map((e) => e.run.runId), events.map((e) => e.run.runId));
    await ln.close();
  } finally {
    tmp.cleanup();
  }
});

test('runs that start in the same millisecond keep the order they were written in', async () => {
  const { ledger } = await demoLedger();
  const events = await toOpenLineage(ledger);
  await ledger.close();
  // The same instant for every event, written newest run first: only the order of the lines can
  // tell the runs apart (their UUIDv7 ids sort the other way).
  const same = [...events].reverse().map((e) => ({ ...e, eventTime: events[0]!.eventTime }));
  const ln = await open({ memory: true });
  try {
    await importOpenLineage(ln, same);
    const starts = (await toOpenLineage(ln)).filter((e) => e.eventType === 'START').map((e) => e.run.runId);
    assert.deepEqual(starts, [...new Set(same.map((e) => e.run.runId))]);
  } finally {
    await ln.close();
  }
});

test('concurrent imports of the same events create each record once', async () => {
  const { ledger } = await demoLedger();
  const events = await toOpenLineage(ledger);
  await ledger.close();
  const ln = await open({ memory: true });
  try {
    const reports = await Promise.all([importOpenLineage(ln, events), importOpenLineage(ln, events), importOpenLineage(ln, [...events].reverse())]);
    assert.deepEqual(reports.map((r) => r.created.runs).sort(), [0, 0, 3]);
    assert.equal(ln.select(Run).count(), 3);
    assert.equal(ln.select(File).count(), 3);
  } finally {
    await ln.close();
  }
});

test('bad arguments are coded errors', async () => {
  const ln = await open({ memory: true });
  try {
    await assert.rejects(importOpenLineage(ln, 42 as never), (e: unknown) => isLineageError(e, 'INVALID_ARGUMENT'));
    await assert.rejects(importOpenLineage({} as never, ''), (e: unknown) => isLineageError(e, 'INVALID_ARGUMENT'));
    const empty = await importOpenLineage(ln, '');
    assert.equal(empty.events, 0);
  } finally {
    await ln.close();
  }
});

test.run();
