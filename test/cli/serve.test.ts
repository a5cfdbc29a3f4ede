import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { suite } from 'uvu';
import { open, Run } from 'lineage-ledger';
import { tempDir } from '../helpers.js';
import { get, newRunId, post, runEvent, serveChild } from '../support/serve.js';
import { lineage } from './run-cli.js';

const test = suite('lineage serve (CLI)');

test('refuses a host other machines can reach without --token-file, and a bad port or log level, as bad usage', () => {
  const { dir, cleanup } = tempDir();
  try {
    const db = join(dir, 'ledger');
    const open = lineage(['--db', db, 'serve', '--host', '0.0.0.0']);
    assert.equal(open.status, 2);
    assert.match(open.stderr, /--token-file/);
    assert.equal(lineage(['--db', db, 'serve', '--port', '70000']).status, 2);
    assert.equal(lineage(['--db', db, 'serve', '--log-level', 'loud']).status, 2);
    writeFileSync(join(dir, 'empty'), '\n');
    assert.equal(lineage(['--db', db, 'serve', '--token-file', join(dir, 'empty')]).status, 2);
  } finally {
    cleanup();
  }
});

test('with --token-file every request needs the token; it logs one JSON line per request; SIGTERM lets the request in flight finish and closes the ledger', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const db = join(dir, 'ledger');
    writeFileSync(join(dir, 'token'), 'tok-123\n');
    const server = await serveChild(db, ['--token-file', join(dir, 'token'), '--log-level', 'info']);
    try {
      assert.match(server.stderr(), /token required/);
      assert.equal((await get(`${server.url}/api/v1/namespaces`)).status, 401);
      const id = newRunId();
      assert.equal((await post(`${server.url}/api/v1/lineage`, runEvent(id, 'START', 'etl'), { token: 'tok-123' })).status, 201);
      // A request in flight when SIGTERM comes (half its body sent) is still answered.
      const body = JSON.stringify(runEvent(id, 'COMPLETE', 'etl'));
      const { hostname, port } = new URL(server.url);
      const socket = connect(Number(port), hostname);
      let answer = '';
      socket.setEncoding('utf8').on('data', (d: string) => (answer += d));
      const closed = new Promise((r) => socket.on('close', r));
      socket.write(`POST /api/v1/lineage HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok-123\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body.slice(0, 20)}`);
      await new Promise((r) => setTimeout(r, 300));
      server.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      socket.write(body.slice(20));
      await closed;
      assert.match(answer, /^HTTP\/1\.1 201/, server.stderr());
      assert.equal(await server.exited, 0);
      assert.match(server.stderr(), /stopped/);
      const lines = server.stdout().trim().split('\n').map((l) => JSON.parse(l) as { msg: string; method?: string; status?: number; url?: string });
      const requests = lines.filter((l) => l.msg === 'request');
      assert.deepEqual(requests.map((l) => `${l.method} ${l.url} ${l.status}`), ['GET /api/v1/namespaces 401', 'POST /api/v1/lineage 201', 'POST /api/v1/lineage 201']);
    } finally {
      server.child.kill('SIGKILL');
    }
    // Closed cleanly: the ledger opens again at once, with the run completed.
    const ledger = await open(db);
    try {
      assert.equal(ledger.select(Run).one().status, 'completed');
    } finally {
      await ledger.close();
    }
  } finally {
    cleanup();
  }
});

test.run();
