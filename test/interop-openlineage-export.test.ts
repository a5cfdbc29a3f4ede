import assert from 'node:assert/strict';
import { suite } from 'uvu';
import { File, open, Run, toJsonl, toOpenLineage, Transform, type OpenLineageRunEvent } from 'lineage-ledger';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPENLINEAGE_SPEC_ID, openLineageSchemas } from '../lib/interop/openlineage-schemas.js';
import { demoLedger } from './interop-demo.js';
import { INTEROP, interopFiles, readInterop, runEventErrors } from './interop-schemas.js';
import { workload } from './interop-workload.js';

const test = suite('OpenLineage export');

function assertValid(events: OpenLineageRunEvent[]): void {
  assert.ok(events.length > 0, 'there are events to check');
  for (const e of events) assert.deepEqual(runEventErrors(e), [], `${e.eventType} of ${e.job.name} validates`);
}

test('the one vendored copy of the spec is upstream 2-0-2, unmodified, and the library loads it and every facet schema by $id', () => {
  const bytes = readFileSync(join(INTEROP, 'openlineage', 'OpenLineage.json'));
  assert.equal(createHash('sha256').update(bytes).digest('hex'), '69f68bee00b9beac88a87059c0102410e7bb05f3f43c46d02a0409831eceb0d2');
  const schemas = openLineageSchemas();
  assert.deepEqual(schemas.get(OPENLINEAGE_SPEC_ID), JSON.parse(bytes.toString('utf8')));
  const facets = interopFiles('openlineage', 'facets').map((f) => readInterop('openlineage', 'facets', f));
  assert.equal(schemas.size, facets.length + 1);
  for (const f of facets) assert.deepEqual(schemas.get(f.$id), f, f.$id);
  // One copy for every caller, frozen all the way down.
  assert.equal(openLineageSchemas().get(OPENLINEAGE_SPEC_ID), schemas.get(OPENLINEAGE_SPEC_ID));
  assert.throws(() => {
    (schemas.get(OPENLINEAGE_SPEC_ID)!.$defs as { RunEvent: { type: string } }).RunEvent.type = 'array';
  }, TypeError);
});

test('every event of the demo ledger validates against OpenLineage 2-0-2 and the schema of each facet it uses', async () => {
  const { ledger } = await demoLedger();
  try {
    assertValid(await toOpenLineage(ledger));
  } finally {
    await ledger.close();
  }
});

test('each finished run of the demo is one START and one COMPLETE, with its transform as job and its files as datasets', async () => {
  const { ledger, bam } = await demoLedger();
  try {
    const events = await toOpenLineage(ledger);
    const runs = ledger.select(Run).all();
    assert.equal(events.length, 2 * runs.length);
    const ns = `lineage-ledger.${ledger.info.ledgerId}`;
    const producer = bam.run!;
    const mine = events.filter((e) => e.job.name === 'Cell Ranger');
    assert.deepEqual(mine.map((e) => e.eventType), ['START', 'COMPLETE']);
    assert.equal(mine[0]!.run.runId, mine[1]!.run.runId);
    assert.deepEqual(mine[1]!.job.namespace, ns);
    assert.equal(mine[1]!.job.facets!.lineageLedger_transform!.version, '7');
    assert.equal(mine[1]!.job.facets!.jobType!.jobType, 'PIPELINE');
    assert.deepEqual(mine[1]!.inputs!.map((d) => [d.namespace, d.name]), [[ns, 'input.fastq.gz']]);
    assert.deepEqual(mine[1]!.outputs!.map((d) => d.name), ['output.bam']);
    const out = mine[1]!.outputs![0]!;
    assert.equal(out.facets!.version!.datasetVersion, bam.hash, 'the dataset version is the content hash');
    assert.equal(out.facets!.storage!.fileFormat, 'bam');
    assert.equal(out.facets!.lineageLedger_file!.size, bam.size);
    assert.equal(mine[0]!.eventTime, producer.startedAt!.toISOString());
    assert.equal(mine[1]!.eventTime, producer.finishedAt!.toISOString());
    // The script transform points at its source file, versioned by its hash.
    const script = events.find((e) => e.job.facets!.lineageLedger_transform!.type === 'script')!;
    assert.match(String(script.job.facets!.sourceCodeLocation!.url), /^file:\/\/.*walkthrough\.js$/);
    assert.match(String(script.job.facets!.sourceCodeLocation!.version), /^[0-9a-f]{64}$/);
    // Events come in time order.
    const times = events.map((e) => Date.parse(e.eventTime));
    assert.deepEqual(times, [...times].sort((a, b) => a - b));
  } finally {
    await ledger.close();
  }
});

