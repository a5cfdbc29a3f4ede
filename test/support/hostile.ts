import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ERROR_CODES, File, LineageError, Run, Transform, open, type Ledger, type LineageRecord } from 'lineage-ledger';
import { validateEvent } from '../../lib/events/catalog.js';

// Built once: a 10 MB string costs time to make, not to pass around.
const TEN_MB = 'x'.repeat(10 * 1024 * 1024);

/** Names that have broken other programs: prototype keys, path escapes, control and unpaired characters, huge and empty strings. */
export const HOSTILE_NAMES: readonly string[] = [
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__',
  '../../etc/passwd', '..', '.', '/', '/etc/passwd', 'a/../../b', 'C:\\Windows\\evil', '~', '$HOME',
  'a\u0000b', '\u0000', '\u0007', '\u001b[31mred', 'line\nbreak', '\u202eevil', '\u200b',
  '\ud800', 'a\udc00b', '\udbff\udfff', '', ' ', '\t',
  'e\u0301', '\u00e9', '\u212b', 'A\u030a', '\ufb01', '\u1100\u1161\u11a8',
  'x'.repeat(1024), 'x'.repeat(1025), '\u{1f600}'.repeat(600), 'e\u0301'.repeat(1024), TEN_MB,
  'output.bam', 'input.fastq.gz', '.hidden', 'no-suffix', 'a.b.c.d.e.f',
];

function cyclic(): unknown {
  const o: Record<string, unknown> = { a: 1 };
  o.self = o;
  return o;
}

function deep(depth: number, array: boolean): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = array ? [v] : { k: v };
  return v;
}

/** Values no API expects. */
export const hostile: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.anything({ maxDepth: 3, withBigInt: true, withBoxedValues: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true, withObjectString: true, withTypedArray: true, withSparseArray: true }), weight: 4 },
  { arbitrary: fc.constantFrom<unknown>(NaN, Infinity, -Infinity, -0, 2 ** 53 + 1, 1e308, -1, 0.5, 10n, null, undefined, true, false, Symbol('s'), () => 1, new Date(NaN), new Date(8.64e15), [], {}, Buffer.from('x'), new Uint8Array(0), Object.create(null), new Map([['a', 1]]), new Set([1]), /re/, Promise.resolve(1), new Error('e')), weight: 4 },
  { arbitrary: fc.constantFrom(...HOSTILE_NAMES), weight: 3 },
  { arbitrary: fc.constantFrom(0).map(() => cyclic()), weight: 1 },
  { arbitrary: fc.constantFrom(33, 100, 20_000).chain((d) => fc.boolean().map((a) => deep(d, a))), weight: 1 },
  { arbitrary: fc.constantFrom('{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}', '{"a":{"__proto__":{"polluted":1}}}').map((s) => JSON.parse(s)), weight: 1 },
);

const name: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.constantFrom('iris.csv', 'step', 'Cell Ranger', 'out.bam', 'in.fastq.gz'), weight: 8 },
  { arbitrary: fc.constantFrom(...HOSTILE_NAMES), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 12 }), weight: 2 },
  { arbitrary: hostile, weight: 1 },
);

const params: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 3 },
  { arbitrary: fc.dictionary(name.filter((k): k is string => typeof k === 'string' && k.length < 100), hostile, { maxKeys: 4 }), weight: 1 },
  { arbitrary: fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }), weight: 2 },
  { arbitrary: hostile, weight: 1 },
);

/** How an operation names the transform it tracks: a new one, a name, a saved one, or garbage. */
const transformRef = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('new' as const), init: fc.oneof({ arbitrary: fc.record({ name, version: fc.option(name, { nil: undefined }), type: fc.option(fc.oneof(fc.constantFrom('pipeline', 'script', 'function', 'notebook'), hostile), { nil: undefined }), reference: fc.option(name, { nil: undefined }) }, { requiredKeys: ['name'] }), weight: 4 }, { arbitrary: hostile, weight: 1 }) }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('name' as const), v: name }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('saved' as const), i: fc.nat() }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('hostile' as const), v: hostile }), weight: 1 },
);

