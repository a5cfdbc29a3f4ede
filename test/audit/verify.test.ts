import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import stringify from 'fast-json-stable-stringify';
import { suite } from 'uvu';
import { File, isLineageError, open, Transform, type Ledger } from 'lineage-ledger';
import { backends, tempDir } from '../helpers.js';
import { lineage } from './cli.js';

const key = (seq: number) => String(seq).padStart(16, '0');
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** A small ledger with runs, files, loads and a failure. */
async function fill(ln: Ledger): Promise<void> {
  await ln.track(new Transform({ name: 'ingest' }));
  for (let i = 0; i < 8; i++) await ln.add(new File(Buffer.from(`sample ${i}`), { name: `s${i}.txt` }));
  await ln.track(new Transform({ name: 'align', version: '2' }), { params: { threads: 8 } });
  for (const f of ln.select(File).limit(3).all()) await f.load({ isRunInput: true });
  await ln.add(new File(Buffer.from('aligned'), { name: 'out.bam' }));
  await ln.run('ingest', async () => ln.add(new File(Buffer.from('sample 9'), { name: 's9.txt' })));
  await ln.finish({ status: 'failed', error: 'out of memory' });
}

// The attacker's tool: a raw classic-level handle on <ledger>/log, values as text.
/** A thorough attacker also rewrites the heads the ledger records (meta and head.json) to match the forged log. */
async function eraseRecordedHeads(path: string): Promise<void> {
  const db = new ClassicLevel<string, string>(join(path, 'log'), { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  await db.open();
  try {
    const log = db.sublevel<string, string>('log', { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    let last: [string, string] | undefined;
    for await (const entry of log.iterator({ reverse: true, limit: 1 })) last = entry;
    const forged = { seq: Number(last![0]), hash: createHash('sha256').update(last![1]).digest('hex') };
    await db.sublevel<string, unknown>('meta', { keyEncoding: 'utf8', valueEncoding: 'json' }).put('head', forged);
  } finally {
    await db.close();
  }
  rmSync(join(path, 'head.json'), { force: true });
}

async function tamper(path: string, fn: (log: ClassicLevel<string, string>) => Promise<void>): Promise<void> {
  const db = new ClassicLevel<string, string>(join(path, 'log'), { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  await db.open();
  try {
    await fn(db.sublevel<string, string>('log', { keyEncoding: 'utf8', valueEncoding: 'utf8' }) as unknown as ClassicLevel<string, string>);
  } finally {
    await db.close();
  }
}

const tmp = tempDir();
const pristine = join(tmp.dir, 'pristine');
let head = { seq: 0, hash: '' };
let copies = 0;
function copy(): string {
  const to = join(tmp.dir, `copy${++copies}`);
  cpSync(pristine, to, { recursive: true });
  return to;
}
function headFile(h: { seq: number; hash: string }): string {
  const f = join(tmp.dir, `head${++copies}.json`);
  writeFileSync(f, JSON.stringify(h));
  return f;
}
/** The CLI's verdict: exit status and the first bad seq it names. */
function cliVerify(path: string, expect?: { seq: number; hash: string }) {
  const args = ['--db', path, 'verify', '--json', ...(expect ? ['--expect-head', headFile(expect)] : [])];
  const r = lineage(args);
  return { status: r.status, result: JSON.parse(r.stdout), stderr: r.stderr };
}

const attack = suite('verify against an attacker with a raw classic-level handle');
attack.before(async () => {
  const ln = await open(pristine);
  await fill(ln);
  head = ln.head;
  await ln.close();
  assert.ok(head.seq >= 20, `the pristine ledger has ${head.seq} events`);
});
attack.after(() => tmp.cleanup());

attack('an untouched ledger verifies, with and without its exported head', async () => {
  const path = copy();
  const ln = await open(path);
  assert.deepEqual(await ln.verify(), { ok: true, events: head.seq, head });
  assert.deepEqual(await ln.verify({ expectHead: head }), { ok: true, events: head.seq, head });
  await ln.close();
  const r = cliVerify(path, head);
  assert.equal(r.status, 0);
  assert.equal(r.result.ok, true);
  const text = lineage(['--db', path, 'verify']);
  assert.equal(text.status, 0);
  assert.match(text.stdout, new RegExp(`^ok: ${head.seq} events`));
});

attack('an event whose JSON was edited in place is named, through the API and the CLI', async () => {
  const path = copy();
  await tamper(path, async (log) => {
    const v = (await log.get(key(5)))!;
    assert.match(v, /"s2\.txt"/);
    await log.put(key(5), v.replace('"s2.txt"', '"s9.txt"'));
  });
  // Opening replays through the chain check, so the ledger refuses to answer from a changed log…
  await assert.rejects(open(path), (e: unknown) => isLineageError(e, 'LEDGER_CORRUPT') && /event 6 does not link to event 5/.test(e.message) && /lineage repair/.test(e.message));
  // …and verify, which walks the stored bytes without replaying, names the changed event itself.
  const c = cliVerify(path);
  assert.equal(c.status, 1);
  assert.equal(c.result.firstBad.seq, 5);
  assert.match(c.stderr, /event 5:/);
});

attack('an edit that breaks the JSON is named even though the ledger no longer opens', async () => {
  const path = copy();
  await tamper(path, async (log) => log.put(key(8), (await log.get(key(8)))!.slice(0, -3)));
  const c = cliVerify(path);
  assert.equal(c.status, 1);
  assert.deepEqual([c.result.firstBad.seq, c.result.firstBad.reason], [8, 'the stored bytes are not valid JSON']);
});

attack('a deleted event is named', async () => {
  const path = copy();
  await tamper(path, (log) => log.del(key(7)));
  const c = cliVerify(path);
  assert.equal(c.status, 1);
  assert.equal(c.result.firstBad.seq, 7);
  assert.match(c.result.firstBad.reason, /event 7 is missing/);
});

attack('two swapped events are named at the first of them', async () => {
  const path = copy();
  await tamper(path, async (log) => {
    const [a, b] = [(await log.get(key(6)))!, (await log.get(key(11)))!];
    await log.batch([{ type: 'put', key: key(6), value: b }, { type: 'put', key: key(11), value: a }]);
  });
  const c = cliVerify(path);
  assert.equal(c.status, 1);
  assert.equal(c.result.firstBad.seq, 6);
  assert.match(c.result.firstBad.reason, /says it is event 11/);
});

attack('a stray key after the last event is named', async () => {
  const path2 = copy();
  // (Keys that sort before event 1 are invisible to every reader of the log, so they change nothing.)
  await tamper(path2, (log) => log.put('zz-not-a-seq', '{}'));
  const c = cliVerify(path2);
  assert.equal(c.status, 1);
  assert.equal(c.result.firstBad.seq, head.seq + 1);
  assert.match(c.result.firstBad.reason, /not a sequence number/);
});

attack('a cut tail passes alone but is named against the exported head', async () => {
  const path = copy();
  const cut = head.seq - 4;
  await tamper(path, async (log) => {
    for (let s = cut + 1; s <= head.seq; s++) await log.del(key(s));
  });
  await assert.rejects(open(path), (e: unknown) => isLineageError(e, 'LEDGER_CORRUPT') && /recorded head is seq/.test(e.message), 'the heads the ledger records catch it at open');
  await eraseRecordedHeads(path);
  const ln = await open(path);
  assert.equal((await ln.verify()).ok, true, 'a shorter chain is still a chain');
  const r = await ln.verify({ expectHead: head });
  await ln.close();
  assert.equal(r.ok, false);
  assert.equal(r.firstBad!.seq, cut + 1);
  assert.match(r.firstBad!.reason, /tail was cut/);
  const c = cliVerify(path, head);
  assert.equal(c.status, 1);
  assert.equal(c.result.firstBad.seq, cut + 1);
});

attack('a forged, re-hashed chain suffix passes alone but not against the exported head', async () => {
  const path = copy();
  const from = head.seq - 4;
  await tamper(path, async (log) => {
    let prevHash = sha((await log.get(key(from - 1)))!);
    for (let s = from; s <= head.seq; s++) {
      const env = JSON.parse((await log.get(key(s)))!) as { prev: string; type: string; data: { name?: string } };
      env.prev = prevHash;
      if (s === from) {
        assert.equal(env.data.name, 'out.bam');
        env.data.name = 'evil.bam';
      }
      const text = stringify(env);
      await log.put(key(s), text);
      prevHash = sha(text);
    }
  });
  await assert.rejects(open(path), (e: unknown) => isLineageError(e, 'LEDGER_CORRUPT') && /another hash/.test(e.message), 'the heads the ledger records catch it at open');
  await eraseRecordedHeads(path);
  const ln = await open(path);
  assert.equal((await ln.verify()).ok, true, 'a consistent forgery, heads included, cannot be told from the ledger alone');
  const r = await ln.verify({ expectHead: head });
  await ln.close();
  assert.equal(r.ok, false);
  assert.equal(r.firstBad!.seq, head.seq);
  assert.match(r.firstBad!.reason, /changed and re-hashed/);
  assert.equal(cliVerify(path, head).result.firstBad.seq, head.seq);
});

attack('an edit of the last event is caught by the exported head', async () => {
  const path = copy();
  await tamper(path, async (log) => log.put(key(head.seq), (await log.get(key(head.seq)))!.replace('out of memory', 'all good  !!')));
  const c = cliVerify(path, head);
  assert.equal(c.status, 1);
  assert.equal(c.result.firstBad.seq, head.seq);
});

attack('an event that fails its schema is named even when the chain around it was re-hashed', async () => {
  const path = copy();
  await tamper(path, async (log) => {
    let prevHash = sha((await log.get(key(head.seq - 2)))!);
    for (let s = head.seq - 1; s <= head.seq; s++) {
      const env = JSON.parse((await log.get(key(s)))!) as { prev: string; data: Record<string, unknown> };
      env.prev = prevHash;
      if (s === head.seq - 1) env.data.smuggled = 'x';
      const text = stringify(env);
      await log.put(key(s), text);
      prevHash = sha(text);
    }
  });
  const c = cliVerify(path);
  assert.equal(c.status, 1);
  assert.equal(c.result.firstBad.seq, head.seq - 1);
  assert.match(c.result.firstBad.reason, /fails its schema/);
});

attack('verify reports progress, and refuses a malformed expected head', async () => {
  const ln = await open(copy());
  const seen: number[] = [];
  await ln.verify({ onProgress: ({ done, total }) => seen.push(done, total ?? -1) });
  assert.deepEqual(seen.slice(-2), [head.seq, head.seq]);
  await assert.rejects(ln.verify({ expectHead: { seq: 1, hash: 'abc' } }), { code: 'INVALID_ARGUMENT' });
  await ln.close();
});

attack('the CLI refuses a head file of another ledger, and a missing ledger', async () => {
  const other = join(tmp.dir, 'other');
  const ln = await open(other);
  await ln.track(new Transform({ name: 'x' }));
  await ln.close();
  const exported = lineage(['--db', other, 'head']);
  assert.equal(exported.status, 0);
  const f = join(tmp.dir, 'other-head.json');
  writeFileSync(f, exported.stdout);
  const r = lineage(['--db', copy(), 'verify', '--expect-head', f]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /is the head of ledger/);
  const missing = lineage(['--db', join(tmp.dir, 'nothing'), 'verify']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /LEDGER_NOT_FOUND: no ledger at/);
});

attack.run();

for (const backend of backends()) {
  const test = suite(`verify on ${backend.name}`);
  test.after(() => backend.cleanup());

  test('an empty ledger verifies, and a head beyond it is a cut tail', async () => {
    const ln = await backend.fresh();
    const r = await ln.verify();
    assert.equal(r.ok, true);
    assert.equal(r.events, 0);
    const bad = await ln.verify({ expectHead: { seq: 1, hash: '0'.repeat(64) } });
    assert.deepEqual(bad.firstBad?.seq, 1);
    await ln.close();
  });

  test('verify streams over more events than one batch and returns the head', async () => {
    const ln = await backend.fresh();
    await ln.track(new Transform({ name: 'many' }));
    await Promise.all(Array.from({ length: 1200 }, (_, i) => ln.add(new File(Buffer.from(`c${i}`), { name: `f${i}` }))));
    const progress: number[] = [];
    const r = await ln.verify({ expectHead: ln.head, onProgress: (p) => progress.push(p.done) });
    assert.deepEqual(r, { ok: true, events: ln.head.seq, head: ln.head });
    assert.ok(progress.length > 1 && progress.every((d, i) => i === 0 || d > progress[i - 1]!), 'progress after each batch');
    assert.equal(progress[progress.length - 1], ln.head.seq);
    await ln.close();
  });

  test.run();
}
