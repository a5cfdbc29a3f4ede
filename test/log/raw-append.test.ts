import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { File, isLineageError, Transform, type Ledger } from 'lineage-ledger';
import { backends } from '../helpers.js';

/** The stored bytes of every event of a ledger, in order. */
async function storedBytes(ln: Ledger): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const batch of ln.log.readRaw()) for (const [, bytes] of batch) out.push(Buffer.from(bytes));
  return out;
}

async function refused(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await p;
  } catch (err) {
    assert.ok(isLineageError(err), String(err));
    assert.is((err as { code: string }).code, 'INVALID_ARGUMENT');
    assert.match((err as Error).message, pattern);
    return;
  }
  assert.unreachable('the raw append was accepted');
}

for (const backend of backends()) {
  const t = suite(`raw append (${backend.name})`);
  t.after(() => backend.cleanup());

  t('takes another ledger\'s stored bytes as they are, with their contents, and reaches the same head', async () => {
    const src = await backend.fresh();
    await src.track(new Transform({ name: 'raw', version: '1' }));
    const f = await src.add(new File(Buffer.from('copied content'), { name: 'c.txt' }));
    const bytes = await storedBytes(src);
    const head = src.head;
    const dst = await backend.fresh();
    assert.equal(await dst.log.appendRaw(bytes.slice(0, 2)), { seq: 2, hash: (await src.log.getEvents([2]))[0]!.event.hash }, 'a prefix, then the rest');
    await dst.log.appendRaw(bytes.slice(2), [{ key: f.hash!, value: Buffer.from('copied content') }]);
    assert.equal(dst.log.head, head);
    assert.equal(await storedBytes(dst), bytes, 'byte for byte');
    assert.equal(Buffer.from((await dst.log.getBlob(f.hash!))!).toString(), 'copied content');
    assert.equal(dst.select(File, { name: 'c.txt' }).one().id, f.id, 'the projection follows the copied events');
    await src.close();
    await dst.close();
  });

  t('refuses bytes that do not continue the chain (seq, prev, JSON), writing none of the batch', async () => {
    const src = await backend.fresh();
    await src.track(new Transform({ name: 'raw', version: '1' }));
    await src.add(new File(Buffer.from('x'), { name: 'x.txt' }));
    const bytes = await storedBytes(src);
    const dst = await backend.fresh();
    await dst.track(new Transform({ name: 'another', version: '1' }));
    const before = dst.log.head;
    await refused(dst.log.appendRaw(bytes), /does not continue|says seq/);
    const empty = await backend.fresh();
    await refused(empty.log.appendRaw([bytes[0]!, bytes[2]!]), /says seq 3/);
    await refused(empty.log.appendRaw([bytes[0]!, Buffer.from('not json')]), /not valid JSON/);
    const edited = Buffer.from(Buffer.from(bytes[0]!).toString().replace('"raw"', '"RAW"'));
    await refused(empty.log.appendRaw([edited, bytes[1]!]), /event 2 does not continue/);
    assert.equal(dst.log.head, before);
    assert.equal(empty.log.head.seq, 0, 'nothing of a refused batch was written');
    assert.equal((await storedBytes(empty)).length, 0);
    for (const ln of [src, dst, empty]) await ln.close();
  });

  t.run();
}
