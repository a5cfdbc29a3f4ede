import assert from 'node:assert/strict';
import { suite } from 'uvu';
import { File, Transform } from 'lineage-ledger';
import { backends } from './helpers.js';

for (const backend of backends()) {
  const test = suite(`reading back contents written lately on ${backend.name}`);

  test('load() of a file just added gives its bytes, and a caller changing them changes nothing stored', async () => {
    const ln = await backend.fresh();
    try {
      await ln.track(new Transform({ name: 'writer' }));
      const files = await ln.add(Array.from({ length: 50 }, (_, i) => new File(Buffer.from(`content ${i}`), { name: `f${i}.txt` })));
      for (const [i, f] of files.entries()) {
        const bytes = await f.load({ isRunInput: false });
        assert.equal(bytes.toString(), `content ${i}`);
        bytes.fill(0);
        assert.equal((await f.load()).toString(), `content ${i}`, 'the bytes a caller was given are its own copy');
      }
      // More than the store keeps at hand: the oldest are read from LevelDB again, unchanged.
      const big = await ln.add(Array.from({ length: 40 }, (_, i) => new File(Buffer.alloc(200_000, i + 1), { name: `big${i}.bin` })));
      assert.deepEqual(await big[0]!.load(), Buffer.alloc(200_000, 1));
      assert.equal((await files[0]!.load()).toString(), 'content 0');
    } finally {
      await ln.close();
      backend.cleanup();
    }
  });

  test.run();
}
