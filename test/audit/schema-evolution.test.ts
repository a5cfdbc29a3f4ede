import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClassicLevel } from 'classic-level';
import { suite } from 'uvu';
import { File, open, Run, Transform } from 'lineage-ledger';
// The catalogue is internal; the test reaches it to check upcast data against the current schema.
import { CURRENT_VERSION, upcast, validateEvent } from '../../lib/events/catalog.js';
import { tempDir } from '../helpers.js';
import { lineage } from './cli.js';
import { v1Answers } from './v1-answers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = join(root, 'fixtures', 'ledger-v1');
const recorded = JSON.parse(readFileSync(join(root, 'fixtures', 'ledger-v1.answers.json'), 'utf8')) as {
  versions: Record<string, number>;
  storedHashes: string[];
  answers: { head: { seq: number; hash: string } };
};

// Opening a ledger writes to its folder: every test works on a copy of the committed fixture.
function copyOfFixture(): { path: string; cleanup: () => void } {
  const { dir, cleanup } = tempDir();
  const path = join(dir, 'ledger-v1');
  cpSync(fixture, path, { recursive: true });
  return { path, cleanup };
}

async function storedHashes(path: string): Promise<string[]> {
  const db = new ClassicLevel(join(path, 'log'), { keyEncoding: 'utf8', valueEncoding: 'view' });
  const log = db.sublevel<string, Uint8Array>('log', { keyEncoding: 'utf8', valueEncoding: 'view' });
  await db.open();
  const out: string[] = [];
  for await (const [, bytes] of log.iterator()) out.push(createHash('sha256').update(bytes).digest('hex'));
  await db.close();
  return out;
}

/**
 * Every answer recorded at v1 is given again, value for value, in the same order. A field that a later
 * version of the API adds to a record or to stats() is a new answer to a new question and is allowed;
 * fields that v1 events must not gain (a run's environment) are checked on their own.
 */
function assertSameAnswers(actual: unknown, recorded: unknown, path = 'answers'): void {
  if (recorded === null || typeof recorded !== 'object') return assert.deepEqual(actual, recorded, path);
  assert.equal(Array.isArray(actual), Array.isArray(recorded), `${path}: array or object`);
  assert.ok(actual !== null && typeof actual === 'object', `${path}: ${JSON.stringify(actual)} is not an object`);
  if (Array.isArray(recorded)) assert.equal((actual as unknown[]).length, recorded.length, `${path}: length`);
  for (const [k, v] of Object.entries(recorded)) assertSameAnswers((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
}

const test = suite('schema evolution: a ledger written at event version 1');

test('the fixture really is version 1, and run.started is now at version 2', () => {
  assert.deepEqual(Object.values(recorded.versions), [1, 1, 1, 1, 1, 1]);
  assert.equal(CURRENT_VERSION['run.started'], 2);
  assert.ok(recorded.storedHashes.length >= 20);
});

test('today\'s code gives the same answers as the code that wrote it', async () => {
  const { path, cleanup } = copyOfFixture();
  const ln = await open(path);
  assertSameAnswers(await v1Answers(ln), recorded.answers);
  assert.ok(ln.select(Run).all().every((r) => r.environment === undefined), 'v1 runs did not record where they ran');
  await ln.close();
  cleanup();
});

test('its chain verifies against the head recorded when it was made, before and after new v2 events', async () => {
  const { path, cleanup } = copyOfFixture();
  const ln = await open(path);
  assert.deepEqual(await ln.verify({ expectHead: recorded.answers.head }), { ok: true, events: recorded.answers.head.seq, head: recorded.answers.head });
  const run = await ln.run(new Transform({ name: 'after the upgrade' }), async (r) => {
    await ln.add(new File(Buffer.from('new'), { name: 'new.txt' }));
    await ln.select(File, { name: 'counts.csv' }).one().load({ isRunInput: true });
    return r;
  });
  assert.equal(run.environment?.pid, process.pid);
  const r = await ln.verify({ expectHead: recorded.answers.head });
  assert.equal(r.ok, true);
  assert.ok(r.head.seq > recorded.answers.head.seq);
  await ln.close();
  assert.equal(lineage(['--db', path, 'verify']).status, 0);
  cleanup();
});

test('the stored bytes of old events are never rewritten, whatever is read or appended', async () => {
  const { path, cleanup } = copyOfFixture();
  assert.deepEqual(await storedHashes(path), recorded.storedHashes, 'the copy holds the recorded bytes');
  const ln = await open(path);
  for await (const e of ln.events()) void e;
  for (const r of ln.select(Run).all()) await ln.history(r);
  await ln.track(new Transform({ name: 'later' }));
  await ln.close();
  const after = await storedHashes(path);
  assert.deepEqual(after.slice(0, recorded.storedHashes.length), recorded.storedHashes);
  assert.equal(after.length, recorded.storedHashes.length + 3, 'registered, started, and finished by close()');
  cleanup();
});

test('old events are read upcast: valid under the current schema, stored version kept in v', async () => {
  const { path, cleanup } = copyOfFixture();
  const ln = await open(path);
  let n = 0;
  for await (const e of ln.events({ types: ['run.started'] })) {
    assert.equal(e.v, 1);
    validateEvent(e.type, CURRENT_VERSION[e.type], e.data);
    assert.equal('environment' in e.data, false);
    n++;
  }
  assert.equal(n, 5);
  const h = await ln.history(ln.select(Run, { status: 'failed' }).one());
  assert.deepEqual(h.map((e) => e.type), ['run.started', 'file.recreated', 'file.loaded_as_input', 'run.finished']);
  assert.ok(h.every((e) => e.v === 1));
  await ln.close();
  cleanup();
});

test('upcasting refuses versions it does not know', () => {
  const data = { id: 'r1', transformId: 't1', startedAt: '2024-01-01T00:00:00Z' };
  assert.deepEqual(upcast('run.started', 1, data), data);
  assert.throws(() => upcast('run.started', 3, data), { code: 'LEDGER_FORMAT' });
  assert.throws(() => upcast('run.started', 0, data), { code: 'LEDGER_FORMAT' });
  assert.throws(() => validateEvent('run.started', 1, { ...data, environment: { hostname: 'h', pid: 1, platform: 'linux', node: 'v20' } }), { code: 'INVALID_EVENT' }, 'v1 stays as it was');
});

test.run();
