import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import { open, Run, type Ledger } from 'lineage-ledger';
import { requiring } from '../support/requirement.js';
import { get, serving, type Serving } from '../support/serve.js';

const CLIENT = process.env.OPENLINEAGE_PYTHON_CLIENT;
const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../../../test/python/emit-openlineage.py', import.meta.url));

/** Why the official OpenLineage Python client cannot run here, or undefined when it can. */
function missing(): string | undefined {
  const how = 'set OPENLINEAGE_PYTHON_CLIENT to the client\'s src/ and apt-get install python3-attr python3-dateutil python3-yaml python3-requests python3-httpx python3-packaging';
  if (!CLIENT) return `the OpenLineage Python client test needs OPENLINEAGE_PYTHON_CLIENT (${how})`;
  if (!existsSync(join(CLIENT, 'openlineage', 'client'))) return `OPENLINEAGE_PYTHON_CLIENT=${CLIENT} holds no openlineage/client (${how})`;
  const probe = spawnSync(PYTHON, ['-c', 'import openlineage.client.transport.http'], { env: { ...process.env, PYTHONPATH: CLIENT }, encoding: 'utf8' });
  if (probe.status !== 0) return `the OpenLineage Python client does not import with ${PYTHON} (${probe.stderr.trim().split('\n').pop()}; ${how})`;
  return undefined;
}

const test = requiring(suite('the official OpenLineage Python client'), missing());

let ledger: Ledger;
let server: Serving;
test.before(async () => {
  ledger = await open({ memory: true });
  server = await serving(ledger, { token: 'py-api-key' });
});
test.after(async () => {
  await server?.close();
  await ledger?.close();
});

test('emits START and COMPLETE over HTTP with api_key auth and gzip; the run and its lineage read back', async () => {
  // Asynchronously: the server runs in this process.
  const emit = (key: string) =>
    new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      execFile(PYTHON, [SCRIPT, server.url, key], { env: { ...process.env, PYTHONPATH: CLIENT }, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => resolve({ status: err ? Number(err.code ?? 1) || 1 : 0, stdout, stderr }));
    });
  const denied = await emit('wrong-key');
  assert.notEqual(denied.status, 0, 'a wrong api key is refused');
  assert.match(denied.stderr, /401/);
  assert.equal(ledger.head.seq, 0);
  const r = await emit('py-api-key');
  assert.equal(r.status, 0, r.stderr);
  const [runId] = r.stdout.trim().split('\n');
  // The emitter sends a parent facet too: the parent run is there as well, under its own job.
  const runs0 = ledger.select(Run).all().filter((x) => x.transform.name === 'orders.load');
  assert.equal(runs0.length, 1);
  const run = runs0[0]!;
  assert.equal(run.status, 'completed');
  assert.equal(run.transform.name, 'orders.load');
  assert.deepEqual(run.inputs.map((f) => f.name), ['public.raw_orders']);
  assert.deepEqual(run.outputs.map((f) => f.name), ['public.orders']);
  const auth = 'py-api-key';
  const runs = (await get(`${server.url}/api/v1/namespaces/py-tests/jobs/orders.load/runs`, auth)).body as { runs: { id: string; state: string; durationMs: number }[] };
  assert.deepEqual(runs.runs.map((x) => [x.id, x.state, x.durationMs]), [[runId, 'COMPLETED', 2000]]);
  const g = (await get(`${server.url}/api/v1/lineage?nodeId=${encodeURIComponent('dataset:postgres://db:5432:public.orders')}`, auth)).body as { graph: { id: string }[] };
  assert.deepEqual(g.graph.map((n) => n.id).sort(), ['dataset:postgres://db:5432:public.orders', 'dataset:postgres://db:5432:public.raw_orders', 'job:py-tests:orders.load']);
});

test.run();
