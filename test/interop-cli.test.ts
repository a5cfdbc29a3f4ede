import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import { tempDir } from './helpers.js';
import { provErrors, runEventErrors } from './interop-schemas.js';

const run = promisify(execFile);
const MAIN = new URL('../lib/cli/main.js', import.meta.url).pathname;

/** Runs the CLI; resolves with its exit status and output whatever the status. */
async function lineage(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [MAIN, ...args], { env: { ...process.env, NO_COLOR: '1' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const test = suite('lineage export / import / forward');
let tmp: ReturnType<typeof tempDir>;
test.before.each(() => {
  tmp = tempDir();
});
test.after.each(() => tmp.cleanup());

test('export --format openlineage writes valid JSONL that import reads into another ledger', async () => {
  const demo = join(tmp.dir, 'demo');
  const file = join(tmp.dir, 'demo.jsonl');
  assert.equal((await lineage('--db', demo, 'demo')).code, 0);
  const exp = await lineage('--db', demo, 'export', '--format', 'openlineage', '-o', file, '--namespace', 'my-lab');
  assert.equal(exp.code, 0, exp.stderr);
  const events = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.equal(events.length, 6);
  for (const e of events) assert.deepEqual(runEventErrors(e), []);
  assert.ok(events.every((e) => e.job.namespace === 'my-lab'));

  const copy = join(tmp.dir, 'copy');
  const imp = await lineage('--db', copy, 'import', file);
  assert.equal(imp.code, 0, imp.stderr);
  assert.match(imp.stdout, /imported 6 run events of 3 runs/);
  assert.match(imp.stdout, /added 3 transforms, 3 runs, 3 files, 1 inputs, 3 outputs, 3 run ends/);
  const again = await lineage('--db', copy, 'import', '--json', file);
  assert.equal(JSON.parse(again.stdout).appended, 0);
  const stdout = await lineage('--db', copy, 'export', '--format', 'openlineage', '--namespace', 'my-lab');
  assert.deepEqual(stdout.stdout.trimEnd().split('\n').map((l) => JSON.parse(l).run.runId), events.map((e) => e.run.runId));
});

test('show takes an imported run by its OpenLineage runId (any case), and shows an end before its start as skew', async () => {
  const db = join(tmp.dir, 'ol');
  const file = join(tmp.dir, 'skew.jsonl');
  const runId = '0190d6a2-aaaa-7000-8000-00000000abcd';
  const ev = (eventType: string, eventTime: string) => ({ eventTime, eventType, producer: 'https://example.org/flink', schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent', run: { runId }, job: { namespace: 'flink', name: 'flink_skewed' } });
  writeFileSync(file, `${JSON.stringify(ev('COMPLETE', '2024-09-10T12:03:20.000Z'))}\n${JSON.stringify(ev('START', '2024-09-10T12:03:22.000Z'))}\n`);
  assert.equal((await lineage('--db', db, 'import', file)).code, 0);
  for (const id of [runId, runId.toUpperCase()]) {
    const show = await lineage('--db', db, 'show', id);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /flink_skewed/);
    assert.match(show.stdout, /skew/i);
  }
  assert.equal((await lineage('--db', db, 'show', '0190d6a2-aaaa-7000-8000-0000000000ff')).code, 1);
});

test('export --format prov writes a valid PROV-JSON document', async () => {
  const demo = join(tmp.dir, 'demo');
  await lineage('--db', demo, 'demo');
  const r = await lineage('--db', demo, 'export', '--format', 'prov');
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.deepEqual(provErrors(doc), []);
  assert.equal(Object.keys(doc.activity).length, 3);
  // As of the first event (the script's registration), there is a plan and no activity yet.
  const early = JSON.parse((await lineage('--db', demo, 'export', '--format', 'prov', '--as-of', '1')).stdout);
  assert.equal(Object.keys(early.activity).length, 0);
  assert.equal(Object.keys(early.entity).length, 1);
  assert.equal((await lineage('--db', demo, 'export', '--format', 'prov', '--as-of', 'x')).code, 2);
});

test('import reports invalid lines on stderr; --strict rejects the file with status 1 and writes nothing; bad usage is status 2', async () => {
  const file = join(tmp.dir, 'bad.jsonl');
  const ok = { eventTime: '2024-01-01T00:00:00Z', eventType: 'COMPLETE', producer: 'https://example.org', schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent', run: { runId: '0190d6a2-1111-7000-8000-000000000001' }, job: { namespace: 'n', name: 'j' } };
  writeFileSync(file, `${JSON.stringify(ok)}\n{oops\n`);
  const db = join(tmp.dir, 'db');
  const strict = await lineage('--db', db, 'import', '--strict', file);
  assert.equal(strict.code, 1);
  assert.match(strict.stderr, /IMPORT_INVALID.*\n.*line 2: not JSON/);
  const stats = await lineage('--db', db, 'stats', '--json');
  assert.equal(JSON.parse(stats.stdout).events, 0, 'nothing was written');
  const lenient = await lineage('--db', db, 'import', file);
  assert.equal(lenient.code, 0);
  assert.match(lenient.stderr, /line 2 skipped: not JSON/);
  assert.match(lenient.stdout, /skipped 1 invalid line/);
  assert.equal((await lineage('--db', db, 'export', '--format', 'xml')).code, 2);
  assert.equal((await lineage('--db', db, 'import', join(tmp.dir, 'missing.jsonl'))).code, 1);
});

test('forward sends what is new to an OpenLineage endpoint, and nothing twice when run again', async () => {
  const received: { eventType: string; run: { runId: string } }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (req.url === '/api/v1/lineage') received.push(JSON.parse(body));
      res.writeHead(req.url === '/api/v1/lineage' ? 201 : 404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const demo = join(tmp.dir, 'demo');
    await lineage('--db', demo, 'demo');
    const first = await lineage('--db', demo, 'forward', '--url', url);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /forwarded \d+ run events to .* \(namespace lineage-ledger\.[0-9A-Za-z]+, log position \d+\)/);
    assert.deepEqual(received.filter((e) => e.eventType === 'START').length, 3);
    const n = received.length;
    const second = await lineage('--db', demo, 'forward', '--url', url);
    assert.equal(second.code, 0);
    assert.match(second.stdout, /forwarded 0 run events/);
    assert.equal(received.length, n);
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    // Another endpoint path has its own position; with the server gone the connection is refused.
    const down = await lineage('--db', demo, 'forward', '--url', url, '--endpoint', '/elsewhere', '--timeout', '300');
    assert.equal(down.code, 1);
    assert.match(down.stderr, /FORWARD_FAILED.*ECONNREFUSED/);
  } finally {
    server.close();
  }
});

test.run();
