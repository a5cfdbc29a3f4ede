import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import { File, isLineageError, type Ledger, open, Run, Transform } from 'lineage-ledger';
import { backends, tempDir } from './helpers.js';

async function seqsOf(ln: Ledger, from: number): Promise<{ seq: number; type: string; at: string }[]> {
  const out: { seq: number; type: string; at: string }[] = [];
  for await (const e of ln.events({ from })) out.push({ seq: e.seq, type: e.type, at: e.at });
  return out;
}

for (const backend of backends()) {
  const test = suite(`add([...]) on ${backend.name}`);
  let ln: Ledger;
  let tmp: ReturnType<typeof tempDir>;
  // One fresh ledger and folder per test, released whatever the test did.
  const it = (name: string, fn: () => Promise<void>) =>
    test(name, async () => {
      [tmp, ln] = [tempDir(), await backend.fresh()];
      try {
        await fn();
      } finally {
        await ln.close();
        backend.cleanup();
        tmp.cleanup();
      }
    });

  it('an array is written as one job: its events are contiguous even while other adds run at the same time', async () => {
    await ln.track(new Transform({ name: 'writer' }));
    const before = ln.head.seq;
    const batch = Array.from({ length: 200 }, (_, i) => new File(Buffer.from(`batch ${i}`), { name: `b${i}.txt` }));
    const singles = Array.from({ length: 50 }, (_, i) => ln.add(new File(Buffer.from(`single ${i}`), { name: `s${i}.txt` })));
    const [saved] = await Promise.all([ln.add(batch), ...singles]);
    assert.equal(saved.length, 200);
    const events = await seqsOf(ln, before + 1);
    const mine = new Set(batch.map((f) => f.id));
    const seqs = events.filter((e) => e.type === 'file.created').map((e) => e.seq);
    assert.equal(seqs.length, 250);
    // The batch's 200 file.created events sit next to each other, with one time: one group commit.
    const created = ln.select(File).all().filter((f) => mine.has(f.id));
    assert.equal(created.length, 200);
    const history = await Promise.all(created.map((f) => ln.history(f)));
    const own = history.map((h) => h[0]!.seq).sort((a, b) => a - b);
    assert.equal(own[own.length - 1]! - own[0]!, 199, 'the batch was interleaved with other appends');
    assert.equal(new Set(history.map((h) => h[0]!.at)).size, 1);
    assert.deepEqual(saved.map((f) => f.name), batch.map((_, i) => `b${i}.txt`));
  });

  it('a bad record anywhere in the array is a coded error and saves none of it', async () => {
    await ln.track(new Transform({ name: 'writer' }));
    const seq = ln.head.seq;
    const t = new Transform({ name: 'new-one' });
    const r = new Run({ transform: t, name: 'r' });
    const good = new File(Buffer.from('good'), { name: 'good.txt', run: r });
    for (const bad of [new File(join(tmp.dir, 'missing.txt')), new Transform({ name: '' }), new Run({ transform: t, params: { x: NaN } }), {} as File]) {
      await assert.rejects(() => ln.add([t, r, good, bad]), (err) => isLineageError(err));
      assert.equal(ln.head.seq, seq, 'something was written');
      for (const x of [t, r, good]) assert.throws(() => x.id, (err) => isLineageError(err) && err.code === 'RECORD_NOT_SAVED');
    }
    assert.equal(ln.select(File, { name: 'good.txt' }).first(), undefined);
    assert.equal(ln.select(Transform, { name: 'new-one' }).first(), undefined);
  });

  it('records an array refers to are saved with it, once: a run and its transform, the same content twice, the same record twice', async () => {
    const t = new Transform({ name: 'maker', version: '2' });
    const t2 = new Transform({ name: 'maker', version: '2' });
    const run = new Run({ transform: t, name: 'made', params: { k: 1 } });
    const a = new File(Buffer.from('same'), { name: 'a.txt', run });
    const b = new File(Buffer.from('same'), { name: 'b.txt', run });
    const c = new File(Buffer.from('other'), { name: 'c.txt', run });
    const saved = await ln.add([a, b, c, c, t2]);
    assert.equal(saved.length, 5);
    assert.equal(a.id, b.id, 'the same content is one file');
    assert.equal(ln.select(File).count(), 2);
    assert.equal(ln.select(Transform).count(), 1, 'the same name and version is one transform');
    assert.equal(t.id, t2.id);
    assert.equal(a.run!.id, run.id);
    assert.equal(run.transform.id, t.id);
    assert.deepEqual(run.params, { k: 1 });
    assert.equal(run.status, 'started');
    assert.deepEqual((await ln.history(run)).map((e) => e.type), ['run.started', 'file.created', 'file.created']);
    assert.equal((await a.load()).toString(), 'same');
    // Saved records are no-ops, and content known already records the new run as a re-creator.
    await ln.track(new Transform({ name: 'again' }));
    const d = new File(Buffer.from('other'), { name: 'd.txt' });
    const seq = ln.head.seq;
    await ln.add([a, d]);
    assert.equal(d.id, c.id);
    assert.equal(ln.head.seq, seq + 1);
    assert.deepEqual(c.recreatedBy.map((r) => r.id), [ln.context.run!.id]);
    assert.deepEqual(await ln.add([]), []);
  });

  test.run();
}

const crash = suite('add([...]) and crashes');
const CHILD = fileURLToPath(new URL('./support/batch-child.js', import.meta.url));

crash('a child killed with SIGKILL while it saves batches leaves each batch whole or absent, and every acknowledged one whole', async () => {
  const { dir, cleanup } = tempDir('lineage-batch-crash-');
  try {
    const path = join(dir, 'ledger');
    const acked = new Map<string, number>();
    for (let k = 0; k < 8; k++) {
      const mode = k % 2 ? 'sync' : 'batched';
      await new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, [CHILD, path, mode, `k${k}`], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        let timer: NodeJS.Timeout | undefined;
        child.stdout.setEncoding('utf8');
        child.stdout.on('data', (d: string) => {
          out += d;
          if (!timer && out.includes('opened\n')) timer = setTimeout(() => child.kill('SIGKILL'), 30 + Math.random() * 250);
        });
        child.stderr.on('data', (d) => (err += d));
        child.on('error', reject);
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          if (signal !== 'SIGKILL') return reject(new Error(`the child ended by itself (${code}): ${err}`));
          for (const line of out.split('\n')) {
            const m = /^ack (\S+) (\d+)$/.exec(line);
            if (m) acked.set(m[1]!, Number(m[2]));
          }
          resolve();
        });
      });
      const ln = await open(path);
      try {
        for (const [id, n] of acked) assert.equal(ln.select(Run, { id }).one().outputs.length, n, `acknowledged batch ${id} is not whole`);
        for (const run of ln.select(Run).all()) assert.equal(run.outputs.length, 40, `run ${run.name} has ${run.outputs.length} of its 40 files`);
        assert.ok((await ln.verify()).ok);
      } finally {
        await ln.close();
      }
    }
    assert.ok(acked.size > 0, 'no batch was acknowledged before the kills');
    console.log(`  add([...]) crash: 8 kills, ${acked.size} acknowledged batches checked whole`);
  } finally {
    cleanup();
  }
});

crash.run();
