import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { suite } from 'uvu';
import { open } from 'lineage-ledger';
import { tempDir } from '../helpers.js';
import { serveChild } from '../support/serve.js';

const test = suite('Idempotency-Key across a server restart');
const API = '/api/ledger/v1';

interface Sent {
  path: string;
  key: string;
  body: { json: unknown } | { bytes: Buffer };
}

/** Sends one keyed write to the native API; status, JSON answer and whether it was a replay. */
async function send(url: string, w: Sent): Promise<{ status: number; body: Record<string, unknown>; replayed: boolean }> {
  const json = 'json' in w.body;
  const res = await fetch(`${url}${API}${w.path}`, {
    method: 'POST',
    headers: { 'idempotency-key': w.key, 'content-type': json ? 'application/json' : 'application/octet-stream' },
    body: 'json' in w.body ? JSON.stringify(w.body.json) : w.body.bytes,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, replayed: res.headers.get('idempotent-replayed') === 'true' };
}

test('a keyed write acknowledged before a SIGKILL, retried after the restart, gets its first answer and writes nothing again', async () => {
  const { dir, cleanup } = tempDir();
  const db = join(dir, 'ledger');
  try {
    const first = await serveChild(db);
    const writes: Sent[] = [];
    const answers: Record<string, unknown>[] = [];
    const write = async (w: Sent) => {
      const a = await send(first.url, w);
      assert.equal(a.status, 200, JSON.stringify(a.body));
      writes.push(w);
      answers.push(a.body);
      return a.body;
    };
    const key = () => randomUUID();
    const t = await write({ path: '/transforms', key: key(), body: { json: { transform: { name: 'align', version: '1' } } } });
    const run = await write({ path: '/runs', key: key(), body: { json: { transformId: t.id, params: { lane: 1 } } } });
    const bytes = Buffer.from('aligned reads');
    const sha = createHash('sha256').update(bytes).digest('hex');
    const file = await write({ path: `/files?${new URLSearchParams({ name: 'out.bam', sha256: sha, runId: run.id as string })}`, key: key(), body: { bytes } });
    await write({ path: '/labels', key: key(), body: { json: { kind: 'file', id: file.id, labels: ['qc', 'lane-1'], add: true } } });
    await write({ path: `/runs/${run.id}/reference`, key: key(), body: { json: { reference: 'nf-1', referenceType: 'nextflow' } } });
    await write({ path: `/records/file/${file.id}/description`, key: key(), body: { json: { description: 'lane 1' } } });
    await write({ path: `/runs/${run.id}/finish`, key: key(), body: { json: { status: 'completed' } } });
    const acknowledged = answers.at(-1)!.seq as number;

    first.child.kill('SIGKILL');
    await first.exited;

    const again = await serveChild(db);
    try {
      for (const [i, w] of writes.entries()) {
        const retry = await send(again.url, w);
        assert.equal(retry.status, 200, `${w.path}: ${JSON.stringify(retry.body)}`);
        assert.ok(retry.replayed, `${w.path} was answered from the log, not done again`);
        assert.deepEqual(retry.body, answers[i], w.path);
      }
      // The same key on another route is refused, as before the restart.
      const misused = await send(again.url, { ...writes[1]!, path: '/transforms', body: { json: { name: 'align' } } });
      assert.equal(misused.status, 400);
      // A new write still goes in, after everything acknowledged before.
      const fresh = await send(again.url, { path: '/runs', key: key(), body: { json: { transformId: t.id } } });
      assert.equal(fresh.status, 200);
      assert.equal(fresh.replayed, false);
      assert.equal(fresh.body.seq as number > acknowledged, true);
    } finally {
      again.child.kill('SIGTERM');
      await again.exited;
    }

    // Written once: one transform, two runs (the second is the new write), one file with its two labels.
    const ledger = await open(db);
    try {
      const counts = ledger.stats().eventsByType;
      assert.equal(counts['transform.registered'], 1);
      assert.equal(counts['run.started'], 2);
      assert.equal(counts['file.created'], 1);
      assert.equal(counts['label.added'], 1);
      assert.equal(counts['run.finished'], 1);
      assert.equal(counts['request.keyed'], 8);
    } finally {
      await ledger.close();
    }
  } finally {
    cleanup();
  }
});

test.run();
