import assert from 'node:assert/strict';
import fc from 'fast-check';
import { suite } from 'uvu';
import { importOpenLineage, open, toOpenLineage } from 'lineage-ledger';
import { LARGE_FACET_BYTES, splitEvent } from '../lib/interop/openlineage-records.js';
import { parseEventBytes, parseEventText, rawFacetBytes } from '../lib/interop/raw-facets.js';
import { sha256OfText } from '../lib/util/sha256-text.js';
import { createHash } from 'node:crypto';

const test = suite('OpenLineage events read from text, large facets unparsed');

const P = 'https://example.org/producer';
const RUN_EVENT = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
const U = (n: number) => `0190d6a2-0000-7000-8000-${String(n).padStart(12, '0')}`;
/** A facet whose JSON passes LARGE_FACET_BYTES with `fields` in it. */
const large = (fields: Record<string, unknown>) => ({ _producer: P, _schemaURL: 'https://example.org/plan.json', ...fields, pad: 'p'.repeat(LARGE_FACET_BYTES) });
function event(n: number, facets: { run?: object; job?: object; input?: object; inputFacets?: object; output?: object; outputFacets?: object }) {
  return {
    eventTime: '2024-01-01T00:00:00.000Z',
    eventType: 'COMPLETE',
    producer: P,
    schemaURL: RUN_EVENT,
    run: { runId: U(n), facets: facets.run ?? {} },
    job: { namespace: 'ns', name: `job${n}`, facets: facets.job ?? {} },
    inputs: [{ namespace: 'ns', name: `in${n}`, facets: facets.input ?? {}, inputFacets: facets.inputFacets ?? {} }],
    outputs: [{ namespace: 'ns', name: `out${n}`, facets: facets.output ?? {}, outputFacets: facets.outputFacets ?? {} }],
  };
}

/** What the import records of an event: the split of it parsed whole, and the split of it read from text. */
function both(text: string) {
  const whole = splitEvent(JSON.parse(text));
  const read = splitEvent(parseEventText(text) as never);
  return { whole, read };
}
function assertSameRecord(text: string): void {
  const { whole, read } = both(text);
  // The same text read as its UTF-8 bytes (a JSONL file read as bytes), and as text with those bytes (a request body).
  const fromBytes = splitEvent(parseEventBytes(Buffer.from(text, 'utf8')) as never);
  const withBytes = splitEvent(parseEventText(text, JSON.parse, Buffer.from(text, 'utf8')) as never);
  for (const r of [read, fromBytes, withBytes]) {
    assert.equal(r.digest, whole.digest);
    assert.deepEqual(r.refs, whole.refs);
    assert.deepEqual(r.recorded, whole.recorded);
    assert.deepEqual(r.copy, whole.copy);
    assert.deepEqual(r.blobs.map((b) => [b.key, Buffer.from(b.value).toString('utf8')]), whole.blobs.map((b) => [b.key, Buffer.from(b.value).toString('utf8')]));
  }
}

test('a large facet written as JSON.stringify writes it is not parsed: the event holds a stub, and its bytes are the blob', () => {
  const plan = large({ plan: [{ class: 'Project', id: 1, ok: true, none: null, x: -1.5e-7 }] });
  const text = JSON.stringify(event(1, { run: { 'spark.logicalPlan': plan } }));
  const value = parseEventText(text) as ReturnType<typeof event>;
  const stub = (value.run.facets as Record<string, unknown>)['spark.logicalPlan'];
  assert.deepEqual(stub, { _producer: P, _schemaURL: 'https://example.org/plan.json' });
  assert.equal(rawFacetBytes(stub)!.toString('utf8'), JSON.stringify(plan));
  assertSameRecord(text);
});

test('every place a facet may sit is read that way, and the bytes an event was decoded from give the same blobs', () => {
  const f = (n: number) => large({ n, text: 'é\u{1F600}\u2028"\\\n\u0001' });
  const e = event(2, { run: { a: f(1) }, job: { b: f(2) }, input: { c: f(3) }, inputFacets: { d: f(4) }, output: { e: f(5) }, outputFacets: { g: f(6) } });
  const text = JSON.stringify(e);
  const { whole, read } = both(text);
  assert.equal(read.refs.length, 6);
  assert.equal(read.digest, whole.digest);
  const fromBytes = splitEvent(parseEventText(text, JSON.parse, Buffer.from(text, 'utf8')) as never);
  assert.equal(fromBytes.digest, whole.digest);
  assert.deepEqual(fromBytes.blobs.map((b) => Buffer.from(b.value).toString('utf8')), whole.blobs.map((b) => Buffer.from(b.value).toString('utf8')));
});

