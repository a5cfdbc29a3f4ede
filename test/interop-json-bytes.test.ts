import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import stringify from 'fast-json-stable-stringify';
import { jsonBytes, jsonSizeWithin } from '../lib/interop/json-bytes.js';
import { LARGE_FACET_BYTES, splitEvent } from '../lib/interop/openlineage-records.js';
import { canonicalJson, knownCanonical } from '../lib/log/canonical.js';

// Values as JSON.stringify meets them: wide and narrow containers (a container of more than 16
// children is written child by child), text of every kind, and what JSON leaves out or converts.
const key = fc.oneof(fc.string(), fc.constantFrom('0', '10', '9', 'toJSON', 'é', '\u{1F600}', '"', '\\', '\u0000', '\ud800'));
const leaf = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('\ud800', 'a\udc00b', '\u2028', '\u007f', '\n\t"\\'), fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.date({ noInvalidDate: true }), fc.constant(() => 1));
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('tree'), { maxLength: 24 }),
  object: fc.dictionary(key, tie('tree'), { maxKeys: 24 }),
}));
const reference = (v: unknown) => Buffer.from(JSON.stringify(v) ?? 'null', 'utf8');

test('jsonBytes writes exactly the UTF-8 of JSON.stringify, for any value', () => {
  fc.assert(fc.property(tree, (v) => jsonBytes(v).equals(reference(v))), { numRuns: 3000 });
});

test('jsonBytes of a large wide value (a Spark plan) equals JSON.stringify, and a failed call leaves nothing behind', () => {
  const plan = { _producer: 'p', _schemaURL: 's', plan: Array.from({ length: 3000 }, (_, i) => ({ class: 'Project', name: `c${i}`, 'é\u{1F600}': [i, -0, 1e21, null], meta: { u: undefined, f: () => 1 } })) };
  assert.ok(jsonBytes(plan).equals(reference(plan)));
  const cyclic: Record<string, unknown> = { list: Array.from({ length: 20 }, (_, i) => i) };
  cyclic.self = cyclic;
  assert.throws(() => jsonBytes(cyclic), TypeError);
  assert.throws(() => jsonBytes({ list: Array.from({ length: 20 }, () => 1n) }), TypeError);
  assert.is(jsonBytes({ a: 1 }).toString(), '{"a":1}');
});

test('jsonSizeWithin is the byte length of JSON.stringify up to the limit, and -1 past it', () => {
  fc.assert(
    fc.property(tree, fc.integer({ min: 0, max: 400 }), (v, limit) => {
      const size = reference(v).length;
      return jsonSizeWithin(v, limit) === (size <= limit ? size : -1);
    }),
    { numRuns: 3000 },
  );
});

test('canonical JSON of an object holding a part whose canonical text is known is still byte-identical to fast-json-stable-stringify', () => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 5 }), fc.string(), (part, rest, name) => {
      const held = { inner: part, z: 1, a: [part] };
      knownCanonical(held, stringify(held));
      const holder = { ...rest, [name]: held };
      return canonicalJson(holder) === stringify(holder);
    }),
    { numRuns: 1000 },
  );
});

// The digest of a split event, as every earlier version computed it: facets measured by their
// JSON.stringify bytes, the large ones (and the largest others while the rest is over budget) as
// blobs. Re-importing an event recorded by an older version must find the same digest.
function referenceSplit(event: Record<string, unknown>) {
  type Slot = { at: string; holder: Record<string, unknown>; name: string; text: string };
  const slots: Slot[] = [];
  const esc = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
  const copy = structuredClone(event) as Record<string, any>;
  const from = (prefix: string, node: any, keys: string[]) => {
    for (const k of keys) {
      const holder = node?.[k];
      if (holder === null || typeof holder !== 'object' || Array.isArray(holder)) continue;
      for (const name of Object.keys(holder)) slots.push({ at: `${prefix}/${k}/${esc(name)}`, holder, name, text: JSON.stringify(holder[name]) ?? 'null' });
    }
  };
  from('/run', copy.run, ['facets']);
  from('/job', copy.job, ['facets']);
  from('/dataset', copy.dataset, ['facets']);
  for (const side of ['inputs', 'outputs']) (copy[side] ?? []).forEach((d: unknown, i: number) => from(`/${side}/${i}`, d, ['facets', side === 'inputs' ? 'inputFacets' : 'outputFacets']));
  let total = slots.reduce((n, s) => n + Buffer.byteLength(s.text), 0);
  const refs: { at: string; hash: string }[] = [];
  for (const s of [...slots].sort((a, b) => Buffer.byteLength(b.text) - Buffer.byteLength(a.text))) {
    const size = Buffer.byteLength(s.text);
    if (size <= LARGE_FACET_BYTES && total <= 160 * 1024) break;
    refs.push({ at: s.at, hash: createHash('sha256').update(s.text).digest('hex') });
    s.holder[s.name] = null;
    total -= size;
  }
  refs.sort((a, b) => (a.at < b.at ? -1 : 1));
  return createHash('sha256').update(stringify(copy)).update(refs.map((r) => `${r.at}\u0000${r.hash}`).join('\u0000')).digest('hex');
}

