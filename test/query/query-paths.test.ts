import * as assert from 'uvu/assert';
import { test } from 'uvu';
import fc from 'fast-check';
import { File, type Ledger, type LineageGraph, open, Run, Transform } from 'lineage-ledger';

const ids = (xs: { id: string }[]) => xs.map((x) => x.id);

test('every string of code units below U+0300, alone or in pairs, is already NFC (names in it skip normalization)', () => {
  for (let a = 0; a < 0x300; a++) {
    const s = String.fromCharCode(a);
    assert.is(s.normalize('NFC'), s);
    for (let b = 0; b < 0x300; b++) {
      const t = s + String.fromCharCode(b);
      if (t.normalize('NFC') !== t) assert.unreachable(`U+${a.toString(16)} U+${b.toString(16)} is not NFC`);
    }
  }
});

test('a file is found by its name in NFC, in NFD, and as it was written, whatever the characters', async () => {
  const alphabet = ['a', 'Z', '_', 'é', 'e\u0301', 'ñ', '\u00c5', 'A\u030a', '\u212b', '\u1100\u1161', '\uac00', 'ǅ', 'ß', '-'];
  await fc.assert(
    fc.asyncProperty(fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 6 }), async (parts) => {
      const name = `${parts.join('')}.txt`;
      const l = await open({ memory: true });
      try {
        const run = await l.run(new Transform({ name: 'make' }), async (r) => (await l.add(new File(Buffer.from(name), { name })), r));
        for (const spelling of [name, name.normalize('NFC'), name.normalize('NFD')]) {
          assert.is(l.select(File, { name: spelling }).one().name, name.normalize('NFC'));
          assert.is(l.select(File).where({ name: spelling }).count(), 1);
          assert.is(l.select(Run).join(File, { name: spelling }).one().id, run.id);
        }
      } finally {
        await l.close();
      }
    }),
    { numRuns: 60 },
  );
});

test('a record from select() follows the head as it moves, and the same record from a snapshot stays where it was', async () => {
  const l = await open({ memory: true });
  const t = new Transform({ name: 'make' });
  await l.track(t);
  const made = await l.add(new File(Buffer.from('a'), { name: 'a.txt' }));
  const run = l.select(Run, { id: l.context.run!.id }).one();
  const file = l.select(File, { id: made.id }).one();
  const before = l.asOf(l.head.seq);
  const old = before.select(Run, { id: run.id }).one();
  const oldFile = before.select(File, { id: made.id }).one();
  assert.is(run.status, 'started');
  assert.equal(file.inputOf, []);
  await l.track(new Transform({ name: 'use' }));
  assert.is(run.status, 'completed');
  assert.ok(run.finishedAt instanceof Date);
  await file.load({ isRunInput: true });
  assert.equal(ids(file.inputOf), [l.context.run!.id]);
  assert.is(old.status, 'started');
  assert.is(old.finishedAt, undefined);
  assert.equal(oldFile.inputOf, []);
  // Records reached through relations follow the head too.
  const consumer = file.inputOf[0]!;
  assert.is(consumer.status, 'started');
  await l.finish();
  assert.is(consumer.status, 'completed');
  assert.equal(ids(consumer.inputs), [made.id]);
  await l.close();
});

type Op = { transform: number; loads: number[]; adds: { name: number; again: number | null }[] };
const opArb: fc.Arbitrary<Op> = fc.record({
  transform: fc.nat({ max: 3 }),
  loads: fc.array(fc.nat({ max: 50 }), { maxLength: 3 }),
  adds: fc.array(fc.record({ name: fc.nat({ max: 4 }), again: fc.option(fc.nat({ max: 50 }), { freq: 4 }) }), { maxLength: 3 }),
});

/** A ledger where runs of a few transforms load earlier files and add files (some with content added before). */
async function ledgerOf(ops: Op[]): Promise<Ledger> {
  const l = await open({ memory: true });
  const contents: Buffer[] = [];
  for (const [k, op] of ops.entries()) {
    await l.run(new Transform({ name: `t${op.transform}` }), async () => {
      const files = l.select(File).all();
      for (const i of op.loads) if (files.length) await files[i % files.length]!.load({ isRunInput: true });
      for (const [j, a] of op.adds.entries()) {
        const content = a.again !== null && contents.length ? contents[a.again % contents.length]! : Buffer.from(`${k}.${j}`);
        contents.push(content);
        await l.add(new File(content, { name: `f${a.name}.csv` }));
      }
    });
  }
  return l;
}

type Model = typeof File | typeof Run | typeof Transform;
type Rec = File | Run | Transform;
/** The records of `to` that `r` connects to, read through the records' own relations. */
function related(r: Rec, to: Model, via: 'outputs' | 'inputs'): Rec[] {
  if (r instanceof Run) {
    if (to === Transform) return [r.transform];
    return via === 'inputs' ? r.inputs : r.outputs;
  }
  if (r instanceof File) {
    const runs = via === 'inputs' ? r.inputOf : [...(r.run ? [r.run] : []), ...r.recreatedBy];
    return to === Run ? runs : runs.map((x) => x.transform);
  }
  const runs = r.runs;
  return to === Run ? runs : runs.flatMap((x) => related(x, File, via));
}

