import * as assert from 'uvu/assert';
import { test } from 'uvu';
import fc from 'fast-check';
import type { LedgerEvent } from '../../lib/events/types.js';
import { Projection } from '../../lib/state/projection.js';
import { StringIndex } from '../../lib/state/string-index.js';
import { Timeline } from '../../lib/state/timeline.js';
import { View } from '../../lib/state/view.js';
import { event, reloaded } from './projections.js';

test('a StringIndex answers as a Map from each key to the last entry set for it, through every growth', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.oneof(fc.string({ maxLength: 3 }), fc.string(), fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 })), fc.boolean()), { maxLength: 400 }), (ops) => {
      const keys: string[] = [];
      const index = new StringIndex((e) => keys[e]!);
      const reference = new Map<string, number>();
      for (const [key, lookFirst] of ops) {
        if (lookFirst) assert.is(index.get(key), reference.get(key) ?? -1);
        const entry = keys.length;
        keys.push(key);
        assert.is(index.set(key, entry), reference.get(key) ?? -1, 'set returns the entry the key had');
        reference.set(key, entry);
      }
      assert.is(index.size, reference.size);
      for (const [key, entry] of reference) assert.is(index.get(key), entry);
      assert.is(index.get('\u0000never set'), -1);
    }),
    { numRuns: 300 },
  );
});

test('a Timeline stored as spans of equal times answers as the time of every event would', () => {
  const base = Date.UTC(2026, 0, 1);
  fc.assert(
    fc.property(fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 200 }), fc.array(fc.integer({ min: -5, max: 2000 }), { maxLength: 20 }), (steps, probes) => {
      // Times never decrease; a step of 0 repeats the time before (events of one group commit).
      const times: number[] = [];
      let t = base;
      for (const step of steps) times.push((t += step));
      const line = new Timeline();
      times.forEach((ms, i) => line.push(i + 1, new Date(ms).toISOString()));
      const { starts, iso } = line.spansUpTo(times.length);
      for (const copy of [line, Timeline.fromSpans(starts, iso, times.length)]) {
        assert.is(copy.length, times.length);
        times.forEach((ms, i) => {
          assert.is(copy.msAt(i + 1), ms);
          assert.is(copy.isoAt(i + 1), new Date(ms).toISOString());
        });
        for (const p of probes) {
          const at = base + p;
          assert.is(copy.countAtOrBefore(at), times.filter((ms) => ms <= at).length, `events at or before ${p}`);
        }
      }
    }),
    { numRuns: 300 },
  );
});

test('files by name and by hash answer, at every watermark and after a checkpoint reload, what a scan of the events would', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat({ max: 4 }), fc.nat({ max: 3 }), fc.boolean()), { minLength: 1, maxLength: 60 }), fc.boolean(), (files, reload) => {
      const events: LedgerEvent[] = [event(1, 'transform.registered', { id: 't', name: 'T', version: '1', type: 'script' })];
      // A few names and hashes shared between files, some without a hash; keys as the store makes them, or another.
      files.forEach(([name, hash, keyed], i) => {
        const h = String(hash).repeat(64);
        const data = { id: `f${i}`, name: `n${name}.csv`, suffix: '.csv', ...(hash > 0 ? { hash: h, key: keyed ? `objects/${h}` : `elsewhere/${i}` } : {}) };
        events.push(event(events.length + 1, 'file.created', data));
      });
      let p = new Projection();
      for (const e of events) p.apply(e);
      if (reload) p = reloaded(p);
      for (let w = 1; w <= events.length; w++) {
        const view = new View(p, w);
        const seen = events.slice(0, w).filter((e) => e.type === 'file.created').map((e) => e.data as { id: string; name: string; hash?: string; key?: string });
        for (const name of new Set(seen.map((f) => f.name))) assert.equal(view.filesNamed(name), seen.filter((f) => f.name === name).map((f) => f.id));
        for (const hash of new Set(seen.flatMap((f) => (f.hash ? [f.hash] : [])))) assert.equal(view.filesWithHash(hash), seen.filter((f) => f.hash === hash).map((f) => f.id));
        for (const f of seen) assert.is(view.file(f.id)?.key, f.key, `the key of ${f.id}`);
      }
    }),
    { numRuns: 150 },
  );
});

test.run();