const runOptions = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 4 },
  { arbitrary: fc.record({ params, name: fc.option(name, { nil: undefined }), reference: fc.option(fc.oneof(name, hostile), { nil: undefined }), referenceType: fc.option(fc.oneof(name, hostile), { nil: undefined }) }, { requiredKeys: [] }), weight: 3 },
  { arbitrary: hostile, weight: 1 },
);

const content = fc.oneof(
  { arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => ({ kind: 'bytes' as const, b })), weight: 6 },
  { arbitrary: fc.constantFrom('/etc/hostname', '/dev/zero', '/proc/self/status', '/', '.', '../../etc/passwd', 'missing/file', '\u0000', '').map((p) => ({ kind: 'path' as const, p })), weight: 1 },
  { arbitrary: hostile.map((v) => ({ kind: 'hostile' as const, v })), weight: 1 },
);

const fileOp = fc.record({
  op: fc.constant('addFile' as const),
  content,
  init: fc.oneof({ arbitrary: fc.record({ name, run: fc.option(fc.nat(), { nil: undefined }) }, { requiredKeys: [] }), weight: 5 }, { arbitrary: hostile, weight: 1 }),
  // Keys, descriptions and versions (issue 15): sensible values, hostile ones, and `revises` of a saved file or garbage.
  extras: fc.option(
    fc.record(
      {
        key: fc.oneof(fc.constantFrom('raw/a.csv', 'raw/b.csv', 'out/x'), fc.constantFrom('/abs', 'a//b', '../up', 'a/', ''), name, hostile),
        description: fc.oneof(name, hostile, fc.constant('d'.repeat(17_000))),
        revises: fc.oneof(fc.nat(), hostile),
      },
      { requiredKeys: [] },
    ),
    { nil: undefined },
  ),
});

/** Trash, restore, erase and description changes on saved records, with hostile arguments too. */
const lifecycleOp = fc.record({
  op: fc.constant('lifecycle' as const),
  kind: fc.constantFrom('file', 'run', 'transform'),
  i: fc.nat(),
  action: fc.constantFrom('delete', 'erase', 'restore', 'update'),
  arg: fc.oneof(fc.constant(undefined), name, hostile, fc.record({ permanent: fc.oneof(fc.boolean(), hostile) }), fc.record({ description: fc.oneof(name, hostile, fc.constant(null)) })),
});

const loadOp = fc.record({ op: fc.constant('load' as const), i: fc.nat(), options: fc.oneof(fc.constant(undefined), fc.record({ isRunInput: fc.oneof(fc.boolean(), hostile) }), hostile) });

const model = fc.oneof({ arbitrary: fc.constantFrom<unknown>(Transform, Run, File), weight: 5 }, { arbitrary: hostile, weight: 1 });
const field = fc.oneof(fc.constantFrom('id', 'name', 'version', 'type', 'hash', 'run', 'transform', 'status', 'params', 'createdAt', 'size', 'suffix', 'key', 'description', 'isLatest', 'storageKey', 'revises', 'label', 'reference', 'referenceType'), fc.constantFrom(...HOSTILE_NAMES.slice(0, 8)));
const operator = fc.record({ [String('startsWith')]: fc.oneof(name, hostile) }).chain((o) => fc.constantFrom(o, { endsWith: o.startsWith }, { contains: o.startsWith }, { like: o.startsWith }, { startsWith: 'raw/', endsWith: 'x' }));
const where = fc.oneof(fc.constant(undefined), fc.dictionary(field, fc.oneof(name, hostile, operator), { maxKeys: 2 }), hostile);

