import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
// @ts-expect-error: classic-level ships no types for its chained batch module
import { ChainedBatch } from 'classic-level/chained-batch.js';
import { MemoryLevel } from 'memory-level';
import { suite } from 'uvu';
import { File, Transform, isLineageError, open, type Durability, type Ledger } from 'lineage-ledger';
import { validateInput } from '../lib/events/catalog.js';
import type { EventInput, LedgerEvent } from '../lib/events/types.js';
import { walkChain } from './support/chain.js';
import { checkStored } from './support/hostile.js';
import { type Backend, backends, tempDir } from './helpers.js';

/** Makes the next `n` batch writes of every database of a backend fail, as a full disk would. */
function failingWrites(backend: 'memory-level' | 'classic-level'): { failNext: (n: number) => void; restore: () => void } {
  // Array batches go to the database's _batch; chained batches to their own _write (memory-level's
  // default chained batch calls _batch in turn, classic-level's writes natively).
  const targets: [{ [k: string]: (...args: unknown[]) => Promise<void> }, string][] = [
    [(backend === 'memory-level' ? MemoryLevel : ClassicLevel).prototype as never, '_batch'],
    ...(backend === 'classic-level' ? [[ChainedBatch.prototype as never, '_write'] as [never, string]] : []),
  ];
  const reals = targets.map(([proto, name]) => proto[name]!);
  let left = 0;
  targets.forEach(([proto, name], i) => {
    proto[name] = function (this: unknown, ...args: unknown[]) {
      if (left > 0) {
        left--;
        return Promise.reject(Object.assign(new Error('injected: No space left on device'), { code: 'ENOSPC' }));
      }
      return reals[i]!.apply(this, args);
    };
  });
  return { failNext: (n) => (left = n), restore: () => targets.forEach(([proto, name], i) => (proto[name] = reals[i]!)) };
}

/** Appends one transform.registered event straight to the log, as one job of the writer queue. */
function appendTransform(ledger: Ledger, name: string): Promise<LedgerEvent[]> {
  const e: EventInput = { type: 'transform.registered', data: { id: `t-${name}`, name, version: '1', type: 'script' } };
  return ledger.log.append([e], [validateInput(e)]);
}

async function addOne(ledger: Ledger, name: string, size = 100): Promise<File> {
  return (await ledger.add(new File(Buffer.alloc(size, name), { name }))) as File;
}

for (const backend of backends().filter((b): b is Backend & { name: 'memory-level' | 'classic-level' } => b.name !== 'postgres')) {
  const test = suite(`write errors (${backend.name})`);
  test.after(() => backend.cleanup());

  test('a refused write rejects with WRITE_FAILED, advances nothing in memory, and the ledger keeps working', async () => {
    const ledger = await backend.fresh();
    await ledger.track(new Transform({ name: 'writer' }));
    await addOne(ledger, 'before.txt');
    const head = ledger.head;
    const stats = ledger.stats();
    const writes = failingWrites(backend.name);
    try {
      writes.failNext(1);
      // Appends that share the failing group commit fail together: none is half written.
      const outcomes = await Promise.allSettled([addOne(ledger, 'lost-1.txt'), addOne(ledger, 'lost-2.txt'), addOne(ledger, 'lost-3.txt')]);
      const failed = outcomes.filter((o) => o.status === 'rejected');
      assert.ok(failed.length >= 1);
      for (const o of failed) assert.ok(isLineageError((o as PromiseRejectedResult).reason, 'WRITE_FAILED'), String((o as PromiseRejectedResult).reason));
      const kept = outcomes.filter((o) => o.status === 'fulfilled').map((o) => (o as PromiseFulfilledResult<File>).value.name);
      assert.equal(ledger.head.seq, head.seq + kept.length, 'the head moved only for the appends that were written');
      for (const n of ['lost-1.txt', 'lost-2.txt', 'lost-3.txt']) assert.equal(ledger.select(File, { name: n }).count(), kept.includes(n) ? 1 : 0);
      if (kept.length === 0) {
        assert.deepEqual(ledger.head, head);
        assert.deepEqual(ledger.stats(), stats);
      }
      writes.failNext(2);
      await assert.rejects(ledger.finish(), (e: unknown) => isLineageError(e, 'WRITE_FAILED'));
      await assert.rejects(addOne(ledger, 'lost-4.txt'), (e: unknown) => isLineageError(e, 'WRITE_FAILED'));
    } finally {
      writes.restore();
    }
    // It keeps working: the same content can be added again, and the run finishes.
    const again = await addOne(ledger, 'lost-1.txt');
    assert.equal(again.name, 'lost-1.txt');
    await addOne(ledger, 'after.txt');
    await ledger.finish();
    const events = await checkStored(ledger);
    await ledger.close();
    if (backend.reopen) {
      const reopened = await backend.reopen();
      assert.equal(reopened.head.seq, events);
      assert.equal(reopened.select(File, { name: 'after.txt' }).count(), 1);
      assert.equal(reopened.select(File, { name: 'lost-4.txt' }).count(), 0);
      await reopened.close();
      assert.equal((await walkChain(reopened.path!)).broken, undefined);
    }
  });

  test('appends that arrive while a group is written are sealed on top of it; when that write fails they are sealed again on the real head, in order, with no gap', async () => {
    const ledger = await backend.fresh();
    await ledger.track(new Transform({ name: 'writer' }));
    const head = ledger.head;
    const append = (name: string) => appendTransform(ledger, name);
    const writes = failingWrites(backend.name);
    let outcomes: PromiseSettledResult<LedgerEvent[]>[];
    try {
      writes.failNext(1);
      // The first append starts a write at once; the next ones are appended while it is in flight.
      outcomes = await Promise.allSettled([append('lost'), append('kept-1'), append('kept-2'), append('kept-3')]);
    } finally {
      writes.restore();
    }
    const [lost, ...kept] = outcomes;
    assert.equal(lost!.status, 'rejected');
    assert.ok(isLineageError((lost as PromiseRejectedResult).reason, 'WRITE_FAILED'));
    const events = kept.map((o) => {
      assert.equal(o.status, 'fulfilled', String((o as PromiseRejectedResult).reason));
      return (o as PromiseFulfilledResult<LedgerEvent[]>).value[0]!;
    });
    assert.deepEqual(events.map((e) => e.seq), [head.seq + 1, head.seq + 2, head.seq + 3]);
    assert.deepEqual(events.map((e) => (e.data as { name: string }).name), ['kept-1', 'kept-2', 'kept-3']);
    assert.equal(events[0]!.prev, head.hash, 'the first kept event links to the last written one, not to the lost one');
    assert.deepEqual(ledger.head, { seq: head.seq + 3, hash: events[2]!.hash });
    assert.equal(ledger.select(Transform, { name: 'lost' }).count(), 0);
    assert.equal(await checkStored(ledger), head.seq + 3);
    await ledger.close();
  });

  test('of groups written one after another, a failing write rejects exactly its own appends: those before and after are kept, in order', async () => {
    const ledger = await backend.fresh();
    await ledger.track(new Transform({ name: 'writer' }));
    const head = ledger.head;
    const append = (name: string) => appendTransform(ledger, name);
    const writes = failingWrites(backend.name);
    let before: PromiseSettledResult<LedgerEvent[]>[];
    let failed: PromiseSettledResult<LedgerEvent[]>[];
    let after: PromiseSettledResult<LedgerEvent[]>[];
    try {
      // 'a' is written at once; 'b1' and 'b2', appended while it is written, form the next group, whose write fails.
      const a = Promise.allSettled([append('a')]);
      writes.failNext(1);
      const b = Promise.allSettled([append('b1'), append('b2')]);
      before = await a;
      failed = await b;
      after = await Promise.allSettled([append('c1'), append('c2')]);
    } finally {
      writes.restore();
    }
    assert.equal(before[0]!.status, 'fulfilled');
    for (const o of failed) assert.ok(o.status === 'rejected' && isLineageError(o.reason, 'WRITE_FAILED'), String(o.status));
    const kept = after.map((o) => (o as PromiseFulfilledResult<LedgerEvent[]>).value[0]!);
    assert.deepEqual(kept.map((e) => e.seq), [head.seq + 2, head.seq + 3]);
    for (const name of ['a', 'c1', 'c2']) assert.equal(ledger.select(Transform, { name }).count(), 1, name);
    for (const name of ['b1', 'b2']) assert.equal(ledger.select(Transform, { name }).count(), 0, name);
    assert.equal(await checkStored(ledger), head.seq + 3);
    await ledger.close();
  });

  test.run();
}

