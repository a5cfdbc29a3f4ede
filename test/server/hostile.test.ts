import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { suite } from 'uvu';
import { open, type Ledger } from 'lineage-ledger';
import { get, newRunId, post, runEvent, serving, type Serving } from '../support/serve.js';

const test = suite('lineage serve against hostile HTTP input');

let ledger: Ledger;
let server: Serving;
const ANSWERS = new Set([201, 202, 400, 401, 404, 405, 413, 415]);

test.before(async () => {
  ledger = await open({ memory: true });
  server = await serving(ledger, { bodyLimit: 256 * 1024, inflatedLimit: 1024 * 1024, requestTimeout: 1500 });
});
test.after(async () => {
  await server.close();
  await ledger.close();
});

/** A valid event with one field, somewhere in it, replaced by an arbitrary JSON value. */
const mutated = fc.tuple(fc.constantFrom('eventTime', 'eventType', 'producer', 'schemaURL', 'run', 'job', 'inputs', 'outputs', 'run.runId', 'job.name', 'job.namespace', 'run.facets'), fc.jsonValue({ maxDepth: 3 })).map(([path, value]) => {
  const e = runEvent(newRunId(), 'START', 'j', { inputs: [{ namespace: 'n', name: 'd' }] }) as Record<string, Record<string, unknown>>;
  const [a, b] = path.split('.') as [string, string | undefined];
  if (b === undefined) (e as Record<string, unknown>)[a] = value;
  else e[a] = { ...e[a], [b]: value };
  return JSON.stringify(e);
});
const bodies = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  mutated,
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')),
);

test('arbitrary and mutated bodies get a 2xx or 4xx JSON answer; only what is answered 201 is written, and the chain stays intact', async () => {
  await fc.assert(
    fc.asyncProperty(bodies, fc.boolean(), fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded'), async (body, gzip, type) => {
      const before = ledger.head.seq;
      const res = await fetch(`${server.url}/api/v1/lineage`, { method: 'POST', headers: { 'content-type': type, ...(gzip ? { 'content-encoding': 'gzip' } : {}) }, body: gzip ? gzipSync(body) : body });
      const answer = (await res.json()) as { code?: string; recorded?: boolean };
      assert.ok(ANSWERS.has(res.status), `${res.status} ${JSON.stringify(answer)}`);
      if (res.status >= 400) assert.equal(typeof answer.code, 'string');
      if (res.status !== 201) assert.equal(ledger.head.seq, before, `a ${res.status} wrote events`);
    }),
    { numRuns: 300 },
  );
  const v = await ledger.verify();
  assert.ok(v.ok, JSON.stringify(v.firstBad));
});

