import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import fc from 'fast-check';
import { suite } from 'uvu';
import { File, isLineageError, open, Transform, type Ledger } from 'lineage-ledger';
import { appendValidated } from '../../bench/suite.js';
import { generateWorkload } from '../../bench/workload.js';
import { isExactText } from '../../lib/log/stored-text.js';
import { backends, tempDir } from '../helpers.js';

const key = (seq: number) => String(seq).padStart(16, '0');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const ODD_NAMES = ['résumé.txt', '😀 emoji.txt', 'replacement \uFFFD char.txt', '\uFEFFbom first.txt'];

/** A few thousand events, and files whose names are not ASCII (one holds a literal U+FFFD). */
async function fill(ln: Ledger): Promise<void> {
  await appendValidated(ln, generateWorkload({ events: 2500, seed: 9, chainLength: 20 }).events);
  await ln.track(new Transform({ name: 'odd names' }));
  for (const name of ODD_NAMES) await ln.add(new File(Buffer.from(`content of ${name}`), { name }));
}

/** Checks every event a full read yields against the stored bytes; returns the batch sizes. */
async function readAll(ln: Ledger): Promise<number[]> {
  const sizes: number[] = [];
  let seq = 0;
  for await (const batch of ln.log.read()) {
    sizes.push(batch.length);
    for (const { event, bytes } of batch) {
      const stored = (await ln.log.getBytes(++seq))!;
      assert.equal(event.seq, seq);
      assert.equal(event.hash, sha(stored), `the hash of event ${seq}`);
      assert.deepEqual(Buffer.from(bytes), Buffer.from(stored), `the bytes of event ${seq}`);
    }
  }
  assert.equal(seq, ln.head.seq);
  return sizes;
}

for (const b of backends()) {
  const reading = suite(`reading the log on ${b.name}`);
  reading.after(() => b.cleanup());

  reading('every event read carries its stored bytes and their SHA-256, in whole batches, names in any script included', async () => {
    let ln = await b.fresh({ durability: 'none' });
    await fill(ln);
    const n = ln.head.seq;
    const sizes = await readAll(ln);
    // classic-level would stop each read at 16 kB (about 50 events) unless told otherwise.
    assert.deepEqual(sizes, [...Array(Math.floor(n / 1000)).fill(1000), n % 1000].filter((x) => x > 0));
    if (b.reopen) {
      await ln.close();
      // Reopening replays the whole log (no checkpoint under 10,000 events) through the same read.
      ln = await b.reopen();
      assert.equal(ln.loadReport.from, 0);
      await readAll(ln);
    }
    const names = ln.select(File).all().map((f) => f.name);
    for (const name of ODD_NAMES) assert.ok(names.includes(name.normalize('NFC')), `${name} reads back`);
    await ln.close();
  });

  reading('a reader that stops after its first batch leaves nothing behind: the ledger closes, and reads again', async () => {
    const ln = await b.fresh({ durability: 'none' });
    await fill(ln);
    for await (const batch of ln.log.read()) {
      assert.equal(batch.length, 1000);
      break;
    }
    let count = 0;
    for await (const batch of ln.log.read(1500, 1700)) count += batch.length;
    assert.equal(count, 201);
    await ln.close();
  });

  reading.run();
}

// The attacker's tool: a raw classic-level handle on <ledger>/log, values as bytes.
async function tamper(path: string, seq: number, edit: (bytes: Buffer) => Buffer): Promise<void> {
  const db = new ClassicLevel<string, Buffer>(join(path, 'log'), { keyEncoding: 'utf8', valueEncoding: 'buffer' });
  await db.open();
  try {
    const log = db.sublevel<string, Buffer>('log', { keyEncoding: 'utf8', valueEncoding: 'buffer' });
    await log.put(key(seq), edit((await log.get(key(seq)))!));
  } finally {
    await db.close();
  }
}

