import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import { File, LIMITS, Run, Transform, isLineageError, type Ledger } from 'lineage-ledger';
import { backends } from './helpers.js';

async function refused(ledger: Ledger, call: () => Promise<unknown>, what: string): Promise<void> {
  const before = ledger.head;
  await assert.rejects(call, (e: unknown) => isLineageError(e, 'LIMIT_EXCEEDED'), `${what} is refused with LIMIT_EXCEEDED`);
  assert.deepEqual(ledger.head, before, `${what}: nothing was written`);
}

function nested(levels: number): Record<string, unknown> {
  let v: Record<string, unknown> = { leaf: 1 };
  for (let i = 1; i < levels; i++) v = { k: v };
  return v;
}

for (const backend of backends()) {
  const test = suite(`limits (${backend.name})`);
  test.after(() => backend.cleanup());

  test('names, versions, references and run names longer than the limit (after NFC) are refused, and nothing is written', async () => {
    const ledger = await backend.fresh();
    const long = 'x'.repeat(LIMITS.nameLength + 1);
    await refused(ledger, () => ledger.track(new Transform({ name: long })), 'a transform name');
    await refused(ledger, () => ledger.track(new Transform({ name: 'ok', version: 'v'.repeat(257) })), 'a version');
    await refused(ledger, () => ledger.track(new Transform({ name: 'ok', reference: long })), 'a reference');
    await refused(ledger, () => ledger.track(new Transform({ name: 'ok' }), { name: long }), 'a run name');
    await refused(ledger, () => ledger.add(new File(Buffer.from('x'), { name: long })), 'a file name');
    await refused(ledger, () => ledger.track(new Transform({ name: 'x'.repeat(10 * 1024 * 1024) })), 'a 10 MB name');
    // Exactly at the limit is fine, and the limit counts characters after NFC: 2048 code units that compose to 1024.
    await ledger.track(new Transform({ name: 'y'.repeat(LIMITS.nameLength) }));
    const composed = await ledger.add(new File(Buffer.from('z'), { name: 'e\u0301'.repeat(LIMITS.nameLength) }));
    assert.equal(composed.name, '\u00e9'.repeat(LIMITS.nameLength));
    await ledger.close();
  });

  test('params larger than 64 KiB as JSON, or nested deeper than 32 levels, are refused', async () => {
    const ledger = await backend.fresh();
    const t = new Transform({ name: 'params' });
    await ledger.add(t);
    await refused(ledger, () => ledger.track(t, { params: { s: 'x'.repeat(LIMITS.paramsBytes) } }), 'params of 64 KiB and more');
    // Control characters take 6 bytes each as JSON: the limit is on the JSON, not on the characters.
    await refused(ledger, () => ledger.track(t, { params: { s: '\u0001'.repeat(LIMITS.paramsBytes / 4) } }), 'params that grow when escaped');
    await refused(ledger, () => ledger.run(t, async () => 1, { params: nested(LIMITS.paramsDepth + 2) }), 'params nested too deep');
    await refused(ledger, () => ledger.add(new Run({ transform: t, params: { a: Array.from({ length: 40_000 }, () => 1) } })), 'a run with params too large');
    await ledger.track(t, { params: nested(LIMITS.paramsDepth) });
    assert.equal(ledger.context.run!.params!.k !== undefined, true);
    await ledger.close();
  });

  test('an error message longer than the limit is refused by finish(), and cut to the limit when a scoped run throws it', async () => {
    const ledger = await backend.fresh();
    await ledger.track(new Transform({ name: 'errors' }));
    await refused(ledger, () => ledger.finish({ status: 'failed', error: 'e'.repeat(LIMITS.errorLength + 1) }), 'a long error message');
    await assert.rejects(ledger.run(new Transform({ name: 'thrower' }), async () => {
      throw new Error('boom'.repeat(LIMITS.errorLength));
    }));
    const failed = ledger.select(Run, { status: 'failed' }).one();
    assert.equal(failed.error!.length, LIMITS.errorLength);
    await ledger.close();
  });

  test('an event larger than the limit is refused by the log itself, as a last line of defence', async () => {
    const ledger = await backend.fresh();
    const before = ledger.head;
    const data = { runId: 'r1', status: 'failed', error: 'x'.repeat(LIMITS.eventBytes), finishedAt: new Date().toISOString() };
    await assert.rejects(ledger.log.append([{ type: 'run.finished', data } as never], [1]), (e: unknown) => isLineageError(e, 'LIMIT_EXCEEDED'));
    assert.deepEqual(ledger.head, before);
    await ledger.close();
  });

  test('in-memory content larger than the inline limit is stored as a file under objects/, not as one LevelDB value', async () => {
    const ledger = await backend.fresh();
    await ledger.track(new Transform({ name: 'big' }));
    const bytes = Buffer.alloc(LIMITS.inlineContentBytes + 1, 7);
    const f = (await ledger.add(new File(bytes, { name: 'big.bin' }))) as File;
    assert.deepEqual(await f.load(), bytes);
    if (backend.name === 'classic-level') {
      assert.match(f.storageKey!, /^objects\//);
      assert.ok(existsSync(join(ledger.path!, 'objects', f.hash!.slice(0, 2), f.hash!)));
      assert.deepEqual(readdirSync(join(ledger.path!, 'tmp')), [], 'no temporary copy is left behind');
    } else {
      assert.match(f.storageKey!, /^inline\//);
    }
    await ledger.close();
  });

  test('a ledger refuses events past its event limit with LIMIT_EXCEEDED, and writes none of the refused call', async () => {
    const ledger = await backend.fresh();
    await ledger.track(new Transform({ name: 'limited' }));
    // Two billion events are out of reach of a test: lower the limit for this one (restored after).
    const limits = LIMITS as { events: number };
    const real = limits.events;
    limits.events = ledger.head.seq + 1;
    try {
      await ledger.add(new File(Buffer.from('one more fits'), { name: 'last.txt' }));
      await refused(ledger, () => ledger.add(new File(Buffer.from('this one does not'), { name: 'over.txt' })), 'an event past the limit');
    } finally {
      limits.events = real;
    }
    await ledger.add(new File(Buffer.from('fits again'), { name: 'after.txt' }));
    await ledger.close();
  });

  test('a refused call leaves the ledger as it was, across a reopen', async () => {
    const ledger = await backend.fresh();
    await ledger.track(new Transform({ name: 'before' }));
    await ledger.finish();
    const head = ledger.head;
    await refused(ledger, () => ledger.track(new Transform({ name: 'n'.repeat(LIMITS.nameLength + 1) })), 'a long name');
    await ledger.close();
    if (!backend.reopen) return;
    const again = await backend.reopen();
    assert.deepEqual(again.head, head);
    await again.close();
  });

  test.run();
}
