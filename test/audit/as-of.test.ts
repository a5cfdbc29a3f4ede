import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { suite } from 'uvu';
import { File, isLineageError, open, Run, Transform, type Ledger } from 'lineage-ledger';
import { backends, tempDir } from '../helpers.js';
import { copyPrefix, world } from './world.js';

type Op =
  | { kind: 'track'; t: number }
  | { kind: 'add'; c: number }
  | { kind: 'load'; c: number }
  | { kind: 'finish'; failed: boolean }
  | { kind: 'scoped'; t: number; c: number; fail: boolean }
  // Trash, erase, versions and descriptions (issue 15).
  | { kind: 'trash'; c: number; what: 'file' | 'run' | 'transform' }
  | { kind: 'restore'; c: number; what: 'file' | 'run' | 'transform' }
  | { kind: 'erase'; c: number }
  | { kind: 'version'; c: number; k: number; n: number }
  | { kind: 'describe'; c: number; what: 'file' | 'run' | 'transform'; text: string | null }
  | { kind: 'label'; c: number; l: number; add: boolean; on: 'file' | 'run' | 'transform' }
  | { kind: 'reference'; r: number; typed: boolean }
  | { kind: 'script'; v: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('track' as const), t: fc.nat(2) }),
  fc.record({ kind: fc.constant('add' as const), c: fc.nat(4) }),
  fc.record({ kind: fc.constant('load' as const), c: fc.nat(4) }),
  fc.record({ kind: fc.constant('finish' as const), failed: fc.boolean() }),
  fc.record({ kind: fc.constant('scoped' as const), t: fc.nat(2), c: fc.nat(4), fail: fc.boolean() }),
  fc.record({ kind: fc.constant('trash' as const), c: fc.nat(4), what: fc.constantFrom('file' as const, 'run' as const, 'transform' as const) }),
  fc.record({ kind: fc.constant('restore' as const), c: fc.nat(4), what: fc.constantFrom('file' as const, 'run' as const, 'transform' as const) }),
  fc.record({ kind: fc.constant('erase' as const), c: fc.nat(4) }),
  fc.record({ kind: fc.constant('version' as const), c: fc.nat(4), k: fc.nat(1), n: fc.nat(1000) }),
  fc.record({ kind: fc.constant('describe' as const), c: fc.nat(4), what: fc.constantFrom('file' as const, 'run' as const, 'transform' as const), text: fc.option(fc.string({ maxLength: 8 }), { nil: null }) }),
  fc.record({ kind: fc.constant('label' as const), c: fc.nat(4), l: fc.nat(2), add: fc.boolean(), on: fc.constantFrom('file' as const, 'run' as const, 'transform' as const) }),
  fc.record({ kind: fc.constant('reference' as const), r: fc.nat(2), typed: fc.boolean() }),
  fc.record({ kind: fc.constant('script' as const), v: fc.nat(1) }),
);

/** The c-th record of a kind, trashed ones included (undefined when there are not that many). */
function pick(ln: Ledger, what: 'file' | 'run' | 'transform', c: number): File | Run | Transform | undefined {
  const model = what === 'file' ? File : what === 'run' ? Run : Transform;
  const all = ln.select(model as typeof File).withTrashed().all() as (File | Run | Transform)[];
  return all.length ? all[c % all.length] : undefined;
}

