import assert from 'node:assert/strict';
import { join } from 'node:path';
import { suite } from 'uvu';
import { open, Run } from 'lineage-ledger';
import { tempDir } from '../helpers.js';
import { dataset, get, newRunId, post, runEvent, serveChild } from '../support/serve.js';

const test = suite('lineage serve under load');
const CLIENTS = 64;

interface Tally {
  acknowledged: Set<string>;
  reads: number;
  failures: string[];
}

/** One client: START, a read, COMPLETE, a read, again, until `stop()`; a 201 counts its run as acknowledged. */
async function client(url: string, n: number, tally: Tally, stopped: () => boolean): Promise<void> {
  for (let i = 0; !stopped(); i++) {
    const id = newRunId();
    const job = `job-${n % 8}`;
    const io = { inputs: [dataset(`in-${n}-${i}.csv`)], outputs: [dataset(`out-${n}-${i}.csv`)] };
    try {
      const start = await post(`${url}/api/v1/lineage`, runEvent(id, 'START', job, io));
      if (start.status === 201) tally.acknowledged.add(`${id} START`);
      else tally.failures.push(`START ${start.status} ${JSON.stringify(start.body)}`);
      const read = await get(i % 2 ? `${url}/api/v1/lineage?nodeId=${encodeURIComponent(`job:tests:${job}`)}&depth=1` : `${url}/api/v1/namespaces/tests/jobs/${job}/runs?limit=5`);
      if (read.status === 200) tally.reads++;
      else tally.failures.push(`read ${read.status} ${JSON.stringify(read.body)}`);
      const done = await post(`${url}/api/v1/lineage`, runEvent(id, 'COMPLETE', job, io));
      if (done.status === 201) tally.acknowledged.add(`${id} COMPLETE`);
      else tally.failures.push(`COMPLETE ${done.status}`);
    } catch (err) {
      // Only a killed server may drop a connection.
      if (!stopped()) tally.failures.push(`fetch: ${(err as Error).message}`);
      return;
    }
  }
}

test(`${CLIENTS} concurrent clients writing and reading over loopback: every event acknowledged is there, seqs contiguous, the chain intact, after a SIGKILL and a restart`, async () => {
  const { dir, cleanup } = tempDir('lineage-serve-load-');
  const db = join(dir, 'ledger');
  try {
    const server = await serveChild(db);
    const tally: Tally = { acknowledged: new Set(), reads: 0, failures: [] };
    let killed = false;
    const clients = Array.from({ length: CLIENTS }, (_, n) => client(server.url, n, tally, () => killed));
    // Let them run (until every client could have written a few events; the machine may be slow), then kill the server mid-flight.
    const until = Date.now() + 30_000;
    while (tally.acknowledged.size < 3 * CLIENTS && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    killed = true;
    server.child.kill('SIGKILL');
    await server.exited;
    await Promise.all(clients);
    assert.deepEqual(tally.failures, []);
    assert.ok(tally.acknowledged.size >= CLIENTS, `${tally.acknowledged.size} acknowledged`);

    // A restarted server serves every acknowledged run.
    const again = await serveChild(db);
    try {
      const runs = new Map<string, string>();
      for (let j = 0; j < 8; j++) {
        const res = await get(`${again.url}/api/v1/namespaces/tests/jobs/job-${j}/runs?limit=10000`);
        assert.equal(res.status, 200);
        for (const r of (res.body as { runs: { id: string; state: string }[] }).runs) runs.set(r.id, r.state);
      }
      for (const a of tally.acknowledged) {
        const [id, type] = a.split(' ');
        assert.ok(runs.has(id!), `acknowledged run ${id} is missing after the restart`);
        if (type === 'COMPLETE') assert.equal(runs.get(id!), 'COMPLETED', `${id} was acknowledged COMPLETE`);
      }
      again.child.kill('SIGTERM');
      assert.equal(await again.exited, 0);
    } finally {
      again.child.kill('SIGKILL');
    }
    const ledger = await open(db);
    try {
      const v = await ledger.verify();
      assert.ok(v.ok, JSON.stringify(v.firstBad));
      let expected = 1;
      for await (const e of ledger.events()) assert.equal(e.seq, expected++);
      assert.equal(expected - 1, ledger.head.seq);
      assert.ok(ledger.select(Run).count() >= new Set([...tally.acknowledged].map((a) => a.split(' ')[0])).size);
      console.log(`  load: ${CLIENTS} clients, ${tally.acknowledged.size} events acknowledged, ${tally.reads} reads, ${ledger.head.seq} log events, all present after SIGKILL`);
    } finally {
      await ledger.close();
    }
  } finally {
    cleanup();
  }
});

test.run();