const queryOp = fc.record({
  op: fc.constant('query' as const),
  on: fc.constantFrom('ledger', 'session', 'asOf'),
  at: fc.oneof(fc.nat({ max: 40 }), hostile),
  model,
  where,
  joins: fc.array(fc.record({ model, where, options: fc.oneof(fc.constant(undefined), fc.record({ via: fc.oneof(fc.constantFrom('inputs', 'outputs'), hostile) }), hostile) }), { maxLength: 2 }),
  filter: fc.option(fc.oneof(where, fc.constant((r: unknown) => r !== undefined)), { nil: undefined }),
  orderBy: fc.option(fc.tuple(fc.oneof(field, hostile), fc.oneof(fc.constantFrom('asc', 'desc'), hostile)), { nil: undefined }),
  limit: fc.option(fc.oneof(fc.nat({ max: 5 }), hostile), { nil: undefined }),
  offset: fc.option(fc.oneof(fc.nat({ max: 5 }), hostile), { nil: undefined }),
  end: fc.constantFrom('all', 'first', 'one', 'count', 'latest'),
  trash: fc.constantFrom('default', 'with', 'only'),
});

const operation = fc.oneof(
  fc.record({ op: fc.constant('track' as const), t: fc.option(transformRef, { nil: undefined }), options: runOptions, script: fc.option(fc.oneof(fc.constantFrom('/dev/zero', '/etc/hostname', '/', '../../etc/passwd', '\u0000'), hostile), { nil: undefined }) }),
  fc.record({ op: fc.constant('run' as const), t: transformRef, options: runOptions, body: fc.array(fc.oneof(fileOp, loadOp), { maxLength: 3 }), throws: fc.option(hostile, { nil: undefined }), fn: fc.option(hostile, { nil: undefined }) }),
  fileOp,
  loadOp,
  fc.record({ op: fc.constant('addRun' as const), t: transformRef, init: fc.oneof(fc.record({ name, params, parent: fc.option(fc.nat(), { nil: undefined }) }, { requiredKeys: [] }), hostile) }),
  fc.record({ op: fc.constant('addHostile' as const), v: fc.oneof(hostile, fc.array(hostile, { maxLength: 3 })) }),
  fc.record({ op: fc.constant('finish' as const), options: fc.oneof(fc.constant(undefined), fc.record({ status: fc.oneof(fc.constantFrom('completed', 'failed'), hostile), error: fc.oneof(name, hostile) }, { requiredKeys: [] }), hostile) }),
  queryOp,
  fc.record({ op: fc.constant('lineage' as const), i: fc.nat(), kind: fc.constantFrom('file', 'run', 'transform', 'hostile'), v: hostile, options: fc.oneof(fc.constant(undefined), fc.record({ direction: fc.oneof(fc.constantFrom('upstream', 'downstream', 'both'), hostile), depth: fc.oneof(fc.nat({ max: 4 }), hostile), maxNodes: fc.oneof(fc.nat({ max: 4 }), hostile), transforms: fc.oneof(fc.boolean(), hostile) }, { requiredKeys: [] }), hostile) }),
  fc.record({ op: fc.constant('asOf' as const), at: hostile }),
  fc.record({ op: fc.constant('read' as const), i: fc.nat(), kind: fc.constantFrom('file', 'run', 'transform') }),
  fc.record({ op: fc.constant('openMemory' as const), options: hostile }),
  lifecycleOp,
  // Labels, run references and stored sources (issue 15).
  fc.record({ op: fc.constant('labels' as const), i: fc.nat(), kind: fc.constantFrom('file', 'run', 'transform'), add: fc.boolean(), labels: fc.array(fc.oneof(name, hostile, fc.array(name, { maxLength: 3 })), { maxLength: 3 }) }),
  fc.record({ op: fc.constant('setReference' as const), i: fc.nat(), reference: fc.oneof(name, hostile), type: fc.option(fc.oneof(name, hostile), { nil: undefined }) }),
  fc.record({ op: fc.constant('source' as const), i: fc.nat() }),
);

