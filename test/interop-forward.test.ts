import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import stringify from 'fast-json-stable-stringify';
import { suite } from 'uvu';
import {
  backoffDelay,
  File,
  forwardOpenLineage,
  importOpenLineage,
  isLineageError,
  open,
  Run,
  toOpenLineage,
  Transform,
  type Forwarder,
  type Ledger,
  type OpenLineageRunEvent,
} from 'lineage-ledger';
import { tempDir } from './helpers.js';
import { runEventErrors } from './interop-schemas.js';
import { workload } from './interop-workload.js';

const test = suite('OpenLineage forwarding');

/** A local OpenLineage receiver on 127.0.0.1: records every request, and the events it acknowledged. */
interface Receiver {
  url: string;
  port: number;
  requests: { path: string; status: number }[];
  accepted: OpenLineageRunEvent[];
  close(): Promise<void>;
}

async function receiver(answer: (n: number, event: OpenLineageRunEvent) => number = () => 201, port = 0): Promise<Receiver> {
  const r = { requests: [], accepted: [] } as unknown as Receiver;
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const event = JSON.parse(body) as OpenLineageRunEvent;
      const status = req.method === 'POST' && req.url === '/api/v1/lineage' ? answer(r.requests.length, event) : 404;
      r.requests.push({ path: `${req.method} ${req.url}`, status });
      if (status >= 200 && status < 300) r.accepted.push(event);
      res.writeHead(status).end();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  r.port = (server.address() as AddressInfo).port;
  r.url = `http://127.0.0.1:${r.port}`;
  r.close = () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return r;
}

/** A port with nothing listening on it (connections are refused). */
async function freePort(): Promise<number> {
  const r = await receiver();
  await r.close();
  return r.port;
}

const key = (e: OpenLineageRunEvent) => JSON.stringify(e);
const FAST = { intervalMs: 10, retryBaseMs: 5, retryMaxMs: 40 };