test('joins find what following each record relation finds, oldest first, at the head and in snapshots', async () => {
  const models = [File, Run, Transform] as const;
  const whereArb = fc.option(fc.oneof(fc.record({ name: fc.constantFrom('f0.csv', 'f1.csv', 't0', 't1') }), fc.constant({})), { freq: 2 });
  const joinArb = fc.record({ model: fc.constantFrom(...models), where: whereArb, via: fc.constantFrom('outputs' as const, 'inputs' as const) });
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 12 }), fc.constantFrom(...models), fc.array(joinArb, { minLength: 1, maxLength: 2 }), fc.nat(), async (ops, first, joins, at) => {
      const l = await ledgerOf(ops);
      try {
        for (const reader of [l, l.asOf(1 + (at % l.head.seq))]) {
          // A join of a model to itself is refused; drop those steps.
          const steps: typeof joins = [];
          let prev: Model = first;
          for (const j of joins) if (j.model !== prev) (steps.push(j), (prev = j.model));
          if (steps.length === 0) continue;
          const fits = (r: Rec, where: { name?: string } | null) => !where || where.name === undefined || r.name === where.name;
          let q = reader.select(first);
          for (const s of steps) q = q.join(s.model, s.where ?? undefined, { via: s.via });
          const reaches = (r: Rec, k: number): boolean => {
            if (k === steps.length) return true;
            const s = steps[k]!;
            return related(r, s.model, s.via).some((x) => fits(x, s.where) && reaches(x, k + 1));
          };
          const expected = ids(reader.select(first).all().filter((r) => reaches(r, 0)));
          assert.equal(ids(q.all()), expected);
          assert.is(q.count(), expected.length);
        }
      } finally {
        await l.close();
      }
    }),
    { numRuns: 60 },
  );
});

test('one() and first() of a producer join by file name answer as the general evaluation does: names held by several files, files re-created by other runs, the trash, windows and snapshots', async () => {
  const trashArb = fc.array(fc.record({ model: fc.constantFrom(Run, Transform), pick: fc.nat() }), { maxLength: 3 });
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 12 }), trashArb, fc.nat(), async (ops, trashed, at) => {
      const l = await ledgerOf(ops);
      try {
        for (const t of trashed) {
          const all: Rec[] = l.select(t.model).all();
          if (all.length) await all[t.pick % all.length]!.delete();
        }
        for (const reader of [l, l.asOf(1 + (at % l.head.seq))]) {
          for (const name of ['f0.csv', 'f1.csv', 'f2.csv', 'f3.csv', 'f4.csv', 'none.csv']) {
            const shapes = [() => reader.select(Run).join(File, { name }), () => reader.select(Transform).join(Run).join(File, { name })];
            for (const shape of shapes) {
              // A predicate that keeps everything sends a query down the general evaluation.
              const general = ids(shape().where(() => true).all());
              assert.equal(ids(shape().all()), general);
              assert.is(shape().first()?.id, general[0]);
              if (general.length === 1) assert.is(shape().one().id, general[0]);
              else assert.throws(() => shape().one(), (e: Error & { code?: string }) => e.code === 'QUERY_NOT_ONE');
              for (const [offset, limit] of [[1, 1], [0, 0], [0, 1]] as const) {
                const window = general.slice(offset, offset + limit);
                assert.is(shape().offset(offset).limit(limit).first()?.id, window[0]);
                if (window.length === 1) assert.is(shape().offset(offset).limit(limit).one().id, window[0]);
                else assert.throws(() => shape().offset(offset).limit(limit).one(), (e: Error & { code?: string }) => e.code === 'QUERY_NOT_ONE');
              }
            }
          }
        }
      } finally {
        await l.close();
      }
    }),
    { numRuns: 80 },
  );
});

/** Asserts that no edge of `g` is listed twice and that every edge joins two nodes of `g`. */
function wellFormed(g: LineageGraph): void {
  const nodes = new Set(g.nodes.map((n) => n.id));
  assert.is(nodes.size, g.nodes.length, 'no node twice');
  const edges = new Set(g.edges.map((e) => `${e.from} ${e.to} ${e.type}`));
  assert.is(edges.size, g.edges.length, 'no edge twice');
  for (const e of g.edges) assert.ok(nodes.has(e.from) && nodes.has(e.to), `${e.from} → ${e.to} joins nodes of the graph`);
}