/** A sequence of hostile API calls. */
export const sequence = fc.array(operation, { minLength: 1, maxLength: 8 });
export type Operation = typeof operation extends fc.Arbitrary<infer T> ? T : never;

/** Thrown by a scoped run's body on purpose: `ledger.run` must rethrow exactly this. */
class Planted {
  constructor(readonly value: unknown) {}
}

/** Records saved so far in one sequence, to pass back into later calls. */
interface Pools {
  transforms: Transform[];
  runs: Run[];
  files: File[];
}

function pick<T>(list: T[], i: number): T | undefined {
  return list.length ? list[i % list.length] : undefined;
}

/** Runs `call`: it succeeds, or throws a LineageError with a documented code; anything else fails the property. */
export async function expectCoded(what: string, call: () => unknown): Promise<unknown> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof Planted) throw err;
    if (err instanceof LineageError && Object.hasOwn(ERROR_CODES, err.code) && typeof err.message === 'string' && err.message.length > 0) return undefined;
    const detail = err instanceof Error ? err.stack : String(typeof err === 'symbol' ? err.toString() : err);
    assert.fail(`${what} threw something other than a coded LineageError: ${detail}`);
  }
}

function transformArg(ref: Operation & { op: 'run' } extends { t: infer R } ? R : never, pools: Pools): unknown {
  switch (ref.kind) {
    case 'new':
      return new Transform(ref.init as never);
    case 'name':
      return ref.v;
    case 'saved':
      return pick(pools.transforms, ref.i) ?? 'step';
    default:
      return ref.v;
  }
}

