import assert from 'node:assert/strict';
import { createServer as createTcpServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { suite } from 'uvu';
import { connect, isLineageError, open, Run, Transform, type Ledger } from 'lineage-ledger';
import { post, serving, type Serving } from '../support/serve.js';

// A write whose answer is lost is sent again with the same Idempotency-Key, and the real server
// (createServer) answers it from memory instead of writing twice; a silent server is a clear error.

const test = suite<{ ledger: Ledger; server: Serving }>('connect(): idempotent retries and timeouts');

test.before.each(async (ctx) => {
  ctx.ledger = await open({ memory: true });
  ctx.server = await serving(ctx.ledger, { token: 'tok' });
});

test.after.each(async (ctx) => {
  await ctx.server.close();
  await ctx.ledger.close();
});

const headers = (key: string) => ({ 'idempotency-key': key });

test('the same write sent twice with one Idempotency-Key is written once, and the retry gets the first answer', async ({ server, ledger }) => {
  const url = `${server.url}/api/ledger/v1/transforms`;
  const first = await post(url, { transform: { name: 'align' } }, { token: 'tok', headers: headers('k-1') });
  assert.equal(first.status, 200);
  const head = ledger.head.seq;
  const again = await post(url, { transform: { name: 'align' } }, { token: 'tok', headers: headers('k-1') });
  assert.equal(again.status, 200);
  assert.deepEqual(again.body, first.body);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  assert.equal(ledger.head.seq, head, 'nothing written by the retry');
  // Without a key (or with another), the same body is a new command: here the ledger's own reuse decides.
  const other = await post(url, { transform: { name: 'sort' } }, { token: 'tok', headers: headers('k-2') });
  assert.equal(other.status, 200);
  // Its transform.registered, and the request.keyed event that records its key with it.
  assert.equal(ledger.head.seq, head + 2);
  assert.deepEqual(ledger.select(Transform).all().map((t) => t.name), ['align', 'sort']);
});

test('retries that arrive while the first is still being written wait for it: concurrent sends with one key start one run', async ({ server, ledger }) => {
  const transform = await ledger.add(new Transform({ name: 'concurrent' }));
  const head = ledger.head.seq;
  // Each POST /runs starts a new run: only the key makes four sends one.
  const send = () => post(`${server.url}/api/ledger/v1/runs`, { transformId: transform.id }, { token: 'tok', headers: headers('same') });
  const answers = await Promise.all([send(), send(), send(), send()]);
  assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([200]));
  assert.equal(new Set(answers.map((a) => JSON.stringify(a.body))).size, 1);
  assert.equal(ledger.select(Run).count(), 1);
  assert.equal(ledger.head.seq, head + 2, 'one run.started and the request.keyed event of its key');
  // Another key is another run.
  assert.equal((await post(`${server.url}/api/ledger/v1/runs`, { transformId: transform.id }, { token: 'tok', headers: headers('other') })).status, 200);
  assert.equal(ledger.select(Run).count(), 2);
});

test('a key reused for another request is refused with 400 and nothing written; a malformed key too', async ({ server, ledger }) => {
  await post(`${server.url}/api/ledger/v1/transforms`, { transform: { name: 'one' } }, { token: 'tok', headers: headers('k') });
  const head = ledger.head.seq;
  const reused = await post(`${server.url}/api/ledger/v1/runs`, { transformId: 'x' }, { token: 'tok', headers: headers('k') });
  assert.equal(reused.status, 400);
  assert.match((reused.body as { message: string }).message, /another request/);
  const bad = await post(`${server.url}/api/ledger/v1/transforms`, { transform: { name: 'two' } }, { token: 'tok', headers: headers('x'.repeat(201)) });
  assert.equal(bad.status, 400);
  assert.equal(ledger.head.seq, head);
});

