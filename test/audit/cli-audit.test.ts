import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import { File, open, Transform } from 'lineage-ledger';
import { tempDir } from '../helpers.js';
import { lineage } from './cli.js';

const tmp = tempDir();
const db = join(tmp.dir, 'ledger');
let bamId = '';
let head = { seq: 0, hash: '' };

const test = suite('CLI: lineage head, log, history');
test.before(async () => {
  const ln = await open(db);
  await ln.track(new Transform({ name: 'ingest' }));
  await ln.add(new File(Buffer.from('reads'), { name: 'input.fastq.gz' }));
  await ln.track(new Transform({ name: 'Cell Ranger', version: '7' }));
  await ln.select(File, { name: 'input.fastq.gz' }).one().load({ isRunInput: true });
  bamId = (await ln.add(new File(Buffer.from('bam'), { name: 'output.bam' }))).id;
  await ln.add(new File(Buffer.from('same'), { name: 'dup.txt' }));
  await ln.run('ingest', async () => {
    await ln.add(new File(Buffer.from('other'), { name: 'dup.txt' }));
    await ln.add(new File(Buffer.from('bam'), { name: 'copy.bam' })); // the same content: a re-creation
  });
  await ln.close();
  const again = await open(db);
  head = again.head;
  await again.close();
});
test.after(() => tmp.cleanup());

test('head prints seq, hash and ledger id as JSON, which verify --expect-head accepts', () => {
  const r = lineage(['--db', db, 'head']);
  assert.equal(r.status, 0);
  const h = JSON.parse(r.stdout);
  assert.deepEqual({ seq: h.seq, hash: h.hash }, head);
  assert.match(h.ledgerId, /^[0-9A-Za-z_-]+$/);
  const f = join(tmp.dir, 'head.json');
  writeFileSync(f, r.stdout);
  const v = lineage(['--db', db, 'verify', '--expect-head', f]);
  assert.equal(v.status, 0, v.stderr);
  assert.match(v.stdout, /matches the expected head/);
  const viaEnv = lineage(['head'], { LINEAGE_DB: db });
  assert.equal(viaEnv.stdout, r.stdout);
});

test('verify --expect-head rejects a file that is not a head, as bad usage', () => {
  const f = join(tmp.dir, 'bad.json');
  writeFileSync(f, '{"seq": "one"}');
  const r = lineage(['--db', db, 'verify', '--expect-head', f]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /INVALID_ARGUMENT/);
  assert.equal(lineage(['--db', db, 'verify', '--expect-head', join(tmp.dir, 'absent.json')]).status, 1);
});

test('log prints every event as a table with names', () => {
  const r = lineage(['--db', db, 'log']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /seq\s+at\s+type\s+what/);
  assert.equal(lines.length, head.seq + 1);
  assert.match(r.stdout, /file\.loaded_as_input\s+input\.fastq\.gz read by run \S+/);
  assert.match(r.stdout, /run\.started\s+run \S+ of Cell Ranger on /);
});

test('log --json prints one upcast event per line; --from, --to and --type filter', () => {
  const all = lineage(['--db', db, 'log', '--json']).stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.equal(all.length, head.seq);
  assert.deepEqual(all.map((e) => e.seq), Array.from({ length: head.seq }, (_, i) => i + 1));
  assert.equal(all[all.length - 1].hash, head.hash);
  const some = lineage(['--db', db, 'log', '--json', '--from', '2', '--to', '4']).stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(some.map((e) => e.seq), [2, 3, 4]);
  const typed = lineage(['--db', db, 'log', '--json', '--type', 'file.created', 'file.recreated']).stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual([...new Set(typed.map((e) => e.type))].sort(), ['file.created', 'file.recreated']);
});

test('log exits 1 when nothing matches and 2 on bad usage', () => {
  const none = lineage(['--db', db, 'log', '--from', String(head.seq + 1)]);
  assert.equal(none.status, 1);
  assert.match(none.stderr, /no events match/);
  const badType = lineage(['--db', db, 'log', '--type', 'file.deleted']);
  assert.equal(badType.status, 2);
  assert.match(badType.stderr, /INVALID_ARGUMENT: unknown event type "file.deleted"/);
  assert.equal(lineage(['--db', db, 'log', '--from', 'x']).status, 2);
});

test('history NAME lists the events of a file by name or id; --json gives them as an array', () => {
  const byName = lineage(['--db', db, 'history', 'input.fastq.gz']);
  assert.equal(byName.status, 0, byName.stderr);
  assert.match(byName.stdout, /^file input\.fastq\.gz \(\S+\): 2 events\n/);
  assert.match(byName.stdout, /file\.created .*\n.*file\.loaded_as_input/);
  const json = JSON.parse(lineage(['--db', db, 'history', bamId, '--json']).stdout);
  assert.deepEqual(json.map((e: { type: string }) => e.type), ['file.created', 'file.recreated']);
  assert.equal(json[0].data.id, bamId);
});

test('history of a transform lists its registration and runs', () => {
  const r = JSON.parse(lineage(['--db', db, 'history', 'ingest', '--json']).stdout);
  assert.deepEqual(r.map((e: { type: string }) => e.type), ['transform.registered', 'run.started', 'run.started']);
});

test('history of an ambiguous or unknown name exits 1 and says what to do', () => {
  const two = lineage(['--db', db, 'history', 'dup.txt']);
  assert.equal(two.status, 1);
  assert.match(two.stderr, /QUERY_NOT_ONE: "dup.txt" names 2 records; pass one of these ids/);
  const none = lineage(['--db', db, 'history', 'nothing.txt']);
  assert.equal(none.status, 1);
  assert.match(none.stderr, /FILE_NOT_FOUND/);
});

test.run();
