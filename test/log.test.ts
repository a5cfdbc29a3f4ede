import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import stringify from 'fast-json-stable-stringify';
import { Level } from 'level';
import { suite } from 'uvu';
import { File, isLineageError, open, Transform } from 'lineage-ledger';
import { validateInput } from '../lib/events/catalog.js';
import { EventLog } from '../lib/log/event-log.js';
import { GENESIS_HASH } from '../lib/log/envelope.js';
import { tempDir } from './helpers.js';

const test = suite('the event log');
let tmp: ReturnType<typeof tempDir>;
test.before.each(() => {
  tmp = tempDir();
});
test.after.each(() => tmp.cleanup());

test('stores each envelope as its canonical bytes, hashed and chained, under keys that sort numerically, readable with level as users know it', async () => {
  const path = join(tmp.dir, 'l');
  const ln = await open(path);
  for (let i = 0; i < 12; i++) await ln.add(new File(Buffer.from(`content ${i}`), { name: `f${i}.txt` }));
  const head = ln.head;
  await ln.close();
  const raw = new Level<string, Uint8Array>(join(path, 'log'), { valueEncoding: 'view' });
  const log = raw.sublevel<string, Uint8Array>('log', { valueEncoding: 'view' });
  let prev = GENESIS_HASH;
  let seq = 0;
  for await (const [key, bytes] of log.iterator()) {
    seq++;
    assert.equal(key, String(seq).padStart(16, '0'));
    const text = Buffer.from(bytes).toString('utf8');
    const env = JSON.parse(text);
    assert.equal(text, stringify(env), 'the stored bytes are canonical JSON');
    assert.deepEqual(Object.keys(env).sort(), ['at', 'data', 'prev', 'seq', 'type', 'v']);
    assert.equal(env.seq, seq);
    assert.equal(env.prev, prev);
    prev = createHash('sha256').update(bytes).digest('hex');
  }
  assert.equal(seq, 12);
  assert.deepEqual(head, { seq: 12, hash: prev });
  await raw.close();
});

test('appends that arrive while a write is in flight are committed together (group commit)', async () => {
  const log = await EventLog.open({ path: join(tmp.dir, 'g') }, 'sync');
  const commits: number[] = [];
  log.onCommit((events) => commits.push(events.length));
  const event = (i: number) => ({ type: 'transform.registered' as const, data: { id: `t${i}`, name: `t${i}`, version: '1', type: 'pipeline' as const } });
  const results = await Promise.all(Array.from({ length: 200 }, (_, i) => log.append([event(i)], [1])));
  assert.deepEqual(results.map((r) => r[0]!.seq), Array.from({ length: 200 }, (_, i) => i + 1));
  assert.equal(commits.reduce((a, b) => a + b, 0), 200);
  assert.ok(commits.length < 200, `expected fewer commits than appends, got ${commits.length}`);
  assert.deepEqual(log.head.seq, 200);
  await log.close();
});

test("'batched' durability fsyncs within a bounded window after a commit", async () => {
  const log = await EventLog.open({ path: join(tmp.dir, 'b') }, 'batched');
  await log.append([{ type: 'transform.registered', data: { id: 't1', name: 't1', version: '1', type: 'pipeline' } }], [1]);
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(await log.getMeta('synced'), 1, 'a synchronous write marked seq 1 as fsynced');
  await log.close();
});

test('an event that fails its schema is INVALID_EVENT with the ajv message, and is never written', async () => {
  const bad = { type: 'file.created', data: { id: 'f1', name: 'x', suffix: '', size: -1 } } as const;
  assert.throws(() => validateInput(bad as never), (err: unknown) => isLineageError(err, 'INVALID_EVENT') && /size/.test(err.message) && /must be >= 0/.test(err.message));
  assert.throws(() => validateInput({ type: 'file.created', data: { id: 'f1', name: 'x', suffix: '', extra: 1 } } as never), (err: unknown) => isLineageError(err, 'INVALID_EVENT') && /additional properties/.test(err.message));
  assert.throws(() => validateInput({ type: 'file.created', data: { id: 'f1', name: 'x', suffix: '', size: 2 ** 60 } } as never), (err: unknown) => isLineageError(err, 'INVALID_EVENT'));
  assert.throws(() => validateInput({ type: 'no.such', data: {} } as never), (err: unknown) => isLineageError(err, 'INVALID_EVENT'));
  const ln = await open({ memory: true });
  // Through the API, values no schema could hold are refused earlier, as INVALID_ARGUMENT.
  const seq = ln.head.seq;
  await assert.rejects(ln.track(new Transform({ name: 'ok' }), { params: { deep: { n: Infinity } } }), (err: unknown) => isLineageError(err, 'INVALID_ARGUMENT'));
  assert.equal(ln.head.seq, seq);
  await ln.close();
});

test('a second open of the same ledger in this process is LEDGER_LOCKED, naming the path', async () => {
  const path = join(tmp.dir, 'locked');
  const ln = await open(path);
  await assert.rejects(open(path), (err: unknown) => isLineageError(err, 'LEDGER_LOCKED') && err.message.includes(path));
  await ln.close();
  const again = await open(path);
  await again.close();
});

test('a second process opening the same ledger gets LEDGER_LOCKED at once, with the LevelDB error codes as its cause', async () => {
  const path = join(tmp.dir, 'other-process');
  const ln = await open(path);
  const index = fileURLToPath(new URL('../lib/index.js', import.meta.url));
  const script = `import(${JSON.stringify(index)}).then(({ open }) => open(${JSON.stringify(path)})).then(
    () => { console.log('OPENED'); process.exit(0); },
    (e) => { console.log(JSON.stringify({ code: e.code, message: e.message, causes: [e.cause?.code, e.cause?.cause?.code] })); process.exit(3); })`;
  const started = Date.now();
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 });
  const elapsed = Date.now() - started;
  assert.equal(child.status, 3, child.stdout + child.stderr);
  const err = JSON.parse(child.stdout);
  assert.equal(err.code, 'LEDGER_LOCKED');
  assert.deepEqual(err.causes, ['LEVEL_DATABASE_NOT_OPEN', 'LEVEL_LOCKED']);
  assert.ok(err.message.includes(path));
  assert.ok(elapsed < 30_000, 'it fails instead of waiting');
  await ln.close();
});

test.run();
