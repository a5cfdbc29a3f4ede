import assert from 'node:assert/strict';
import fc from 'fast-check';
import { suite } from 'uvu';
import { File, Run, Transform, type Ledger } from 'lineage-ledger';
import { backends } from './helpers.js';

/** One step of a generated workload, through the public API. */
type Step =
  | { op: 'track'; transform: number; version: number; params: number }
  | { op: 'add'; name: number; content: number }
  | { op: 'load'; file: number }
  | { op: 'finish'; failed: boolean }
  | { op: 'trash'; file: number }
  | { op: 'describe'; file: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant('track' as const), transform: fc.nat(2), version: fc.nat(1), params: fc.nat(3) }),
  fc.record({ op: fc.constant('add' as const), name: fc.nat(5), content: fc.nat(6) }),
  fc.record({ op: fc.constant('add' as const), name: fc.nat(5), content: fc.nat(6) }),
  fc.record({ op: fc.constant('load' as const), file: fc.nat(40) }),
  fc.record({ op: fc.constant('finish' as const), failed: fc.boolean() }),
  fc.record({ op: fc.constant('trash' as const), file: fc.nat(40) }),
  fc.record({ op: fc.constant('describe' as const), file: fc.nat(40) }),
);

/** Plays `steps` on `ln`: runs of a few transforms that add files (names and contents repeat) and load earlier ones. */
async function play(ln: Ledger, steps: readonly Step[]): Promise<void> {
  const files: File[] = [];
  let tracking = false;
  for (const s of steps) {
    if (s.op === 'track') {
      await ln.track(new Transform({ name: `t${s.transform}`, version: String(s.version) }), { params: { p: s.params, tag: `x${s.params}` } });
      tracking = true;
    } else if (s.op === 'add') {
      files.push(await ln.add(new File(Buffer.from(`content ${s.content}`), { name: `f${s.name}.csv` })));
    } else if (s.op === 'load' && tracking && files.length > 0) {
      await files[s.file % files.length]!.load();
    } else if (s.op === 'finish' && tracking) {
      await ln.finish(s.failed ? { status: 'failed', error: 'boom' } : {});
      tracking = false;
    } else if (s.op === 'trash' && files.length > 0) {
      const f = files[s.file % files.length]!;
      if (!f.trashed) await f.delete();
    } else if (s.op === 'describe' && files.length > 0) {
      await files[s.file % files.length]!.update({ description: `about ${s.file}` });
    }
  }
  // A close finishes the context's run (an event): finished here, the checkpoint is at the head.
  if (tracking) await ln.finish();
}

const ids = (records: readonly { id: string }[]) => records.map((r) => r.id);

function fileFacts(f: File) {
  return {
    id: f.id, name: f.name, suffix: f.suffix, size: f.size, hash: f.hash, key: f.key, createdAt: f.createdAt?.toISOString(),
    run: f.run?.id, transform: f.transform?.id, inputOf: ids(f.inputOf), trashed: f.trashed, isLatest: f.isLatest, description: f.description,
  };
}

function runFacts(r: Run) {
  return {
    id: r.id, name: r.name, transform: r.transform.id, params: r.params, parent: r.parent?.id, startedAt: r.startedAt?.toISOString(),
    finishedAt: r.finishedAt?.toISOString(), status: r.status, error: r.error, inputs: ids(r.inputs), outputs: ids(r.outputs), children: ids(r.children),
  };
}

/** Every query shape the ledger answers from its projection, as plain data: lookups, joins, orders, lineage, snapshots. */
function answers(ln: Ledger) {
  const files = ln.select(File).withTrashed().all();
  const names = [...new Set(files.map((f) => f.name))];
  const hashes = [...new Set(files.map((f) => f.hash!))];
  const mid = Math.max(1, Math.floor(ln.head.seq / 2));
  return {
    head: ln.head,
    stats: ln.stats(),
    files: files.map(fileFacts),
    visible: ids(ln.select(File).all()),
    trashed: ids(ln.select(File).onlyTrashed().all()),
    runs: ln.select(Run).all().map(runFacts),
    transforms: ln.select(Transform).all().map((t) => ({ id: t.id, name: t.name, version: t.version, type: t.type, createdAt: t.createdAt?.toISOString(), runs: ids(t.runs), latestRun: t.latestRun?.id })),
    byId: files.map((f) => ln.select(File, { id: f.id }).one().name),
    byName: names.map((name) => ids(ln.select(File, { name }).withTrashed().all())),
    byHash: hashes.map((hash) => ids(ln.select(File, { hash }).withTrashed().all())),
    joins: names.map((name) => [
      ids(ln.select(Transform).join(Run).join(File, { name }).all()),
      ids(ln.select(Run).join(File, { name }, { via: 'inputs' }).all()),
      ids(ln.select(File).join(Run).join(Transform, { name: 't0' }).all()),
    ]),
    ordered: [ids(ln.select(File).orderBy('name', 'desc').limit(5).all()), ids(ln.select(Run).orderBy('startedAt').offset(1).all()), ln.select(File).where((f) => f.size! > 9).count()],
    lineage: files.flatMap((f) => (['upstream', 'downstream', 'both'] as const).map((direction) => ln.lineage(f, { direction }))),
    asOf: (() => {
      const s = ln.asOf(mid);
      return { seq: s.seq, files: ids(s.select(File).all()), runs: s.select(Run).all().map((r) => [r.id, r.status]), lineage: s.select(File).all().map((f) => s.lineage(f, { direction: 'both' })) };
    })(),
  };
}

for (const backend of backends()) {
  if (!backend.reopen) continue;
  const test = suite(`a ledger reopened from its checkpoint on ${backend.name}`);
  test.after(() => backend.cleanup());

  test('answers every query shape as the same ledger did with its projection built live, for generated workloads', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: backend.name === 'postgres' ? 25 : 40 }), async (steps) => {
        let ln = await backend.fresh();
        try {
          // Every workload writes something: a checkpoint is made only of a ledger with events.
          await play(ln, [{ op: 'add', name: 0, content: 0 }, ...steps]);
          const live = answers(ln);
          await ln.checkpoint();
          await ln.close();
          ln = await backend.reopen!();
          assert.equal(ln.loadReport.from, live.head.seq, 'loaded from the checkpoint at the head, no tail');
          assert.deepEqual(answers(ln), live);
        } finally {
          await ln.close();
          backend.cleanup();
        }
      }),
      { numRuns: backend.name === 'postgres' ? 6 : 15 },
    );
  });

  test.run();
}
