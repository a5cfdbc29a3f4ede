import * as assert from 'uvu/assert';
import { test } from 'uvu';
import fc from 'fast-check';
import stringify from 'fast-json-stable-stringify';
import { canonicalJson } from '../../lib/log/canonical.js';

const same = (value: unknown) => assert.is(canonicalJson(value), stringify(value));

test('canonical JSON is byte-identical to fast-json-stable-stringify for any JSON value', () => {
  fc.assert(fc.property(fc.jsonValue(), (v) => canonicalJson(v) === stringify(v)), { numRuns: 2000 });
});

test('canonical JSON is byte-identical for objects with keys in any order, integer-like keys, and odd values', () => {
  const key = fc.oneof(fc.string(), fc.constantFrom('0', '1', '9', '10', '-1', '01', '__proto__', 'toJSON', 'a', 'B', 'é', '\u{1F600}'));
  const leaf = fc.oneof(fc.double(), fc.integer(), fc.string(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.constant(-0), fc.constant(NaN), fc.date({ noInvalidDate: true }));
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
    array: fc.array(tie('tree'), { maxLength: 5 }),
    object: fc.dictionary(key, tie('tree'), { maxKeys: 6 }),
  }));
  fc.assert(fc.property(tree, (v) => canonicalJson(v) === stringify(v)), { numRuns: 3000 });
});

test('canonical JSON hands unusual values to the reference serializer', () => {
  same({ b: new Date(0), a: { toJSON: () => 'x' } });
  same({ z: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), a: new Map([[1, 2]]) });
  same([undefined, () => 1, Symbol('s'), { f: () => 1, s: Symbol('t'), u: undefined }]);
  same({ 10: 'ten', 9: 'nine', b: 1, a: 2 });
  same(Object.assign(Object.create(null), { b: 1, a: { d: [1, { y: 2, x: 1 }], c: Infinity } }));
  same(JSON.parse('{"b":1,"__proto__":{"y":1,"x":2}}'));
  assert.throws(() => canonicalJson({ a: 1n }), TypeError);
  assert.throws(() => stringify({ a: 1n }), TypeError);
});

test('a cyclic value is refused as by the reference', () => {
  const o: Record<string, unknown> = { a: 1 };
  o.self = o;
  assert.throws(() => canonicalJson(o), TypeError);
});

test.run();