test('a run id is a UUIDv7 carrying the start time, the same on every export and after a reopen', async () => {
  const { tempDir } = await import('./helpers.js');
  const tmp = tempDir();
  try {
    let ln = await open(`${tmp.dir}/l`);
    await ln.run(new Transform({ name: 'p' }), async () => {});
    const first = (await toOpenLineage(ln))[0]!.run.runId;
    const started = ln.select(Run).one().startedAt!;
    assert.match(first, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(parseInt(first.replace(/-/g, '').slice(0, 12), 16), started.getTime());
    assert.equal((await toOpenLineage(ln))[0]!.run.runId, first);
    await ln.close();
    ln = await open(`${tmp.dir}/l`);
    assert.equal((await toOpenLineage(ln))[1]!.run.runId, first);
    await ln.close();
  } finally {
    tmp.cleanup();
  }
});

test('an open run is a START only, carrying what it wrote so far; a failed run is a FAIL with its error message', async () => {
  const ln = await open({ memory: true });
  try {
    await ln.run(new Transform({ name: 'bad' }), async () => {
      throw new Error('disk full');
    }).catch(() => {});
    await ln.track(new Transform({ name: 'open' }));
    await ln.add(new File(Buffer.from('x'), { name: 'x.csv' }));
    const events = await toOpenLineage(ln);
    assertValid(events);
    const bad = events.filter((e) => e.job.name === 'bad');
    assert.deepEqual(bad.map((e) => e.eventType), ['START', 'FAIL']);
    assert.equal(bad[1]!.run.facets!.errorMessage!.message, 'disk full');
    assert.equal(bad[1]!.run.facets!.errorMessage!.programmingLanguage, 'JavaScript');
    const open_ = events.filter((e) => e.job.name === 'open');
    assert.deepEqual(open_.map((e) => e.eventType), ['START']);
    assert.deepEqual(open_[0]!.outputs!.map((d) => d.name), ['x.csv']);
  } finally {
    await ln.close();
  }
});

test('a nested run names its parent run and job; a file re-created by another run is an output of that run too', async () => {
  const ln = await open({ memory: true });
  try {
    await ln.run(new Transform({ name: 'outer' }), async () => {
      await ln.add(new File(Buffer.from('same'), { name: 'a.txt' }));
      await ln.run(new Transform({ name: 'inner' }), async () => {
        await ln.add(new File(Buffer.from('same'), { name: 'b.txt' }));
      });
    });
    const events = await toOpenLineage(ln, { namespace: 'lab' });
    assertValid(events);
    const outer = events.find((e) => e.job.name === 'outer' && e.eventType === 'COMPLETE')!;
    const inner = events.find((e) => e.job.name === 'inner' && e.eventType === 'COMPLETE')!;
    assert.deepEqual(inner.run.facets!.parent!.run, { runId: outer.run.runId });
    assert.deepEqual(inner.run.facets!.parent!.job, { namespace: 'lab', name: 'outer' });
    assert.equal(outer.job.namespace, 'lab');
    assert.deepEqual(inner.outputs!.map((d) => d.name), ['a.txt'], 'the re-creating run outputs the existing file');
    assert.deepEqual(outer.outputs!.map((d) => d.name), ['a.txt']);
  } finally {
    await ln.close();
  }
});

test('every event of generated workloads validates, with one START and at most one end per run', async () => {
  for (const seed of [1, 2, 3]) {
    const ln = await open({ memory: true });
    try {
      await workload(ln, seed);
      const events = await toOpenLineage(ln);
      assertValid(events);
      const runs = ln.select(Run).all();
      const byRun = new Map<string, string[]>();
      for (const e of events) byRun.set(e.run.runId, [...(byRun.get(e.run.runId) ?? []), e.eventType]);
      const shapes = [...byRun.values()].map((types) => types.join(' ')).sort();
      const expected = runs.map((r) => (r.status === 'started' ? 'START' : r.status === 'completed' ? 'START COMPLETE' : 'START FAIL')).sort();
      assert.deepEqual(shapes, expected, `seed ${seed}: each run is START then its end`);
      assert.equal(new Set(events.map((e) => e.run.runId)).size, runs.length, 'one runId per run');
      const lines = toJsonl(events).split('\n');
      assert.equal(lines.pop(), '', 'JSONL ends with a newline');
      assert.deepEqual(lines.map((l) => JSON.parse(l)), events);
    } finally {
      await ln.close();
    }
  }
});

test('a snapshot exports the ledger as it was', async () => {
  const ln = await open({ memory: true });
  try {
    await ln.run(new Transform({ name: 'first' }), async () => {});
    const snap = ln.session();
    await ln.run(new Transform({ name: 'second' }), async () => {});
    assert.deepEqual((await toOpenLineage(snap)).map((e) => e.job.name), ['first', 'first']);
    assert.equal((await toOpenLineage(ln)).length, 4);
  } finally {
    await ln.close();
  }
});

test.run();