async function one(ledger: Ledger, o: Operation, pools: Pools): Promise<void> {
  const keep = (r: unknown) => {
    if (r instanceof Transform) pools.transforms.push(r);
    if (r instanceof Run) pools.runs.push(r);
    if (r instanceof File) pools.files.push(r);
  };
  switch (o.op) {
    case 'track': {
      const r = await expectCoded('track()', () => {
        const t = o.t === undefined ? undefined : transformArg(o.t, pools);
        const opts = o.script === undefined || o.options === null || typeof o.options !== 'object' ? o.options : { ...(o.options as object), script: o.script };
        return ledger.track(t as never, opts as never);
      });
      keep(r);
      if (r) keep(ledger.context.transform);
      return;
    }
    case 'run': {
      try {
        await expectCoded('run()', () =>
          ledger.run(
            transformArg(o.t, pools) as never,
            (o.fn ?? (async (run: Run) => {
              keep(run);
              for (const b of o.body) await one(ledger, b, pools);
              if (o.throws !== undefined) throw new Planted(o.throws);
            })) as never,
            o.options as never,
          ),
        );
      } catch (err) {
        // The body's own error comes back unchanged.
        if (!(err instanceof Planted && Object.is(err.value, o.throws))) throw err;
      }
      return;
    }
    case 'addFile': {
      const r = await expectCoded('add(new File())', () => {
        const src = o.content.kind === 'bytes' ? o.content.b : o.content.kind === 'path' ? o.content.p : o.content.v;
        let init = o.init as Record<string, unknown>;
        if (init && typeof init === 'object' && 'run' in init && typeof init.run === 'number') init = { ...init, run: pick(pools.runs, init.run) };
        if (o.extras && init && typeof init === 'object') {
          const { revises, ...rest } = o.extras;
          init = { ...init, ...rest, ...(revises === undefined ? {} : { revises: typeof revises === 'number' ? pick(pools.files, revises) : revises }) };
        }
        return ledger.add(new File(src as never, init as never));
      });
      keep(r);
      return;
    }
    case 'load': {
      const f = pick(pools.files, o.i);
      if (f) await expectCoded('file.load()', () => f.load(o.options as never));
      return;
    }
    case 'addRun': {
      const r = await expectCoded('add(new Run())', () => {
        let init = o.init as Record<string, unknown>;
        if (init && typeof init === 'object') {
          init = { ...init, transform: transformArg(o.t, pools) };
          if (typeof init.parent === 'number') init.parent = pick(pools.runs, init.parent);
        }
        return ledger.add(new Run(init as never));
      });
      keep(r);
      return;
    }
    case 'addHostile':
      await expectCoded('add(hostile)', () => ledger.add(o.v as never));
      return;
    case 'finish':
      await expectCoded('finish()', () => ledger.finish(o.options as never));
      return;
    case 'query':
      await expectCoded('select()', () => {
        const reader = o.on === 'ledger' ? ledger : o.on === 'session' ? ledger.session() : ledger.asOf(o.at as never);
        let q = reader.select(o.model as never, o.where as never);
        if (o.trash === 'with') q = q.withTrashed();
        if (o.trash === 'only') q = q.onlyTrashed();
        for (const j of o.joins) q = q.join(j.model as never, j.where as never, j.options as never);
        if (o.filter !== undefined) q = q.where(o.filter as never);
        if (o.orderBy) q = q.orderBy(o.orderBy[0] as never, o.orderBy[1] as never);
        if (o.limit !== undefined) q = q.limit(o.limit as never);
        if (o.offset !== undefined) q = q.offset(o.offset as never);
        const out = o.end === 'all' ? q.all() : o.end === 'first' ? q.first() : o.end === 'one' ? q.one() : o.end === 'latest' ? q.latest() : q.count();
        for (const r of Array.isArray(out) ? out : [out]) if (r && typeof r === 'object') JSON.stringify(r);
        return out;
      });
      return;
    case 'lineage':
      await expectCoded('lineage()', () => {
        const rec = o.kind === 'file' ? pick(pools.files, o.i) : o.kind === 'run' ? pick(pools.runs, o.i) : o.kind === 'transform' ? pick(pools.transforms, o.i) : o.v;
        return ledger.lineage(rec as never, o.options as never);
      });
      return;
    case 'asOf':
      await expectCoded('asOf()', () => ledger.asOf(o.at as never).select(File).count());
      return;
    case 'read': {
      const list: LineageRecord[] = o.kind === 'file' ? pools.files : o.kind === 'run' ? pools.runs : pools.transforms;
      const r = pick(list, o.i);
      if (r) await expectCoded('reading a record', () => readAll(r));
      return;
    }
    case 'lifecycle': {
      const list: LineageRecord[] = o.kind === 'file' ? pools.files : o.kind === 'run' ? pools.runs : pools.transforms;
      const r = pick(list, o.i);
      if (!r) return;
      const a = o.arg as never;
      await expectCoded(`${o.kind}.${o.action}()`, () => (o.action === 'delete' ? r.delete(a) : o.action === 'erase' ? r.delete({ permanent: true }) : o.action === 'restore' ? r.restore() : r.update(a)));
      return;
    }
    case 'labels': {
      const list: (File | Run | Transform)[] = o.kind === 'file' ? pools.files : o.kind === 'run' ? pools.runs : pools.transforms;
      const r = pick(list, o.i);
      if (r) await expectCoded(`labels.${o.add ? 'add' : 'remove'}()`, () => (o.add ? r.labels.add(...(o.labels as never[])) : r.labels.remove(...(o.labels as never[]))));
      return;
    }
    case 'setReference': {
      const r = pick(pools.runs, o.i);
      if (r) await expectCoded('run.setReference()', () => r.setReference(o.reference as never, o.type as never));
      return;
    }
    case 'source': {
      const t = pick(pools.transforms, o.i);
      if (t) await expectCoded('transform.source()', () => t.source());
      return;
    }
    case 'openMemory': {
      const l = await expectCoded('open({ memory: true, ... })', () => open({ ...(o.options && typeof o.options === 'object' ? (o.options as object) : {}), memory: true } as never));
      if (l) await (l as Ledger).close();
      return;
    }
  }
}