test('a server-side failure is not remembered: the retry with the same key runs again', async ({ server, ledger }) => {
  await ledger.close();
  const failed = await post(`${server.url}/api/ledger/v1/transforms`, { transform: { name: 'late' } }, { token: 'tok', headers: headers('k-late') });
  assert.equal(failed.status, 503);
  assert.equal((failed.body as { code: string }).code, 'LEDGER_CLOSED');
  const again = await post(`${server.url}/api/ledger/v1/transforms`, { transform: { name: 'late' } }, { token: 'tok', headers: headers('k-late') });
  assert.equal(again.status, 503);
  assert.equal(again.headers.get('idempotent-replayed'), null, 'run again, not replayed');
});

/** A loopback TCP relay to `target` that resets the client's connection instead of passing on the first answer to a request matching `doom`; it records each request's first line and Idempotency-Key. */
async function lossyRelay(target: string, doom: RegExp): Promise<{ url: string; seen: { line: string; key: string | undefined }[]; close: () => Promise<void> }> {
  const { port, hostname } = new URL(target);
  const seen: { line: string; key: string | undefined }[] = [];
  const sockets = new Set<Socket>();
  let doomed = false;
  const relay: Server = createTcpServer((client) => {
    const upstream = tcpConnect(Number(port), hostname);
    sockets.add(client).add(upstream);
    let dropNextAnswer = false;
    client.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      const line = /^[A-Z]+ \S+ HTTP\/1\.1/m.exec(text)?.[0];
      if (line) {
        seen.push({ line, key: /^idempotency-key: *(\S+)/im.exec(text)?.[1] });
        if (!doomed && doom.test(line)) dropNextAnswer = doomed = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      // The server did the write and answered; the answer is lost on the way back.
      if (dropNextAnswer) client.resetAndDestroy();
      else client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const address = relay.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    seen,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => relay.close(() => resolve()));
    },
  };
}

test('connect() sends a write whose answer was lost (connection reset) again with the same key: one run started, and the caller gets it', async ({ server, ledger }) => {
  const relay = await lossyRelay(server.url, /^POST \/api\/ledger\/v1\/runs /);
  try {
    const ln = await connect(relay.url, { token: 'tok' });
    try {
      const run = await ln.track(new Transform({ name: 'once', version: '1' }));
      const writes = () => relay.seen.filter((s) => s.line.startsWith('POST /api/ledger/v1/runs '));
      assert.equal(writes().length, 2, 'the write was sent twice');
      assert.ok(writes()[0]!.key, 'with an Idempotency-Key');
      assert.equal(writes()[1]!.key, writes()[0]!.key, 'the same key both times');
      assert.equal(ledger.select(Run).count(), 1, 'one run started on the server');
      assert.equal(run.id, ledger.select(Run).one().id);
      assert.equal(ln.select(Run).count(), 1);
      // Each write has its own key: a second command is a second run.
      await ln.track(new Transform({ name: 'once', version: '1' }));
      assert.equal(new Set(writes().map((s) => s.key)).size, 2);
      assert.equal(ledger.select(Run).count(), 2);
    } finally {
      await ln.close();
    }
  } finally {
    await relay.close();
  }
});

test('a server that does not answer within connect(url, { timeout }) is CONNECTION_FAILED, saying so', async () => {
  const held = new Set<Socket>();
  const silent = createTcpServer((s) => void held.add(s.on('error', () => {})));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
    await assert.rejects(connect(url, { timeout: 300 }), (e: unknown) => isLineageError(e, 'CONNECTION_FAILED') && /did not answer within 300 ms/.test((e as Error).message) && /timeout/.test((e as Error).message));
  } finally {
    for (const s of held) s.destroy();
    await new Promise((resolve) => silent.close(resolve));
  }
});

test('a timeout is a whole number of milliseconds above 0, and a client with one works as any other', async ({ server, ledger }) => {
  for (const timeout of [0, -1, 1.5, Number.NaN, '100' as never, 2 ** 31]) {
    await assert.rejects(connect(server.url, { token: 'tok', timeout }), (e: unknown) => isLineageError(e, 'INVALID_ARGUMENT') && /timeout/.test((e as Error).message));
  }
  const ln = await connect(server.url, { token: 'tok', timeout: 10_000 });
  try {
    await ln.add(new Transform({ name: 'timed' }));
    assert.equal(ledger.select(Transform, { name: 'timed' }).count(), 1);
  } finally {
    await ln.close();
  }
});

test.run();