async function until(what: string, ok: () => boolean, tries = 500): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (ok()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** What a complete, exactly-once delivery of a ledger looks like: every run's events, no repeats, all valid. */
function assertDelivered(accepted: OpenLineageRunEvent[], ln: Ledger): void {
  assert.equal(new Set(accepted.map(key)).size, accepted.length, 'nothing was received twice');
  for (const e of accepted) assert.deepEqual(runEventErrors(e), [], `${e.eventType} validates`);
  const runIds = new Set(accepted.map((e) => e.run.runId));
  assert.equal(runIds.size, ln.select(Run).count(), 'every run was forwarded');
  for (const id of runIds) {
    const types = accepted.filter((e) => e.run.runId === id).map((e) => e.eventType);
    assert.equal(types[0], 'START', 'a run begins with START');
    assert.equal(types.filter((t) => t === 'START').length, 1);
    assert.ok(types.filter((t) => t === 'COMPLETE' || t === 'FAIL').length <= 1);
  }
}

test('events reach the backend as they happen: START, RUNNING per file, then COMPLETE with all datasets', async () => {
  const rx = await receiver();
  const ln = await open({ memory: true });
  let fwd: Forwarder | undefined;
  try {
    fwd = await forwardOpenLineage(ln, { url: rx.url, ...FAST });
    await ln.run(new Transform({ name: 'ingest' }), async () => {
      await until('the START', () => rx.accepted.length === 1);
      assert.equal(rx.accepted[0]!.eventType, 'START');
      await ln.add(new File(Buffer.from('a'), { name: 'a.csv' }));
      await ln.add(new File(Buffer.from('b'), { name: 'b.csv' }));
    });
    await fwd.flush();
    assert.deepEqual(rx.accepted.map((e) => e.eventType), ['START', 'RUNNING', 'RUNNING', 'COMPLETE']);
    assert.deepEqual(rx.accepted[1]!.outputs!.map((d) => d.name), ['a.csv']);
    assert.deepEqual(rx.accepted[3]!.outputs!.map((d) => d.name), ['a.csv', 'b.csv']);
    assert.ok(rx.requests.every((r) => r.path === 'POST /api/v1/lineage'));
    assertDelivered(rx.accepted, ln);
    // The same run ids as a file export.
    assert.deepEqual(new Set(rx.accepted.map((e) => e.run.runId)), new Set((await toOpenLineage(ln)).map((e) => e.run.runId)));
  } finally {
    await fwd?.stop();
    await ln.close();
    await rx.close();
  }
});

test('a backend answering 500 for a while gets everything once it recovers: nothing lost, nothing twice', async () => {
  let failing = true;
  const rx = await receiver(() => (failing ? 500 : 200));
  const ln = await open({ memory: true });
  const errors: string[] = [];
  let fwd: Forwarder | undefined;
  try {
    fwd = await forwardOpenLineage(ln, { url: rx.url, ...FAST, onError: (e) => errors.push(e.code) });
    await workload(ln, 11, 10);
    await until('a few failed attempts', () => rx.requests.length >= 4);
    assert.equal(rx.accepted.length, 0);
    assert.ok(fwd.status.failures >= 1);
    assert.ok(errors.every((c) => c === 'FORWARD_FAILED'));
    failing = false;
    await fwd.flush();
    assertDelivered(rx.accepted, ln);
    assert.equal(fwd.status.sent, rx.accepted.length);
    assert.equal(fwd.status.position, ln.head.seq);
    assert.equal(fwd.status.failures, 0);
  } finally {
    await fwd?.stop();
    await ln.close();
    await rx.close();
  }
});

test('with the backend down (connection refused), appends go on; when it comes up, it gets everything once', async () => {
  const port = await freePort();
  const ln = await open({ memory: true });
  let fwd: Forwarder | undefined;
  let rx: Receiver | undefined;
  try {
    fwd = await forwardOpenLineage(ln, { url: `http://127.0.0.1:${port}`, ...FAST });
    await workload(ln, 12, 8);
    await until('failed attempts', () => fwd!.status.failures >= 2);
    assert.match(fwd.status.lastError!.message, /ECONNREFUSED/);
    await assert.rejects(fwd.flush({ timeoutMs: 50 }), (e: unknown) => isLineageError(e, 'FORWARD_FAILED'));
    rx = await receiver(undefined, port);
    await fwd.flush();
    assertDelivered(rx.accepted, ln);
  } finally {
    await fwd?.stop();
    await ln.close();
    await rx?.close();
  }
});

test('appends never wait for the backend: they complete while a request hangs', async () => {
  const pending: (() => void)[] = [];
  const { createServer: cs } = await import('node:http');
  const server = cs((req, res) => {
    req.resume();
    pending.push(() => res.writeHead(200).end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ln = await open({ memory: true });
  const fwd = await forwardOpenLineage(ln, { url, ...FAST, timeoutMs: 60_000 });
  try {
    await ln.track(new Transform({ name: 'busy' }));
    await until('a request in flight', () => pending.length === 1);
    for (let i = 0; i < 20; i++) await ln.add(new File(Buffer.from(`f${i}`), { name: `f${i}.txt` }));
    await ln.finish();
    assert.equal(pending.length, 1, 'the forwarder is still waiting for its first answer');
    assert.equal(fwd.status.sent, 0);
    assert.ok(fwd.status.position < ln.head.seq - 20);
    // Answer everything from now on.
    const answerAll = setInterval(() => pending.splice(0).forEach((f) => f()), 5);
    await fwd.flush();
    clearInterval(answerAll);
    assert.equal(fwd.status.sent, 1 + 20 + 1);
  } finally {
    await fwd.stop();
    server.closeAllConnections();
    await ln.close();
    await new Promise((r) => server.close(r));
  }
});

test('the forwarded position is kept in the ledger: a new forwarder after a reopen sends only what is new', async () => {
  const tmp = tempDir();
  const rx = await receiver();
  try {
    let ln = await open(`${tmp.dir}/l`);
    let fwd = await forwardOpenLineage(ln, { url: rx.url, ...FAST });
    await ln.run(new Transform({ name: 'before' }), async () => {
      await ln.add(new File(Buffer.from('x'), { name: 'x' }));
    });
    await fwd.flush();
    await fwd.stop();
    const first = rx.accepted.length;
    assert.equal(first, 3);
    await ln.run(new Transform({ name: 'while nobody forwards' }), async () => {});
    await ln.close();

    ln = await open(`${tmp.dir}/l`);
    fwd = await forwardOpenLineage(ln, { url: rx.url, ...FAST });
    await ln.run(new Transform({ name: 'after' }), async () => {});
    await fwd.flush();
    await fwd.stop();
    assert.deepEqual(rx.accepted.slice(first).map((e) => `${e.job.name} ${e.eventType}`), ['while nobody forwards START', 'while nobody forwards COMPLETE', 'after START', 'after COMPLETE']);
    assertDelivered(rx.accepted, ln);
    // Another endpoint has its own position; `from: 'now'` starts at the head.
    const other = await receiver();
    const fresh = await forwardOpenLineage(ln, { url: other.url, ...FAST, from: 'now' });
    await fresh.flush();
    await fresh.stop();
    assert.equal(other.accepted.length, 0);
    await other.close();
    await ln.close();
  } finally {
    await rx.close();
    tmp.cleanup();
  }
});

test('an event the backend rejects for good (400) is reported and skipped; the rest flows', async () => {
  const rx = await receiver((_n, e) => (e.job.name === 'poison' && e.eventType === 'START' ? 400 : 200));
  const ln = await open({ memory: true });
  const errors: string[] = [];
  const fwd = await forwardOpenLineage(ln, { url: rx.url, ...FAST, onError: (e) => errors.push(e.message) });
  try {
    await ln.run(new Transform({ name: 'poison' }), async () => {});
    await ln.run(new Transform({ name: 'fine' }), async () => {});
    await fwd.flush();
    assert.deepEqual(rx.accepted.map((e) => `${e.job.name} ${e.eventType}`), ['poison COMPLETE', 'fine START', 'fine COMPLETE']);
    assert.equal(fwd.status.rejected, 1);
    assert.match(errors[0]!, /HTTP 400; skipped/);
  } finally {
    await fwd.stop();
    await ln.close();
    await rx.close();
  }
});

test('imported runs are forwarded under the run ids and jobs they were imported with; a repeated delivery imports idempotently', async () => {
  const rx = await receiver();
  const src = await open({ memory: true });
  await workload(src, 13, 6);
  const original = await toOpenLineage(src);
  await src.close();
  const ln = await open({ memory: true });
  const fwd = await forwardOpenLineage(ln, { url: rx.url, ...FAST });
  try {
    await importOpenLineage(ln, original);
    await fwd.flush();
    assert.deepEqual(new Set(rx.accepted.map((e) => e.run.runId)), new Set(original.map((e) => e.run.runId)));
    assert.deepEqual(new Set(rx.accepted.map((e) => `${e.job.namespace}/${e.job.name}`)), new Set(original.map((e) => `${e.job.namespace}/${e.job.name}`)));
    // At-least-once across a crash means a receiver may see an event twice: merging it again changes nothing.
    const sink = await open({ memory: true });
    await importOpenLineage(sink, rx.accepted);
    const head = sink.head.seq;
    const again = await importOpenLineage(sink, [...rx.accepted, ...rx.accepted]);
    assert.equal(again.appended, 0);
    assert.equal(sink.head.seq, head + 1);
    await sink.close();
  } finally {
    await fwd.stop();
    await ln.close();
    await rx.close();
  }
});

test('imported events are forwarded as recorded: every event of real integrations, every facet (a 64 KB one too), and nothing derived from them', async () => {
  const dir = join(new URL('../../', import.meta.url).pathname, 'fixtures', 'interop', 'integrations');
  const events: Record<string, unknown>[] = [];
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort()) {
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean)) events.push(JSON.parse(line));
  }
  // A facet large enough to be kept in the object store, not in the event's bytes.
  const big = events.find((e) => (e.run as { facets?: object } | undefined)?.facets)!;
  const plan = { _producer: 'https://example.org/p', _schemaURL: 'https://example.org/plan.json', nodes: Array.from({ length: 2000 }, (_, i) => ({ id: i, op: `Project#${i}` })) };
  (big.run as { facets: Record<string, unknown> }).facets['spark.logicalPlan'] = plan;
  assert.ok(JSON.stringify(plan).length > 60_000);
  const rx = await receiver();
  const ln = await open({ memory: true });
  const fwd = await forwardOpenLineage(ln, { url: rx.url, ...FAST });
  try {
    const report = await importOpenLineage(ln, events, { strict: true });
    assert.deepEqual(report.conflicts, []);
    await fwd.flush();
    assert.equal(fwd.status.rejected, 0);
    // The backend gets exactly the events that were sent to us: same runIds, jobs, datasets and facets.
    assert.deepEqual(rx.accepted.map((e) => stringify(e)).sort(), events.map((e) => stringify(e)).sort());
    const plans = rx.accepted.filter((e) => e.run?.facets?.['spark.logicalPlan']).map((e) => e.run.facets!['spark.logicalPlan']);
    assert.ok(plans.some((p) => stringify(p) === stringify(plan)), 'the large facet came back from the store');
  } finally {
    await fwd.stop();
    await ln.close();
    await rx.close();
  }
});

test('retry delays double from the base up to the maximum; bad options are coded errors', async () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 40].map((n) => backoffDelay(n, 100, 1000)), [100, 200, 400, 800, 1000, 1000, 1000]);
  const ln = await open({ memory: true });
  try {
    for (const bad of [{}, { url: 'ftp://x' }, { url: 'not a url' }, { url: 'http://127.0.0.1:1', intervalMs: 0 }]) {
      await assert.rejects(forwardOpenLineage(ln, bad as never), (e: unknown) => isLineageError(e, 'INVALID_ARGUMENT'), JSON.stringify(bad));
    }
    // One forwarder per endpoint: a second would send everything again.
    const one = await forwardOpenLineage(ln, { url: 'http://127.0.0.1:1/', ...FAST });
    await assert.rejects(forwardOpenLineage(ln, { url: 'http://127.0.0.1:1' }), (e: unknown) => isLineageError(e, 'INVALID_ARGUMENT') && /already forwarded/.test((e as Error).message));
    await one.stop();
    await (await forwardOpenLineage(ln, { url: 'http://127.0.0.1:1' })).stop();
  } finally {
    await ln.close();
  }
});