/** Touches every field and relation of a record, as a user printing it would. */
function readAll(r: LineageRecord): unknown {
  const out: unknown[] = [JSON.stringify(r)];
  if (r instanceof File) out.push(r.run?.id, r.transform?.name, r.inputOf.length, r.recreatedBy.length, r.suffix, r.createdAt, r.key, r.storageKey, r.versions.length, r.isLatest, r.revises?.id, r.erased?.at);
  out.push(r.description, r.trashed);
  if (r instanceof Run) out.push(r.transform.name, r.inputs.length, r.outputs.length, r.parent?.id, r.children.length, r.status, r.reference, r.referenceType);
  if (r instanceof Transform) out.push(r.runs.length, r.latestRun?.id, r.revises?.id, r.createdAt, r.hasSource);
  out.push(r.labels.all(), r.labels.size);
  return out;
}

/** Runs one sequence against an open ledger; returns the records it saved. */
export async function play(ledger: Ledger, ops: Operation[]): Promise<Pools> {
  const pools: Pools = { transforms: [], runs: [], files: [] };
  for (const o of ops) await one(ledger, o, pools);
  return pools;
}

/** Every stored event passes its schema, seqs are contiguous and the chain links. */
export async function checkStored(ledger: Ledger): Promise<number> {
  let n = 0;
  let prev = '0'.repeat(64);
  for await (const batch of ledger.log.read()) {
    for (const { event } of batch) {
      assert.equal(event.seq, ++n);
      assert.equal(event.prev, prev);
      validateEvent(event.type, event.v, event.data);
      prev = event.hash;
    }
  }
  assert.equal(n, ledger.head.seq);
  return n;
}

/** The answers a ledger gives through its public API, in a comparable form. */
export function answers(ledger: Ledger): unknown {
  const files = ledger.select(File).all();
  return {
    head: ledger.head,
    transforms: ledger.select(Transform).all().map((t) => t.toJSON()),
    runs: ledger.select(Run).all().map((r) => ({ ...r.toJSON(), inputs: r.inputs.map((f) => f.id), outputs: r.outputs.map((f) => f.id) })),
    files: files.map((f) => ({ ...f.toJSON(), inputOf: f.inputOf.map((r) => r.id) })),
    lineage: files.map((f) => ledger.lineage(f, { direction: 'both' })),
    trashed: [Transform, Run, File].map((m) => ledger.select(m as typeof File).onlyTrashed().all().map((r) => r.toJSON())),
  };
}

const PROTOS: [string, object][] = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
  ['Function.prototype', Function.prototype],
  ['String.prototype', String.prototype],
];

/** The own keys of the built-in prototypes, to compare after the property ran. */
export function prototypeKeys(): Record<string, string[]> {
  return Object.fromEntries(PROTOS.map(([n, p]) => [n, Reflect.ownKeys(p).map(String).sort()]));
}

/** Fails when a prototype gained a key or `{}` sees a property it should not. */
export function assertNoPollution(before: Record<string, string[]>): void {
  assert.deepEqual(prototypeKeys(), before, 'a built-in prototype was polluted');
  const probe = {} as Record<string, unknown>;
  assert.equal(probe.polluted, undefined, 'Object.prototype.polluted is set');
}

/** Runs `runs` hostile sequences, each on a fresh memory-level ledger, checking the stored events and the prototypes after each. */
export async function memorySequences(runs: number, seed?: number): Promise<{ calls: number; events: number }> {
  const protos = prototypeKeys();
  const figures = { calls: 0, events: 0 };
  await fc.assert(
    fc.asyncProperty(sequence, async (ops) => {
      const ledger = await open({ memory: true });
      try {
        await play(ledger, ops);
        figures.calls += ops.length;
        figures.events += await checkStored(ledger);
      } finally {
        await ledger.close();
      }
      assertNoPollution(protos);
    }),
    seed === undefined ? { numRuns: runs } : { numRuns: runs, seed },
  );
  return figures;
}
