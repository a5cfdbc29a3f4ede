import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import { importOpenLineage, recordDetails, Run, Transform, type Ledger } from 'lineage-ledger';
import { backends, tempDir } from './helpers.js';

// A placeholder parent run (known only from its child's `parent` facet) starts at its child's time;
// its own START, when it arrives, records the real start as a `run.amended` event: a new version.

const P = 'https://example.org/producer';
const RUN_EVENT = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
const PARENT = '0190d6a2-0000-7000-8000-00000000aa01';
const CHILD = '0190d6a2-0000-7000-8000-00000000bb02';
const PARENT_ID = `olr_${PARENT.replace(/-/g, '')}`;
const parentFacet = { parent: { _producer: P, _schemaURL: 'https://openlineage.io/spec/facets/1-0-1/ParentRunFacet.json', run: { runId: PARENT }, job: { namespace: 'airflow', name: 'dag' } } };

function ev(runId: string, eventType: string, eventTime: string, job: string, facets?: object) {
  return { eventTime, eventType, producer: P, schemaURL: RUN_EVENT, run: facets ? { runId, facets } : { runId }, job: { namespace: 'airflow', name: job } };
}
const child = [ev(CHILD, 'START', '2024-05-01T10:05:00.000Z', 'dag.task', parentFacet), ev(CHILD, 'COMPLETE', '2024-05-01T10:10:00.000Z', 'dag.task', parentFacet)];
const parent = [ev(PARENT, 'START', '2024-05-01T10:00:00.000Z', 'dag'), ev(PARENT, 'COMPLETE', '2024-05-01T10:20:00.000Z', 'dag')];

const dag = (ln: Pick<Ledger, 'select'>) => ln.select(Run).join(Transform, { name: 'dag' }).one();
const amendments = async (ln: Ledger) => (await ln.history(dag(ln))).filter((e) => e.type === 'run.amended').map((e) => e.data);