test('hostile bodies on the native label, reference and source routes get a coded 2xx or 4xx; a 4xx writes nothing, and the chain stays intact', async () => {
  // Something to label: a file and its run, made through the native API.
  const runRes = await fetch(`${server.url}/api/ledger/v1/transforms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ transform: { name: 'hostile-meta' } }) });
  const transformId = ((await runRes.json()) as { id: string }).id;
  const started = await fetch(`${server.url}/api/ledger/v1/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ transformId }) });
  const runId = ((await started.json()) as { id: string }).id;
  assert.equal(typeof runId, 'string');
  const ids = fc.oneof(fc.constantFrom(runId, transformId, 'nope', '', '../x'), fc.string({ maxLength: 70 }));
  const json = fc.oneof(
    fc.record({ kind: fc.oneof(fc.constantFrom('file', 'run', 'transform'), fc.jsonValue()), id: ids, labels: fc.oneof(fc.array(fc.string({ maxLength: 300 }), { maxLength: 4 }), fc.jsonValue()), add: fc.oneof(fc.boolean(), fc.jsonValue()) }, { requiredKeys: [] }),
    fc.record({ reference: fc.oneof(fc.string({ maxLength: 1100 }), fc.jsonValue()), referenceType: fc.oneof(fc.string({ maxLength: 300 }), fc.jsonValue()) }, { requiredKeys: [] }),
    fc.jsonValue({ maxDepth: 3 }),
  );
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('labels', 'reference', 'source', 'read-source'), json, ids, fc.uint8Array({ maxLength: 64 }), fc.string({ maxLength: 70 }), async (route, body, id, bytes, sha) => {
      const before = ledger.head.seq;
      const base = `${server.url}/api/ledger/v1`;
      const res =
        route === 'labels'
          ? await fetch(`${base}/labels`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
          : route === 'reference'
            ? await fetch(`${base}/runs/${encodeURIComponent(id)}/reference`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
            : route === 'source'
              ? await fetch(`${base}/transforms/${encodeURIComponent(id)}/source?sha256=${encodeURIComponent(sha)}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes })
              : await fetch(`${base}/transforms/${encodeURIComponent(id)}/source?sha256=${encodeURIComponent(sha)}`);
      const text = await res.text();
      assert.ok(res.status < 500, `${route}: ${res.status} ${text.slice(0, 200)}`);
      if (res.status >= 400) assert.equal(typeof (JSON.parse(text) as { code?: unknown }).code, 'string');
      if (res.status >= 400) assert.equal(ledger.head.seq, before, `a ${res.status} wrote events`);
    }),
    { numRuns: 300 },
  );
  const v = await ledger.verify();
  assert.ok(v.ok, JSON.stringify(v.firstBad));
});

test('arbitrary paths and query parameters never crash a read, and never reach a file', async () => {
  const segment = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('..', '%2e%2e', '..%2F..%2Fetc', '%00', 'etc/passwd', '~', '%ZZ'));
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('/api/v1/namespaces/', '/api/v1/lineage?nodeId=', '/api/v1/search?q=', '/api/v1/namespaces?asOf=', '/api/v1/events/lineage?before=', '/', '/api/v1/namespaces/x/jobs/', '/api/v1/namespaces/x/datasets/'),
      fc.array(segment, { minLength: 1, maxLength: 4 }),
      async (prefix, parts) => {
        const path = prefix + parts.map((p) => (/%|\.\./.test(p) ? p : encodeURIComponent(p))).join('/');
        const res = await fetch(`${server.url}${path}`);
        const text = await res.text();
        assert.ok(res.status < 500, `${path}: ${res.status} ${text.slice(0, 200)}`);
        assert.doesNotMatch(text, /root:x:0:0/);
        // Every answer is JSON but the web page's own index (a path such as /.. is / to a client).
        if (res.headers.get('content-type')?.startsWith('text/html')) assert.match(text, /^<!doctype html>/i);
        else JSON.parse(text);
      },
    ),
    { numRuns: 300 },
  );
});

test('malformed HTTP, lying Content-Length and slow clients are cut off in bounded time while others are served', async () => {
  const { hostname, port } = new URL(server.url);
  /** Sends raw bytes (optionally one chunk at a time), and resolves with what came back when the server closes. */
  const raw = (chunks: string[], gapMs = 0) =>
    new Promise<string>((resolve) => {
      const s = connect(Number(port), hostname);
      let got = '';
      s.setEncoding('utf8').on('data', (d: string) => (got += d));
      s.on('close', () => resolve(got));
      s.on('error', () => {});
      void (async () => {
        for (const c of chunks) {
          if (s.destroyed) return;
          s.write(c);
          if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
        }
        if (!gapMs) s.end();
      })();
      setTimeout(() => s.destroy(), 10_000);
    });
  const started = Date.now();
  const slow = raw('POST /api/v1/lineage HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"a":'.split(''), 300);
  const answers = await Promise.all([
    raw(['GARBAGE\r\n\r\n']),
    raw(['POST /api/v1/lineage HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\n\r\n{}']),
    raw(['GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\n' + 'X-Long: ' + 'a'.repeat(100_000) + '\r\n\r\n']),
    raw(['POST /api/v1/lineage HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n']),
  ]);
  for (const a of answers) assert.match(a, /^HTTP\/1\.1 4\d\d/, a.slice(0, 100));
  // While the slow client dribbles, others are answered.
  assert.equal((await get(`${server.url}/api/v1/namespaces`)).status, 200);
  const cut = await slow;
  assert.ok(Date.now() - started < 10_000, 'the slow client was cut off by the request timeout');
  assert.ok(cut === '' || /^HTTP\/1\.1 4\d\d/.test(cut), cut.slice(0, 100));
  assert.equal((await post(`${server.url}/api/v1/lineage`, runEvent(newRunId(), 'START', 'still-alive'))).status, 201);
});

test.run();