test('a split event has the digest earlier versions gave it, whatever its facets weigh (property)', () => {
  const facet = fc.record({ _producer: fc.constant('p'), _schemaURL: fc.constant('s'), v: fc.oneof(fc.jsonValue(), fc.string({ minLength: 7000, maxLength: 12000 }), fc.array(fc.string({ maxLength: 400 }), { minLength: 17, maxLength: 60 })) });
  const facets = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), facet, { maxKeys: 3 });
  const dataset = fc.record({ namespace: fc.constant('ns'), name: fc.string({ minLength: 1 }), facets, inputFacets: facets }, { requiredKeys: ['namespace', 'name'] });
  const event = fc.record({ eventType: fc.constant('COMPLETE'), run: fc.record({ runId: fc.uuid(), facets }), job: fc.record({ namespace: fc.constant('j'), name: fc.constant('n'), facets }), inputs: fc.array(dataset, { maxLength: 3 }), outputs: fc.array(dataset, { maxLength: 30 }) });
  fc.assert(
    fc.property(event, (e) => {
      const split = splitEvent(e as never);
      for (const b of split.blobs) assert.is(createHash('sha256').update(b.value).digest('hex'), b.key);
      return split.digest === referenceSplit(e);
    }),
    { numRuns: 150 },
  );
});

test('a fixed event keeps the digest recorded by the version before the faster split (pinned)', () => {
  const P = 'https://github.com/OpenLineage/OpenLineage/tree/1.9.1/integration/spark';
  const plan = { _producer: P, _schemaURL: 'https://example.com/LogicalPlan.json', plan: Array.from({ length: 200 }, (_, i) => ({ class: 'Project', name: `c${i}`, é: 'ü\u{1F600}', exprId: { id: i } })) };
  const event = {
    eventType: 'COMPLETE',
    eventTime: '2024-01-01T00:00:00.000Z',
    producer: P,
    schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
    run: { runId: '0190d6a2-0000-7000-8000-000000000001', facets: { 'spark.logicalPlan': plan, processing_engine: { _producer: P, _schemaURL: 'x', version: '3.5.1', name: 'spark' } } },
    job: { namespace: 'spark', name: 'job', facets: { sql: { _producer: P, _schemaURL: 'y', query: 'SELECT 1' } } },
    inputs: [{ namespace: 's3://lake', name: 'a', facets: { big: { _producer: P, _schemaURL: 'z', text: 'x'.repeat(9000) } }, inputFacets: { q: { _producer: P, _schemaURL: 'q', n: 1 } } }],
    outputs: Array.from({ length: 30 }, (_, i) => ({ namespace: 's3://lake', name: `o${i}`, facets: { schema: { _producer: P, _schemaURL: 's', fields: Array.from({ length: 40 }, (_, c) => ({ name: `col_${c}`, type: 'string', description: 'd'.repeat(100) })) } } })),
  };
  const split = splitEvent(event as never);
  // Computed by the previous splitEvent (commit d57be3a) on the same event.
  assert.is(split.digest, '68444f3355e30599cabc3879971ffd6a3980d470c12849b8437960bb7accc404');
  assert.equal(
    split.refs.map((r) => r.at),
    ['/inputs/0/facets/big', '/outputs/0/facets/schema', '/outputs/1/facets/schema', '/outputs/2/facets/schema', '/outputs/3/facets/schema', '/run/facets/spark.logicalPlan'],
  );
  assert.is(split.digest, referenceSplit(event));
});

test.run();