const bytes = suite('stored bytes that are not UTF-8, or not only the envelope');
const tmp = tempDir();
const pristine = join(tmp.dir, 'pristine');
let copies = 0;
const copy = () => {
  const to = join(tmp.dir, `copy${++copies}`);
  cpSync(pristine, to, { recursive: true });
  return to;
};
bytes.before(async () => {
  const ln = await open(pristine);
  await ln.track(new Transform({ name: 'ingest' }));
  for (let i = 0; i < 8; i++) await ln.add(new File(Buffer.from(`sample ${i}`), { name: `s${i}.txt` }));
  await ln.add(new File(Buffer.from('odd'), { name: 'odd \uFFFD.txt' }));
  await ln.add(new File(Buffer.from('last'), { name: 'last.txt' }));
  assert.ok(Buffer.from((await ln.log.getBytes(11))!).includes(Buffer.from('\uFFFD', 'utf8')));
  await ln.close();
});
bytes.after(() => tmp.cleanup());

bytes('an event with a byte that is not UTF-8 fails the open at the next link, as any changed event does', async () => {
  const path = copy();
  await tamper(path, 5, (v) => {
    const at = v.indexOf('"s2.txt"');
    assert.ok(at > 0);
    v[at + 2] = 0xff;
    return v;
  });
  await assert.rejects(open(path), (e: unknown) => isLineageError(e, 'LEDGER_CORRUPT') && /event 6 does not link to event 5/.test(e.message));
});

bytes('an event whose bytes gained a byte-order mark is not valid JSON', async () => {
  const path = copy();
  await tamper(path, 5, (v) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), v]));
  await assert.rejects(open(path), (e: unknown) => isLineageError(e, 'LEDGER_CORRUPT') && /the event at key 0000000000000005 is not valid JSON/.test(e.message));
});

bytes('a U+FFFD stored as UTF-8 and swapped for a byte that is not UTF-8 reads as the same text, yet fails the open at the next link', async () => {
  const path = copy();
  // Event 11 names a file with a literal U+FFFD (EF BF BD); a lone 0xFF decodes to the same text.
  await tamper(path, 11, (v) => {
    const at = v.indexOf(Buffer.from('\uFFFD', 'utf8'));
    assert.ok(at > 0);
    const forged = Buffer.concat([v.subarray(0, at), Buffer.from([0xff]), v.subarray(at + 3)]);
    assert.equal(forged.toString('utf8'), v.toString('utf8'));
    return forged;
  });
  await assert.rejects(open(path), (e: unknown) => isLineageError(e, 'LEDGER_CORRUPT') && /event 12 does not link to event 11/.test(e.message));
});

bytes('text that LevelDB decodes without U+FFFD is exactly the stored bytes in UTF-8; any other bytes show U+FFFD', async () => {
  const db = new ClassicLevel<string, Uint8Array>(join(tmp.dir, 'bytes'), { keyEncoding: 'utf8', valueEncoding: 'view' });
  await db.open();
  try {
    const value = fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 20 }).map((s) => new Uint8Array(Buffer.from(s, 'utf8'))),
      fc.tuple(fc.string({ unit: 'binary', maxLength: 10 }), fc.uint8Array({ minLength: 1, maxLength: 4 })).map(([s, b]) => new Uint8Array(Buffer.concat([Buffer.from(s, 'utf8'), b]))),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(value, { minLength: 1, maxLength: 30 }), async (values) => {
        await db.clear();
        await db.batch(values.map((v, i) => ({ type: 'put' as const, key: key(i), value: v })));
        const it = db.iterator({ valueEncoding: 'utf8', highWaterMarkBytes: 1 << 20 } as never) as unknown as { nextv(n: number): Promise<[string, string][]>; close(): Promise<void> };
        const texts = await it.nextv(1000);
        await it.close();
        assert.equal(texts.length, values.length);
        for (const [k, text] of texts) {
          const stored = Buffer.from(values[Number(k)]!);
          const same = Buffer.from(text, 'utf8').equals(stored);
          if (isExactText(text)) assert.ok(same, `${stored.toString('hex')} decoded to ${JSON.stringify(text)}`);
          else if (!stored.toString('utf8').includes('\uFFFD')) assert.fail(`${stored.toString('hex')} has no U+FFFD, yet decoded to one`);
          if (same) assert.equal(createHash('sha256').update(text).digest('hex'), sha(stored));
        }
      }),
      { numRuns: 300 },
    );
  } finally {
    await db.close();
  }
});

bytes.run();