/** Lifecycle operations refused by their rules (NOT_IN_TRASH, KEY_CONFLICT, …) write nothing; anything else fails the test. */
async function lifecycle(ln: Ledger, o: Op): Promise<void> {
  const refused = (e: unknown) => {
    if (!(isLineageError(e) && ['NOT_IN_TRASH', 'KEY_CONFLICT', 'NOT_LATEST_VERSION', 'CONTENT_ERASED'].includes(e.code))) throw e;
  };
  if (o.kind === 'trash' || o.kind === 'restore') {
    const r = pick(ln, o.what, o.c);
    if (r) await (o.kind === 'trash' ? r.delete() : r.restore()).catch(refused);
  } else if (o.kind === 'erase') {
    const f = pick(ln, 'file', o.c) as File | undefined;
    if (f) await f.delete({ permanent: true }).catch(refused);
  } else if (o.kind === 'describe') {
    const r = pick(ln, o.what, o.c);
    if (r) await r.update({ description: o.text });
  } else if (o.kind === 'version') {
    await ln.add(new File(Buffer.from(`version ${o.n}\n`), { name: `v${o.k}.txt`, key: `keys/k${o.k}` })).catch(refused);
  }
}

/** Plays operations through the public API; operations that make no sense at that point are skipped. */
async function play(ln: Ledger, ops: Op[], scripts: string): Promise<void> {
  const content = (c: number) => new File(Buffer.from(`content ${c}\n`), { name: `f${c}.txt` });
  for (const o of ops) {
    if (o.kind === 'track') await ln.track(new Transform({ name: `t${o.t}` }));
    else if (o.kind === 'add') await ln.add(content(o.c));
    else if (o.kind === 'load') {
      const f = ln.select(File, { name: `f${o.c}.txt` }).first();
      if (f) await f.load({ isRunInput: ln.context.run !== undefined });
    } else if (o.kind === 'label') {
      const label = `l${o.l}`;
      const on = o.on === 'file' ? ln.select(File, { name: `f${o.c}.txt` }).first() : o.on === 'run' ? ln.context.run : ln.context.transform;
      if (on) await (o.add ? on.labels.add(label) : on.labels.remove(label));
    } else if (o.kind === 'reference') {
      if (ln.context.run) await ln.context.run.setReference(`ref-${o.r}`, o.typed ? 'nextflow' : undefined);
    } else if (o.kind === 'script') {
      const path = join(scripts, 'step.mjs');
      writeFileSync(path, `console.log(${o.v});\n`);
      await ln.track(undefined, { script: path, reference: `ref-${o.v}` });
    } else if (o.kind === 'finish') {
      if (ln.context.run) await ln.finish({ status: o.failed ? 'failed' : 'completed' });
    } else if (o.kind !== 'scoped') {
      await lifecycle(ln, o);
    } else {
      await ln
        .run(new Transform({ name: `t${o.t}`, type: 'function' }), async () => {
          await ln.add(content(o.c));
          if (o.fail) throw new Error('boom');
        })
        .catch((e: Error) => assert.equal(e.message, 'boom'));
    }
  }
}