test('stop() does not wait for a hanging backend: the unacknowledged event is sent by the next forwarder', async () => {
  const { createServer: cs } = await import('node:http');
  let requests = 0;
  const server = cs((req) => {
    requests++;
    req.resume();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const rx = await receiver();
  const ln = await open({ memory: true });
  const fwd = await forwardOpenLineage(ln, { url, ...FAST, timeoutMs: 600_000 });
  try {
    await ln.run(new Transform({ name: 'hung' }), async () => {});
    await until('a request in flight', () => requests === 1);
    await fwd.stop();
    assert.equal(fwd.status.sent, 0);
    await assert.rejects(fwd.flush(), (e: unknown) => isLineageError(e, 'FORWARD_FAILED'));
    server.closeAllConnections();
    // The same ledger, another endpoint that answers: its own position starts at the beginning.
    const next = await forwardOpenLineage(ln, { url: rx.url, ...FAST });
    await next.flush();
    await next.stop();
    assert.deepEqual(rx.accepted.map((e) => e.eventType), ['START', 'COMPLETE']);
  } finally {
    await fwd.stop();
    server.closeAllConnections();
    await ln.close();
    await rx.close();
    await new Promise((r) => server.close(r));
  }
});

test('closing the ledger stops its forwarder quietly; what was not sent waits in the log', async () => {
  const port = await freePort();
  const tmp = tempDir();
  try {
    let ln = await open(`${tmp.dir}/l`);
    const fwd = await forwardOpenLineage(ln, { url: `http://127.0.0.1:${port}`, ...FAST });
    await ln.run(new Transform({ name: 'offline' }), async () => {});
    await until('a failed attempt', () => fwd.status.failures >= 1);
    await ln.close();
    await fwd.stop();
    const rx = await receiver(undefined, port);
    ln = await open(`${tmp.dir}/l`);
    const again = await forwardOpenLineage(ln, { url: rx.url, ...FAST });
    await again.flush();
    await again.stop();
    assert.deepEqual(rx.accepted.map((e) => `${e.job.name} ${e.eventType}`), ['offline START', 'offline COMPLETE']);
    await ln.close();
    await rx.close();
  } finally {
    tmp.cleanup();
  }
});

test.run();
