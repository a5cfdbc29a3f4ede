import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { suite } from 'uvu';
import { File, importOpenLineage, Run, toOpenLineage, Transform, type Ledger, type ServerOptions } from 'lineage-ledger';
import { backends } from '../helpers.js';
import { dataset, get, newRunId, post, runEvent, serving, type Serving } from '../support/serve.js';

type ServeOptions = Omit<ServerOptions, 'ledger'>;
type Body = (ledger: Ledger, server: Serving) => Promise<void>;

for (const backend of backends()) {
  const test = suite(`OpenLineage receiver (${backend.name})`);
  test.after(() => backend.cleanup());
  /** Runs `fn` with a fresh ledger served on loopback, and stops both after. */
  const withServer = async (...args: [ServeOptions, Body] | [Body]) => {
    const [options, fn] = args.length === 2 ? args : [{}, args[0]];
    const ledger = await backend.fresh();
    const server = await serving(ledger, options);
    try {
      await fn(ledger, server);
    } finally {
      await server.close();
      await ledger.close();
    }
  };

  test('a RunEvent posted to /api/v1/lineage is in the ledger when the server answers 201', () =>
    withServer(async (ledger, server) => {
      const id = newRunId();
      const res = await post(`${server.url}/api/v1/lineage`, runEvent(id, 'START', 'etl', { inputs: [dataset('raw.csv')], outputs: [dataset('clean.csv')] }));
      assert.equal(res.status, 201);
      const run = ledger.select(Run).one();
      assert.equal(run.transform.name, 'etl');
      assert.deepEqual(run.inputs.map((f) => f.name), ['raw.csv']);
      assert.deepEqual(run.outputs.map((f) => f.name), ['clean.csv']);
      assert.equal((res.body as { seq: number }).seq, ledger.head.seq);
    }));

  test('events of one run merge whatever their order, and posting them again adds no lineage', () =>
    withServer(async (ledger, server) => {
      const id = newRunId();
      const complete = runEvent(id, 'COMPLETE', 'etl', { outputs: [dataset('out.parquet')] }, '2026-01-01T10:05:00Z');
      const start = runEvent(id, 'START', 'etl', { inputs: [dataset('in.parquet')] }, '2026-01-01T10:00:00Z');
      assert.equal((await post(`${server.url}/api/v1/lineage`, complete)).status, 201);
      assert.equal((await post(`${server.url}/api/v1/lineage`, start)).status, 201);
      const counts = () => [ledger.select(Transform).count(), ledger.select(Run).count(), ledger.select(File).count()];
      const before = counts();
      for (const e of [start, complete]) {
        const again = await post(`${server.url}/api/v1/lineage`, e);
        assert.equal(again.status, 201);
        assert.equal((again.body as { appended: number }).appended, 0);
      }
      assert.deepEqual(counts(), before);
      const run = ledger.select(Run).one();
      assert.equal(run.status, 'completed');
      // (Its start time is the earliest event the first import saw: a later import adds edges and the end, not an earlier start.)
      assert.deepEqual(run.inputs.map((f) => f.name), ['in.parquet']);
      assert.deepEqual(run.outputs.map((f) => f.name), ['out.parquet']);
    }));

  test('a gzipped body (Content-Encoding: gzip) is taken like a plain one', () =>
    withServer(async (ledger, server) => {
      const res = await post(`${server.url}/api/v1/lineage`, runEvent(newRunId(), 'START', 'zipped'), { gzip: true });
      assert.equal(res.status, 201);
      assert.equal(ledger.select(Transform).one().name, 'zipped');
    }));

  test('events with large facets, plain, gzipped or indented, are recorded as the import records them: every facet back, and importing them again adds nothing', () =>
    withServer(async (ledger, server) => {
      const plan = (n: number) => ({ _producer: 'https://example.org/spark', _schemaURL: 'https://example.org/plan.json', plan: Array.from({ length: 400 }, (_, i) => ({ class: 'Project', id: i, name: `c${i}é${n}`, nullable: i % 2 === 0 })) });
      const events = [0, 1, 2].map((n) => runEvent(newRunId(), 'COMPLETE', `plan${n}`, { run: undefined, outputs: [{ ...dataset(`t${n}`), facets: { schema: plan(n) } }] }, '2026-01-01T00:00:00.000Z'));
      for (const [i, e] of events.entries()) e.run = { runId: newRunId(), facets: { 'spark.logicalPlan': plan(i) } };
      const options = [{}, { gzip: true }, { raw: JSON.stringify(events[2], null, 2) }];
      for (const [i, e] of events.entries()) assert.equal((await post(`${server.url}/api/v1/lineage`, e, options[i])).status, 201);
      const exported = await toOpenLineage(ledger);
      assert.deepEqual(exported, events);
      const again = await importOpenLineage(ledger, events);
      assert.equal(again.duplicates, 3);
      assert.equal(again.appended, 0);
    }));

  test('invalid events get 400 with the validation message, and nothing is written', () =>
    withServer(async (ledger, server) => {
      const url = `${server.url}/api/v1/lineage`;
      const good = runEvent(newRunId(), 'START', 'etl');
      const cases: [unknown, RegExp][] = [
        [{ ...good, eventTime: undefined }, /eventTime/],
        [{ ...good, run: { runId: 'not-a-uuid' } }, /runId|uuid|format/],
        [{ ...good, eventType: 'EXPLODED' }, /eventType|allowed/],
        [{ ...good, job: { namespace: 'x'.repeat(2000), name: 'j' } }, /namespace|1024|long/],
        [[good], /one OpenLineage event/],
        ['a string', /one OpenLineage event/],
      ];
      for (const [body, message] of cases) {
        const res = await post(url, body);
        assert.equal(res.status, 400, JSON.stringify(res.body));
        const b = res.body as { code: string; message: string };
        assert.ok(['INVALID_EVENT', 'IMPORT_INVALID'].includes(b.code), b.code);
        assert.match(b.message, message);
      }
      const notJson = await post(url, undefined, { raw: '{"eventType": ' });
      assert.equal(notJson.status, 400);
      assert.equal((notJson.body as { code: string }).code, 'BAD_REQUEST');
      assert.equal(ledger.head.seq, 0);
    }));

  test('standard facets are validated against their own schemas: each kind of invalid one is 400 INVALID_FACET naming the event and the facet, and nothing of it is written', () =>
    withServer(async (ledger, server) => {
      const url = `${server.url}/api/v1/lineage`;
      const base = { _producer: 'https://example.org/producer', _schemaURL: 'https://example.org/schema.json' };
      const id = newRunId();
      const cases: [Record<string, unknown>, RegExp][] = [
        [runEvent(id, 'START', 'etl', { run: { runId: id, facets: { parent: { ...base, job: { namespace: 'tests', name: 'dag' } } } } }), /\/run\/facets\/parent must have required property 'run' \(standard facet ParentRunFacet/],
        [runEvent(id, 'START', 'etl', { run: { runId: id, facets: { parent: { ...base, run: { runId: 'not-a-uuid' }, job: { namespace: 'tests', name: 'dag' } } } } }), /\/run\/facets\/parent\/run\/runId must match format "uuid"/],
        [runEvent(id, 'FAIL', 'etl', { run: { runId: id, facets: { errorMessage: { ...base, message: 42, programmingLanguage: 'python' } } } }), /\/run\/facets\/errorMessage\/message must be string/],
        [runEvent(id, 'START', 'etl', { job: { namespace: 'tests', name: 'etl', facets: { jobType: { ...base, integration: 'SPARK', jobType: 'QUERY' } } } }), /\/job\/facets\/jobType must have required property 'processingType'/],
        [runEvent(id, 'START', 'etl', { inputs: [{ ...dataset('raw'), facets: { schema: { ...base, fields: 'id int' } } }] }), /\/inputs\/0\/facets\/schema\/fields must be array/],
        [runEvent(id, 'COMPLETE', 'etl', { outputs: [{ ...dataset('out'), facets: { columnLineage: { ...base, fields: { id: { inputFields: [{ namespace: 's3://lake', name: 'raw' }] } } } } }] }), /\/outputs\/0\/facets\/columnLineage\/fields\/id\/inputFields\/0 must have required property 'field'/],
        [{ eventTime: new Date().toISOString(), producer: base._producer, schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent', dataset: { ...dataset('raw'), facets: { lifecycleStateChange: { ...base, lifecycleStateChange: 'EXPLODED' } } } }, /DatasetEvent of dataset s3:\/\/lake\/raw: \/dataset\/facets\/lifecycleStateChange\/lifecycleStateChange must be equal to one of the allowed values/],
        [{ eventTime: new Date().toISOString(), producer: base._producer, schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent', job: { namespace: 'tests', name: 'etl', facets: { documentation: { ...base } } } }, /JobEvent of job tests\/etl: \/job\/facets\/documentation must have required property 'description'/],
      ];
      for (const [body, message] of cases) {
        const res = await post(url, body);
        assert.equal(res.status, 400, JSON.stringify(res.body));
        const b = res.body as { code: string; message: string };
        assert.equal(b.code, 'INVALID_FACET');
        assert.match(b.message, message);
        if (body.run) assert.match(b.message, new RegExp(`RunEvent ${id} of job tests/etl`));
      }
      assert.equal(ledger.head.seq, 0);
    }));

  test('valid standard facets, deleted ones, custom facets of any shape and dataset facets sent as input or output facets are all recorded', () =>
    withServer(async (ledger, server) => {
      const base = { _producer: 'https://example.org/producer', _schemaURL: 'https://example.org/schema.json' };
      const parentId = newRunId();
      const id = newRunId();
      const schema = { ...base, fields: [{ name: 'id', type: 'int' }, { name: 'address', type: 'struct', fields: [{ name: 'city', type: 'string' }] }] };
      const event = runEvent(id, 'COMPLETE', 'etl', {
        run: { runId: id, facets: { parent: { ...base, run: { runId: parentId }, job: { namespace: 'tests', name: 'dag' } }, myOwn: { ...base, parent: 'not a run' } } },
        job: { namespace: 'tests', name: 'etl', facets: { jobType: { ...base, processingType: 'BATCH', integration: 'DBT', jobType: 'MODEL' }, documentation: { ...base, _deleted: true } } },
        inputs: [{ ...dataset('raw'), facets: { schema }, inputFacets: { schema: { ...base, fields: 'a custom input facet that shares a name' } } }],
        outputs: [{ ...dataset('out'), facets: { schema, lifecycleStateChange: { ...base, _deleted: true } } }],
      });
      const res = await post(`${server.url}/api/v1/lineage`, event);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const run = ledger.select(Run).all().find((r) => r.transform.name === 'etl')!;
      assert.deepEqual(run.inputs.map((f) => f.name), ['raw']);
      assert.equal(run.parent?.transform.name, 'dag');
      assert.deepEqual(await toOpenLineage(ledger).then((all) => all.find((e) => (e.run as { runId?: string } | undefined)?.runId === id)), event);
    }));

  test('posted at once, valid events go in together and an invalid one among them is refused alone', () =>
    withServer(async (ledger, server) => {
      const url = `${server.url}/api/v1/lineage`;
      const valid = Array.from({ length: 24 }, (_, i) => runEvent(newRunId(), 'START', `job-${i % 3}`, { outputs: [dataset(`out-${i}`)] }));
      // Valid OpenLineage, but a name longer than the ledger's limit: the import refuses it.
      const tooLong = runEvent(newRunId(), 'START', 'x'.repeat(5000));
      const answers = await Promise.all([...valid.slice(0, 12), tooLong, ...valid.slice(12)].map((e) => post(url, e)));
      assert.deepEqual(answers.map((a) => a.status), [...Array(12).fill(201), 400, ...Array(12).fill(201)]);
      assert.match((answers[12]!.body as { message: string }).message, /job name/);
      assert.equal(ledger.select(Run).count(), 24);
      assert.equal(ledger.select(Transform).count(), 3);
    }));

  test('a DatasetEvent and a JobEvent are recorded like an import: the dataset\'s facets, the job\'s declared inputs and outputs; the same event again adds nothing', () =>
    withServer(async (ledger, server) => {
      const base = { eventTime: new Date().toISOString(), producer: 'https://example.org/p' };
      const STATIC = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/';
      const schema = { _producer: base.producer, _schemaURL: `${STATIC}SchemaDatasetFacet`, fields: [{ name: 'id', type: 'INTEGER' }] };
      const dsEvent = { ...base, schemaURL: `${STATIC}DatasetEvent`, dataset: { ...dataset('table'), facets: { schema } } };
      const jobEvent = { ...base, schemaURL: `${STATIC}JobEvent`, job: { namespace: 'n', name: 'j' }, inputs: [dataset('table')], outputs: [dataset('report')] };
      for (const e of [dsEvent, jobEvent]) {
        const res = await post(`${server.url}/api/v1/lineage`, e);
        assert.equal(res.status, 201, JSON.stringify(res.body));
        assert.equal((res.body as { recorded: boolean }).recorded, true);
      }
      const table = ledger.select(File, { name: dsEvent.dataset.name }).one();
      assert.deepEqual((await table.facets).schema, schema);
      const declared = await ledger.select(Transform, { name: 'j' }).one().declared;
      assert.deepEqual([declared.inputs.map((f) => f.name), declared.outputs.map((f) => f.name)], [[dsEvent.dataset.name], [jobEvent.outputs[0]!.name]]);
      const again = await post(`${server.url}/api/v1/lineage`, jobEvent);
      assert.equal(again.status, 201, JSON.stringify(again.body));
      // As for a RunEvent posted again: the import is recorded, no lineage is added.
      assert.equal((again.body as { appended: number }).appended, 0, 'the same JobEvent again is a duplicate');
    }));

  test('bodies beyond the limit get 413, gzip bombs included, and nothing is written', () =>
    withServer({ bodyLimit: 64 * 1024, inflatedLimit: 256 * 1024 }, async (ledger, server) => {
      const url = `${server.url}/api/v1/lineage`;
      const big = runEvent(newRunId(), 'START', 'etl', { inputs: Array.from({ length: 2000 }, (_, i) => dataset(`file-${i}-${'x'.repeat(40)}`)) });
      const plain = await post(url, big);
      assert.equal(plain.status, 413);
      assert.equal((plain.body as { code: string }).code, 'BODY_TOO_LARGE');
      // 64 MiB of zeros compress to about 64 KiB: under the wire limit, far over the inflated one.
      const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20), { level: 9 });
      assert.ok(bomb.length < 64 * 1024);
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: bomb });
      assert.equal(res.status, 413);
      assert.equal(((await res.json()) as { code: string }).code, 'BODY_TOO_LARGE');
      const brotli = await post(url, runEvent(newRunId(), 'START', 'etl'), { headers: { 'content-encoding': 'br' } });
      assert.equal(brotli.status, 415);
      assert.equal(ledger.head.seq, 0);
    }));

  test('with a token, requests without it or with a wrong one get 401 JSON, and the right one passes', () =>
    withServer({ token: 's3cret-token' }, async (ledger, server) => {
      const url = `${server.url}/api/v1/lineage`;
      const e = runEvent(newRunId(), 'START', 'etl');
      for (const token of [undefined, 'wrong', 's3cret-token-and-more', 's3cret-toke']) {
        const res = await post(url, e, { token });
        assert.equal(res.status, 401);
        assert.equal((res.body as { code: string }).code, 'UNAUTHORIZED');
        assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
      }
      assert.equal((await get(`${server.url}/api/v1/namespaces`)).status, 401);
      assert.equal((await get(`${server.url}/no/such/route`)).status, 401);
      assert.equal(ledger.head.seq, 0);
      assert.equal((await post(url, e, { token: 's3cret-token' })).status, 201);
      assert.equal((await get(`${server.url}/api/v1/namespaces`, 's3cret-token')).status, 200);
    }));

  test('a read-only server answers writes with 403 READ_ONLY', () =>
    withServer({ readOnly: true }, async (ledger, server) => {
      const res = await post(`${server.url}/api/v1/lineage`, runEvent(newRunId(), 'START', 'etl'));
      assert.equal(res.status, 403);
      assert.equal((res.body as { code: string }).code, 'READ_ONLY');
      assert.equal(ledger.head.seq, 0);
    }));

  test.run();
}