for (const backend of backends()) {
  const test = suite(`a placeholder parent's real start on ${backend.name}`);
  test.after(() => backend.cleanup());

  test('child before parent: the placeholder starts at the child\'s time, the parent\'s START amends it; asOf before shows the placeholder', async () => {
    let ln = await backend.fresh();
    try {
      await importOpenLineage(ln, child, { strict: true });
      assert.equal(dag(ln).startedAt!.toISOString(), '2024-05-01T10:05:00.000Z', 'the placeholder has its child\'s time');
      assert.equal(dag(ln).status, 'started');
      const before = ln.seq;
      const report = await importOpenLineage(ln, parent, { strict: true });
      assert.equal(report.created.amended, 1);
      assert.equal(report.created.runs, 0, 'the placeholder is the run: none is added');
      const run = dag(ln);
      assert.equal(run.id, PARENT_ID);
      assert.equal(run.startedAt!.toISOString(), '2024-05-01T10:00:00.000Z');
      assert.equal(run.status, 'completed');
      assert.equal(run.finishedAt!.toISOString(), '2024-05-01T10:20:00.000Z');
      assert.equal(run.children.length, 1);
      const then = ln.asOf(before).select(Run, { id: PARENT_ID }).one();
      assert.equal(then.startedAt!.toISOString(), '2024-05-01T10:05:00.000Z', 'asOf before the amendment shows the placeholder');
      assert.equal(then.status, 'started');
      assert.deepEqual(await amendments(ln), [{ runId: PARENT_ID, startedAt: '2024-05-01T10:00:00.000Z' }]);
      const types = (await ln.history(run)).map((e) => e.type);
      assert.ok(types.indexOf('run.started') < types.indexOf('run.amended') && types.indexOf('run.amended') < types.indexOf('run.finished'), types.join(' '));
      const amendedAt = (await ln.history(run)).find((e) => e.type === 'run.amended')!.seq;
      const between = ln.asOf(amendedAt).select(Run, { id: PARENT_ID }).one();
      assert.equal(between.startedAt!.toISOString(), '2024-05-01T10:00:00.000Z', 'asOf the amendment shows the real start');
      assert.equal(ln.asOf(amendedAt - 1).select(Run, { id: PARENT_ID }).one().startedAt!.toISOString(), '2024-05-01T10:05:00.000Z');

      // The same events again: duplicates, nothing amended twice.
      const again = await importOpenLineage(ln, [...child, ...parent]);
      assert.equal(again.duplicates, 4);
      assert.equal(again.created.amended, 0);
      assert.equal((await amendments(ln)).length, 1);

      if (backend.reopen) {
        await ln.checkpoint();
        await ln.close();
        ln = await backend.reopen();
        assert.ok(ln.loadReport.from > 0, 'opened from the checkpoint');
        assert.equal(dag(ln).startedAt!.toISOString(), '2024-05-01T10:00:00.000Z');
        assert.equal(ln.asOf(before).select(Run, { id: PARENT_ID }).one().startedAt!.toISOString(), '2024-05-01T10:05:00.000Z');
        assert.equal(ln.asOf(amendedAt).select(Run, { id: PARENT_ID }).one().status, 'started', 'the finish came after the amendment');
        assert.deepEqual(await amendments(ln), [{ runId: PARENT_ID, startedAt: '2024-05-01T10:00:00.000Z' }]);
      }
    } finally {
      await ln.close();
    }
  });

  test('a placeholder whose own events name another version of its job moves to that version: the version lists it, the guessed one no longer; asOf before shows the guess', async () => {
    let ln = await backend.fresh();
    try {
      await importOpenLineage(ln, child, { strict: true });
      assert.equal(dag(ln).transform.version, '1', 'a parent facet names no version: the placeholder\'s job is version 1');
      const before = ln.seq;
      const code = { sourceCodeLocation: { _producer: P, _schemaURL: 'https://openlineage.io/spec/facets/1-0-0/SourceCodeLocationJobFacet.json', type: 'git', url: 'https://github.com/example/dags', version: 'v2.3' } };
      const versioned = parent.map((e) => ({ ...e, job: { ...e.job, facets: code } }));
      const report = await importOpenLineage(ln, versioned, { strict: true });
      assert.equal(report.created.amended, 1);
      assert.equal(report.created.runs, 0);
      const check = (l: Ledger) => {
        const run = dag(l);
        assert.equal(run.id, PARENT_ID);
        assert.equal(run.transform.version, 'v2.3');
        assert.equal(run.startedAt!.toISOString(), '2024-05-01T10:00:00.000Z');
        assert.equal(run.status, 'completed');
        assert.equal(run.children.length, 1);
        const byVersion = Object.fromEntries(l.select(Transform, { name: 'dag' }).all().map((t) => [t.version, t.runs.map((r) => r.id)]));
        assert.deepEqual(byVersion, { '1': [], 'v2.3': [PARENT_ID] });
        assert.deepEqual(l.select(Run).join(Transform, { name: 'dag', version: '1' }).all(), []);
        const then = l.asOf(before);
        assert.equal(then.select(Run, { id: PARENT_ID }).one().transform.version, '1', 'asOf before the amendment shows the guess');
        assert.deepEqual(Object.fromEntries(then.select(Transform, { name: 'dag' }).all().map((t) => [t.version, t.runs.map((r) => r.id)])), { '1': [PARENT_ID] });
        assert.ok(l.lineage(run).nodes.some((n) => n.kind === 'transform' && n.id === run.transform.id), 'lineage draws the run under its real job');
      };
      check(ln);
      const moved = (await ln.history(dag(ln))).find((e) => e.type === 'run.amended')!;
      assert.deepEqual(moved.data, { runId: PARENT_ID, startedAt: '2024-05-01T10:00:00.000Z', transformId: dag(ln).transform.id });
      const again = await importOpenLineage(ln, [...child, ...versioned]);
      assert.equal(again.duplicates, 4);
      assert.equal(again.created.amended, 0);
      if (backend.reopen) {
        await ln.checkpoint();
        await ln.close();
        ln = await backend.reopen();
        assert.ok(ln.loadReport.from > 0, 'opened from the checkpoint');
        check(ln);
      }
    } finally {
      await ln.close();
    }
  });

  test('parent before child, or both in one import in either order: no placeholder, nothing amended', async () => {
    for (const events of [[parent, child], [[...child, ...parent]], [[...parent, ...child]]]) {
      const ln = await backend.fresh();
      try {
        for (const batch of events) await importOpenLineage(ln, batch, { strict: true });
        assert.equal(dag(ln).startedAt!.toISOString(), '2024-05-01T10:00:00.000Z');
        assert.equal(dag(ln).children.length, 1);
        assert.deepEqual(await amendments(ln), []);
      } finally {
        await ln.close();
      }
    }
  });

  test('a first own event that is not a START amends the start; the START that follows amends it again', async () => {
    const ln = await backend.fresh();
    try {
      await importOpenLineage(ln, child);
      await importOpenLineage(ln, [ev(PARENT, 'RUNNING', '2024-05-01T10:01:00.000Z', 'dag')]);
      assert.equal(dag(ln).startedAt!.toISOString(), '2024-05-01T10:01:00.000Z');
      const mid = ln.seq;
      await importOpenLineage(ln, [parent[0]]);
      assert.equal(dag(ln).startedAt!.toISOString(), '2024-05-01T10:00:00.000Z');
      assert.equal(ln.asOf(mid).select(Run, { id: PARENT_ID }).one().startedAt!.toISOString(), '2024-05-01T10:01:00.000Z');
      // Later events of a run whose START is known never move its start.
      await importOpenLineage(ln, [ev(PARENT, 'RUNNING', '2024-05-01T09:00:00.000Z', 'dag'), parent[1]]);
      assert.equal(dag(ln).startedAt!.toISOString(), '2024-05-01T10:00:00.000Z');
      assert.deepEqual((await amendments(ln)).map((d) => (d as { startedAt: string }).startedAt), ['2024-05-01T10:01:00.000Z', '2024-05-01T10:00:00.000Z']);
    } finally {
      await ln.close();
    }
  });

  test('an amended start after the end (clock skew) is stored as given and shown as skew, never a negative duration', async () => {
    const ln = await backend.fresh();
    try {
      await importOpenLineage(ln, child);
      await importOpenLineage(ln, [ev(PARENT, 'COMPLETE', '2024-05-01T10:20:00.000Z', 'dag'), ev(PARENT, 'START', '2024-05-01T10:30:00.000Z', 'dag')]);
      const run = dag(ln);
      assert.equal(run.startedAt!.toISOString(), '2024-05-01T10:30:00.000Z');
      assert.equal(run.finishedAt!.toISOString(), '2024-05-01T10:20:00.000Z');
      const details = recordDetails(run);
      assert.match(details.summary, /clock skew: its end is stamped 10 min 0 s before its start/);
      const duration = details.fields.find(([k]) => k === 'duration')![1];
      assert.match(duration, /^clock skew/);
      assert.doesNotMatch(duration, /-\d/);
    } finally {
      await ln.close();
    }
  });

  test.run();
}

const cli = suite('lineage import of a placeholder parent\'s own events');
cli('says how many placeholder starts it amended, and `lineage history` lists the amendment', () => {
  const { dir, cleanup } = tempDir();
  try {
    const db = join(dir, 'ledger');
    const lineage = (...args: string[]) => execFileSync(process.execPath, [new URL('../lib/cli/main.js', import.meta.url).pathname, '--db', db, ...args], { env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8' });
    const write = (name: string, events: object[]) => (writeFileSync(join(dir, name), events.map((e) => JSON.stringify(e)).join('\n') + '\n'), join(dir, name));
    assert.doesNotMatch(lineage('import', write('child.jsonl', child)), /amended/);
    assert.match(lineage('import', write('parent.jsonl', parent)), /1 run ends, 1 placeholder run starts amended \(/);
    assert.match(lineage('history', PARENT_ID), new RegExp(`run ${PARENT_ID} really started at 2024-05-01T10:00:00.000Z`));
  } finally {
    cleanup();
  }
});
cli.run();