const folder = suite('write errors when the ledger folder cannot be made');

folder('a ledger path that is, or goes through, a file fails with a coded error and writes nothing', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'a-file'), 'x');
    await assert.rejects(open(join(dir, 'a-file')), (e: unknown) => isLineageError(e, 'INVALID_ARGUMENT') && e.message.includes('a-file'));
    await assert.rejects(open(join(dir, 'a-file', 'below')), (e: unknown) => isLineageError(e, 'INVALID_ARGUMENT'));
  } finally {
    cleanup();
  }
});

folder.run();

const full = suite('write errors on a real full disk (a 1 MiB tmpfs)');

function mountTmpfs(dir: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

for (const durability of ['batched', 'sync'] as Durability[]) {
  full(`a full disk (${durability}): WRITE_FAILED, nothing advanced; once space is freed, appends work and every acknowledged event survives a reopen`, async () => {
    const { dir, cleanup } = tempDir('lineage-full-');
    const mnt = join(dir, 'mnt');
    mkdirSync(mnt);
    if (!mountTmpfs(mnt)) {
      console.log(`\n  SKIPPED: cannot mount a tmpfs here (needs root); the injected write errors above cover WRITE_FAILED`);
      cleanup();
      return;
    }
    try {
      const path = join(mnt, 'ledger');
      const ledger = await open(path, { durability });
      await ledger.track(new Transform({ name: 'filler' }));
      writeFileSync(join(mnt, 'ballast'), Buffer.alloc(300 * 1024));
      const acked: string[] = [];
      let failures = 0;
      for (let i = 0; i < 200 && failures < 4; i++) {
        const head = ledger.head;
        try {
          acked.push((await addOne(ledger, `f${i}.bin`, 20_000)).id);
        } catch (err) {
          assert.ok(isLineageError(err, 'WRITE_FAILED'), `a full disk gives WRITE_FAILED, not ${err}`);
          assert.deepEqual(ledger.head, head, 'a failed append advances nothing');
          assert.equal(ledger.select(File, { name: `f${i}.bin` }).count(), 0);
          failures++;
        }
      }
      assert.ok(failures > 0, 'the disk filled up');
      rmSync(join(mnt, 'ballast'));
      for (let i = 0; i < 5; i++) acked.push((await addOne(ledger, `after${i}.bin`, 20_000)).id);
      await ledger.close();
      const chain = await walkChain(path);
      assert.equal(chain.broken, undefined);
      const again = await open(path);
      try {
        for (const id of acked) assert.equal(again.select(File, { id }).count(), 1, `acknowledged file ${id} survived`);
        assert.equal(again.head.seq, chain.head.seq);
      } finally {
        await again.close();
      }
    } finally {
      execFileSync('umount', [mnt]);
      cleanup();
    }
  });
}

full.run();