test('text JSON.stringify would write otherwise is parsed as usual, and recorded the same', () => {
  const plan = JSON.stringify(large({ plan: [1, 2] }));
  const facetTexts = [
    plan.replace('"plan":[1,2]', '"plan": [1, 2]'), // whitespace
    plan.replace('"plan":[1,2]', '"plan":[1.0,2e0,-0,100000000000000000000000]'), // numbers written otherwise
    plan.replace('"plan":[1,2]', '"plan":"a\\/b\\u0041\\u001F\\ud83d\\ude00"'), // escapes it would not write
    plan.replace('"plan":[1,2]', '"plan":{"b":1,"a":2,"b":3}'), // a repeated key
    plan.replace('"plan":[1,2]', '"plan":{"b":1,"10":2,"2":3}'), // integer-like keys, which V8 puts first
    plan.replace('"plan":[1,2]', '"plan":"\\ud800 lone"'), // a lone surrogate
  ];
  for (const facet of facetTexts) {
    const text = `{"eventTime":"2024-01-01T00:00:00Z","eventType":"START","producer":"${P}","schemaURL":"${RUN_EVENT}","run":{"runId":"${U(3)}","facets":{"plan":${facet}}},"job":{"namespace":"ns","name":"j"}}`;
    const value = parseEventText(text) as { run: { facets: { plan: unknown } } };
    assert.equal(rawFacetBytes(value.run.facets.plan), undefined, facet.slice(-80));
    assertSameRecord(text);
  }
});

test('objects with many keys, deep nesting and long key lists are checked key by key: a key repeated past the sixteenth is found', () => {
  const wide = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, { [`n${i}`]: i, inner: { a: 1, b: [1, 2] } }]));
  let deep: unknown = 'bottom';
  for (let d = 0; d < 200; d++) deep = d % 2 ? [deep] : { d: deep };
  const plan = JSON.stringify(large({ wide, deep }));
  assertSameRecord(`{"eventTime":"2024-01-01T00:00:00Z","eventType":"START","producer":"${P}","schemaURL":"${RUN_EVENT}","run":{"runId":"${U(8)}","facets":{"plan":${plan}}},"job":{"namespace":"ns","name":"j"}}`);
  const value = parseEventText(JSON.stringify(event(8, { run: { plan: large({ wide, deep }) } }))) as { run: { facets: { plan: unknown } } };
  assert.ok(rawFacetBytes(value.run.facets.plan), 'a facet with 300 distinct keys is taken from its bytes');
  for (const repeated of [plan.replace('"k299":', '"k17":'), plan.replace('"k299":', '"k0":'), plan.replace('"b":[1,2]}', '"b":[1,2],"a":3}'), plan.replace('"k5":', '"__proto__":'), plan.replace('"k6":', '"7":')]) {
    const text = `{"eventTime":"2024-01-01T00:00:00Z","eventType":"START","producer":"${P}","schemaURL":"${RUN_EVENT}","run":{"runId":"${U(8)}","facets":{"plan":${repeated}}},"job":{"namespace":"ns","name":"j"}}`;
    const parsed = parseEventText(text) as { run: { facets: { plan: unknown } } };
    assert.equal(rawFacetBytes(parsed.run.facets.plan), undefined, repeated.slice(0, 60));
    assertSameRecord(text);
  }
});

test('bytes that are not UTF-8 are decoded and parsed whole; a large facet read from bytes is a copy, not a view of them', () => {
  const text = JSON.stringify(event(9, { run: { plan: large({ x: 'abc' }) } }));
  const bytes = Buffer.from(text, 'utf8');
  const bad = Buffer.concat([bytes.subarray(0, bytes.indexOf('abc')), Buffer.from([0xff]), bytes.subarray(bytes.indexOf('abc') + 1)]);
  const parsed = parseEventBytes(bad) as { run: { facets: { plan: { x: string } } } };
  assert.equal(rawFacetBytes(parsed.run.facets.plan), undefined);
  assert.equal(parsed.run.facets.plan.x, '\ufffdbc');
  const value = parseEventBytes(bytes) as { run: { facets: { plan: unknown } } };
  const before = splitEvent(value as never);
  bytes.fill(0x20);
  assert.equal(rawFacetBytes(value.run.facets.plan)!.toString('utf8'), JSON.stringify(large({ x: 'abc' })));
  assert.equal(splitEvent(value as never).digest, before.digest);
});

test('facets the import reads fields of, small facets and whole events that repeat a key on the way to a facet are parsed', () => {
  const parent = large({ run: { runId: U(9) }, job: { namespace: 'ns', name: 'up' } });
  const value = parseEventText(JSON.stringify(event(4, { run: { parent, small: { _producer: P, _schemaURL: P } } }))) as ReturnType<typeof event>;
  assert.deepEqual((value.run.facets as Record<string, unknown>).parent, parent);
  const twice = JSON.stringify(event(5, { run: { plan: large({}) } })).replace('"run":', '"run":{"runId":"x"},"run":');
  const parsed = parseEventText(twice) as { run: { facets: { plan: unknown } } };
  assert.deepEqual(parsed, JSON.parse(twice));
  assert.equal(rawFacetBytes(parsed.run.facets.plan), undefined);
});