test('lineage goes round a cycle once, and cuts it by depth and by node count where asked', async () => {
  const l = await open({ memory: true });
  // Two runs at once: a's output feeds b, whose output feeds a.
  const deferred = () => {
    let resolve = () => {};
    const promise = new Promise<void>((r) => (resolve = r));
    return { promise, resolve };
  };
  const aAdded = deferred();
  const bAdded = deferred();
  let fa: File | undefined;
  let fb: File | undefined;
  let ra: Run | undefined;
  let rb: Run | undefined;
  await Promise.all([
    l.run(new Transform({ name: 'A' }), async (run) => {
      ra = run;
      fa = await l.add(new File(Buffer.from('a'), { name: 'a.txt' }));
      aAdded.resolve();
      await bAdded.promise;
      await fb!.load({ isRunInput: true });
    }),
    l.run(new Transform({ name: 'B' }), async (run) => {
      rb = run;
      await aAdded.promise;
      await fa!.load({ isRunInput: true });
      fb = await l.add(new File(Buffer.from('b'), { name: 'b.txt' }));
      bAdded.resolve();
    }),
  ]);
  const full = l.lineage(fa!, { direction: 'upstream' });
  wellFormed(full);
  // a ← A ← b ← B ← a: each once, with both transforms.
  assert.equal(full.nodes.map((n) => [n.id, n.depth]), [[fa!.id, 0], [ra!.id, 1], [ra!.transform.id, 1], [fb!.id, 2], [rb!.id, 3], [rb!.transform.id, 3]]);
  assert.equal(full.edges.filter((e) => e.type !== 'transform').map((e) => [e.from, e.to, e.type]), [[ra!.id, fa!.id, 'output'], [fb!.id, ra!.id, 'input'], [rb!.id, fb!.id, 'output'], [fa!.id, rb!.id, 'input']]);
  assert.is(full.truncated, false);
  assert.ok(full.nodes.every((n) => !n.truncated));

  const shallow = l.lineage(fa!, { direction: 'upstream', depth: 2, transforms: false });
  wellFormed(shallow);
  assert.equal(shallow.nodes.map((n) => n.id), [fa!.id, ra!.id, fb!.id]);
  assert.equal(shallow.nodes.map((n) => n.truncated ?? false), [false, false, true]);
  assert.is(shallow.truncated, false);

  const few = l.lineage(fa!, { direction: 'both', maxNodes: 3 });
  wellFormed(few);
  assert.is(few.nodes.length, 3);
  assert.is(few.truncated, true);
  assert.ok(few.nodes.some((n) => n.truncated));

  for (const direction of ['upstream', 'downstream', 'both'] as const) {
    for (const start of [fa!, fb!, ra!, rb!, ra!.transform]) {
      const g = l.lineage(start, { direction });
      wellFormed(g);
      // Going both ways from anywhere on the cycle reaches all of it.
      if (direction === 'both') assert.is(g.nodes.length, 6);
    }
  }
  await l.close();
});

test('a lineage graph is plain data: it serializes, clones and compares like any object', async () => {
  const l = await open({ memory: true });
  let last: File | undefined;
  for (let i = 0; i < 40; i++) {
    await l.run(new Transform({ name: `t${i % 3}` }), async () => {
      if (last) await last.load({ isRunInput: true });
      last = await l.add(new File(Buffer.from(`${i}`), { name: `f${i}.txt` }));
    });
  }
  const g = l.lineage(last!, { direction: 'both' });
  wellFormed(g);
  assert.equal(Object.keys(g), ['start', 'direction', 'nodes', 'edges', 'truncated']);
  assert.equal(JSON.parse(JSON.stringify(g)), g);
  assert.equal(structuredClone(g), g);
  assert.equal({ ...g }, g);
  for (const n of g.nodes) assert.equal(Object.keys(n), n.truncated ? ['id', 'kind', 'label', 'depth', 'truncated'] : ['id', 'kind', 'label', 'depth']);
  for (const e of g.edges) assert.equal(Object.keys(e), ['from', 'to', 'type']);
  // Each call makes its own graph: changing one changes no other.
  g.nodes.length = 0;
  g.edges.pop();
  const again = l.lineage(last!, { direction: 'both' });
  // 40 files, 40 runs, 3 transforms.
  assert.is(again.nodes.length, 83);
  await l.close();
});

test('a where clause is read by its own keys: an inherited one is ignored, an unknown own one refused', async () => {
  const l = await open({ memory: true });
  await l.add(new File(Buffer.from('a'), { name: 'a.txt' }));
  const where = Object.create({ colour: 'red', name: 'b.txt' }, { name: { value: 'a.txt', enumerable: true } }) as { name: string };
  assert.is(l.select(File, where).one().name, 'a.txt');
  assert.is(l.select(Run).join(File, where).count(), 0);
  assert.throws(() => l.select(File, { name: 'a.txt', colour: 'red' }), /file has no field colour/);
  assert.throws(() => l.select(File, { name: { startsWith: 1 } }), /an operator is one of/);
  await l.close();
});

test.run();
