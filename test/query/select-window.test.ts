import * as assert from 'uvu/assert';
import { test } from 'uvu';
import fc from 'fast-check';
import { File, open, Run, Transform } from 'lineage-ledger';

const ids = (xs: { id: string }[]) => xs.map((x) => x.id);

test('first, one, count, limit and offset agree with all() whatever the query', async () => {
  const l = await open({ memory: true });
  for (let i = 0; i < 7; i++) {
    await l.run(new Transform({ name: `t${i % 2}` }), async () => {
      await l.add(new File(Buffer.from(`content ${i}`), { name: `f${i % 3}.csv` }));
    });
  }
  const queries = [
    () => l.select(File),
    () => l.select(File, { name: 'f1.csv' }),
    () => l.select(File).where((f) => f.name !== 'f0.csv'),
    () => l.select(File).orderBy('name', 'desc'),
    () => l.select(Run).join(Transform, { name: 't1' }),
    () => l.select(Transform).join(Run).join(File, { name: 'f2.csv' }),
  ];
  fc.assert(
    fc.property(fc.integer({ min: 0, max: queries.length - 1 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 }), (q, offset, limit) => {
      const all = ids(queries[q]!().all());
      assert.equal(ids(queries[q]!().offset(offset).limit(limit).all()), all.slice(offset, offset + limit));
      assert.equal(ids(queries[q]!().offset(offset).all()), all.slice(offset));
      assert.is(queries[q]!().first()?.id, all[0]);
      assert.is(queries[q]!().offset(offset).first()?.id, all[offset]);
      assert.is(queries[q]!().count(), all.length);
      assert.is(queries[q]!().offset(offset).limit(limit).count(), all.length);
      if (all.length === 1) assert.is(queries[q]!().one().id, all[0]);
      else assert.throws(() => queries[q]!().one(), (e: { code?: string }) => e.code === 'QUERY_NOT_ONE');
    }),
    { numRuns: 200 },
  );
  await l.close();
});

test.run();
