import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { open } from 'lineage-ledger';
import { suite } from 'uvu';
import { progress } from '../../lib/cli/progress.js';
import { tempDir } from '../helpers.js';

// A stream that records what is written to it, and claims to be a terminal or not.
function stream(isTTY: boolean): { s: NodeJS.WriteStream; written: () => string } {
  let out = '';
  const w = new Writable({
    write(chunk, _enc, done) {
      out += String(chunk);
      done();
    },
  }) as unknown as NodeJS.WriteStream & { isTTY: boolean; columns: number };
  w.isTTY = isTTY;
  w.columns = 100;
  return { s: w, written: () => out };
}

const p = suite('progress');

p('a terminal gets a bar with the label and the counts, removed at the end', () => {
  const { s, written } = stream(true);
  const bar = progress('verifying', { stream: s, delayMs: 0 });
  bar.update(0, 200);
  bar.update(50);
  bar.update(100);
  bar.stop();
  assert.match(written(), /verifying \[.*\] 50% 100\/200 events/);
});

p('a pipe or a file gets nothing at all', () => {
  const { s, written } = stream(false);
  const bar = progress('verifying', { stream: s, delayMs: 0 });
  bar.update(0, 200);
  bar.update(100);
  bar.stop();
  assert.equal(written(), '');
});

p('work shorter than the delay shows no bar, even on a terminal', () => {
  const { s, written } = stream(true);
  const bar = progress('opening ledger', { stream: s, delayMs: 60_000 });
  bar.update(10, 100);
  bar.update(100, 100);
  bar.stop();
  assert.equal(written(), '');
});

p('a long step that began before the delay gets its bar when the delay is over', async () => {
  const { s, written } = stream(true);
  const bar = progress('drawing', { stream: s, delayMs: 20, unit: 'steps' });
  bar.update(2, 3);
  await new Promise((r) => setTimeout(r, 80));
  bar.stop();
  assert.match(written(), /drawing \[.*\] 66% 2\/3 steps/);
});

p('open() reports its replay of the log to onProgress, ending at the head', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const ln = await open(dir);
    await ln.track(undefined, { script: new URL(import.meta.url).pathname });
    await ln.close();
    const calls: [number, number][] = [];
    const again = await open(dir, { onProgress: (done, total) => calls.push([done, total]) });
    const head = again.head.seq;
    await again.close();
    assert.ok(calls.length > 0);
    assert.deepEqual(calls[calls.length - 1], [head, head]);
    await assert.rejects(open(dir, { onProgress: 'yes' as never }), /onProgress must be a function/);
  } finally {
    cleanup();
  }
});

p.run();