test('invalid JSON is refused exactly as JSON.parse refuses it', () => {
  const text = JSON.stringify(event(6, { run: { plan: large({ x: 1 }) } }));
  for (const bad of [text.slice(0, -1), text.replace('"x":1', '"x":01'), text.replace('"x":1', '"x":tru'), text.replace('"x":1', '"x":"\u0001"'), `${text}x`, text.replace('"x":1', '"x":[1,]')]) {
    let expected: unknown;
    try {
      JSON.parse(bad);
    } catch (err) {
      expected = err;
    }
    assert.ok(expected instanceof SyntaxError);
    assert.throws(() => parseEventText(bad), (err: unknown) => err instanceof SyntaxError && err.message === (expected as Error).message);
    assert.throws(() => parseEventBytes(Buffer.from(bad)), (err: unknown) => err instanceof SyntaxError && err.message === (expected as Error).message);
  }
});

test('property: any event with large facets, compact or indented, is recorded from its text exactly as from its parsed value', () => {
  const facet = fc.record({ _producer: fc.constant(P), _schemaURL: fc.webUrl(), body: fc.jsonValue({ maxDepth: 4 }), keys: fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 }), pad: fc.string({ minLength: 0, maxLength: 40 }).map((s) => s.repeat(1 + Math.ceil(LARGE_FACET_BYTES / Math.max(1, s.length)))) });
  fc.assert(
    fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), facet, { minKeys: 1, maxKeys: 3 }), fc.boolean(), (facets, indent) => {
      const text = JSON.stringify(event(7, { run: facets, output: facets }), null, indent ? 1 : undefined);
      assertSameRecord(text);
    }),
    { numRuns: 150 },
  );
});

test('JSONL with large facets imports to the same ledger as the parsed events: the same import again adds nothing, and the export gives every facet back', async () => {
  const events = Array.from({ length: 6 }, (_, n) => event(10 + n, { run: { 'spark.logicalPlan': large({ plan: Array.from({ length: 50 }, (_, i) => ({ id: i, name: `c${i}é` })) }) }, output: { schema: large({ fields: [{ name: 'a', type: 'int' }] }) } }));
  const fromText = await open({ memory: true });
  const fromValues = await open({ memory: true });
  try {
    const first = await importOpenLineage(fromText, events.map((e) => JSON.stringify(e)).join('\n'));
    assert.equal(first.events, 6);
    const again = await importOpenLineage(fromText, events);
    assert.equal(again.duplicates, 6);
    assert.equal(again.appended, 0);
    await importOpenLineage(fromValues, events);
    const a = await toOpenLineage(fromText);
    assert.deepEqual(a, await toOpenLineage(fromValues));
    assert.deepEqual(a, events);
  } finally {
    await fromText.close();
    await fromValues.close();
  }
});

test('JSONL read as bytes imports as the same text does: the same lines skipped, the same digest, every facet back', async () => {
  const events = Array.from({ length: 4 }, (_, n) => event(20 + n, { run: { 'spark.logicalPlan': large({ plan: Array.from({ length: 40 }, (_, i) => ({ id: i, name: `c${i}é\u{1F600}` })) }) } }));
  // CRLF endings, blank lines, a long line of spaces, an invalid line, a long invalid line and no final newline.
  const lines = [JSON.stringify(events[0]), '', JSON.stringify(events[1]) + '\r', ' '.repeat(LARGE_FACET_BYTES + 5), '{"not": "an event"}', JSON.stringify(events[2]).slice(0, -1), '  \t', JSON.stringify(events[3])];
  const text = lines.join('\n');
  const fromText = await open({ memory: true });
  const fromBytes = await open({ memory: true });
  try {
    const a = await importOpenLineage(fromText, text);
    const b = await importOpenLineage(fromBytes, Buffer.from(text, 'utf8'));
    assert.deepEqual({ ...b, importId: '' }, { ...a, importId: '' });
    assert.deepEqual(b.skipped.map((s) => s.line), [5, 6]);
    assert.equal(b.events, 3);
    const digest = async (ln: typeof fromText) => {
      for await (const e of ln.events({ types: ['openlineage.imported'] })) return (e.data as { digest: string }).digest;
      return undefined;
    };
    assert.equal(await digest(fromBytes), await digest(fromText));
    assert.equal(await digest(fromBytes), createHash('sha256').update(text).digest('hex'));
    assert.deepEqual(await toOpenLineage(fromBytes), [events[0], events[1], events[3]]);
  } finally {
    await fromText.close();
    await fromBytes.close();
  }
});

test('property: the digest of an import\'s text, hashed a slice at a time, is SHA-256 of its UTF-8 whatever the slices cut (surrogate pairs, lone halves)', () => {
  const text = fc.array(fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom('\u{1F600}', '\ud800', '\udc00', 'é', '\n')), { maxLength: 40 }).map((parts) => parts.join(''));
  fc.assert(
    fc.property(text, fc.integer({ min: 1, max: 9 }), (t, slice) => sha256OfText(t, slice) === createHash('sha256').update(t).digest('hex')),
    { numRuns: 2000 },
  );
});

test.run();