for (const backend of backends()) {
  const test = suite(`asOf on ${backend.name}`);
  // Scripts that `track()` registers with their source, for the `script` operation.
  const scripts = tempDir('lamin-meta-asof-');
  test.after(() => {
    backend.cleanup();
    scripts.cleanup();
  });

  test('asOf(k) answers every query exactly as a ledger that only ever received the first k events', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 24 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 3 }), async (ops, picks) => {
        const ln = await backend.fresh();
        const { dir, cleanup } = tempDir();
        try {
          await play(ln, ops, scripts.dir);
          const head = ln.head.seq;
          if (head === 0) return;
          const ks = [...new Set([head, ...picks.map((p) => 1 + Math.floor(p * (head - 1)))])];
          for (const k of ks) {
            const snap = ln.asOf(k);
            const path = join(dir, `k${k}`);
            await copyPrefix(ln, k, path);
            const only = await open(path);
            try {
              assert.deepEqual(await world(snap), await world(only), `asOf(${k}) of ${head}`);
              assert.deepEqual(await snap.head(), only.head);
            } finally {
              await only.close();
            }
          }
        } finally {
          await ln.close();
          cleanup();
        }
      }),
      { numRuns: backend.name === 'memory-level' ? 30 : 15 },
    );
  });

  test('a snapshot is unaffected by appends made after it was taken', async () => {
    const ln = await backend.fresh();
    await play(ln, [{ kind: 'track', t: 0 }, { kind: 'add', c: 1 }, { kind: 'scoped', t: 1, c: 2, fail: false }], scripts.dir);
    const snap = ln.asOf(ln.head.seq);
    const session = ln.session();
    const before = await world(snap);
    await play(ln, [{ kind: 'load', c: 1 }, { kind: 'add', c: 3 }, { kind: 'finish', failed: true }, { kind: 'scoped', t: 2, c: 1, fail: true }, { kind: 'label', c: 1, l: 0, add: true, on: 'file' }, { kind: 'reference', r: 1, typed: true }, { kind: 'script', v: 1 }], scripts.dir);
    assert.deepEqual(await world(snap), before);
    assert.deepEqual(await world(session), before);
    assert.ok(ln.seq > snap.seq);
    await ln.close();
  });

  test('records read through a snapshot resolve their relations in that snapshot', async () => {
    const ln = await backend.fresh();
    await ln.track(new Transform({ name: 'make' }));
    const made = await ln.add(new File(Buffer.from('a'), { name: 'a.txt' }));
    const at = ln.head.seq;
    await ln.track(new Transform({ name: 'use' }));
    await made.load({ isRunInput: true });
    const then = ln.asOf(at).select(File, { name: 'a.txt' }).one();
    assert.equal(then.inputOf.length, 0);
    assert.equal(made.inputOf.length, 1);
    assert.equal(then.run!.status, 'started');
    assert.equal(ln.asOf(at).select(Run).count(), 1);
    assert.equal(ln.asOf(at).select(Transform).join(Run).join(File, { name: 'a.txt' }).one().name, 'make');
    assert.deepEqual(ln.asOf(at).lineage(then, { direction: 'downstream' }).nodes.map((n) => n.kind), ['file']);
    await ln.close();
  });

  test('asOf(date) is the ledger after the last event at or before that time', async () => {
    const ln = await backend.fresh();
    await ln.track(new Transform({ name: 'a' }));
    const events: { seq: number; at: string }[] = [];
    for await (const e of ln.events()) events.push(e);
    for (const e of events) {
      const t = Date.parse(e.at);
      const last = Math.max(...events.filter((x) => Date.parse(x.at) <= t).map((x) => x.seq));
      assert.equal(ln.asOf(new Date(t)).seq, last);
    }
    assert.equal(ln.asOf(new Date(Date.now() + 86_400_000)).seq, ln.head.seq);
    await ln.close();
  });

  test('an out-of-range seq or a time before the first event is OUT_OF_RANGE, not an empty world', async () => {
    const ln = await backend.fresh();
    assert.throws(() => ln.asOf(1), (e) => isLineageError(e, 'OUT_OF_RANGE') && /no events yet/.test(e.message));
    assert.throws(() => ln.asOf(new Date()), (e) => isLineageError(e, 'OUT_OF_RANGE'));
    await ln.track(new Transform({ name: 'a' }));
    const first = Date.parse((await ln.history(ln.select(Transform).one()))[0]!.at);
    for (const bad of [0, -1, 3, Number.MAX_SAFE_INTEGER]) {
      assert.throws(() => ln.asOf(bad), (e) => isLineageError(e, 'OUT_OF_RANGE') && e.message.includes('(2)'), String(bad));
    }
    assert.throws(() => ln.asOf(new Date(first - 1)), (e) => isLineageError(e, 'OUT_OF_RANGE') && e.message.includes(new Date(first).toISOString()));
    for (const bad of [1.5, Number.NaN, Infinity, '1', null, new Date('nope')]) {
      assert.throws(() => ln.asOf(bad as never), (e) => isLineageError(e, 'INVALID_ARGUMENT'), String(bad));
    }
    assert.equal(ln.asOf(new Date(first)).seq >= 1, true);
    await ln.close();
  });

  test.run();
}
