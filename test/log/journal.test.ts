import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
// @ts-expect-error: classic-level ships no types for its chained batch module
import { ChainedBatch } from 'classic-level/chained-batch.js';
import { File, open, repair, Run, Transform, type Head } from 'lineage-ledger';
import { journalFiles } from '../../lib/log/journal.js';
import { walkChain } from '../support/chain.js';
import { tempDir } from '../helpers.js';

const test = suite("the 'journal' durability mode");
const CLI = fileURLToPath(new URL('../../lib/cli/main.js', import.meta.url));

interface Behind {
  /** A closed ledger whose LevelDB holds `levelHead`, with the journal a crash in 'journal' mode leaves. */
  path: string;
  levelHead: Head;
  /** The head the journal reaches: everything that was acknowledged. */
  head: Head;
  journal: string;
  names: string[];
  runId: string;
}

/**
 * The state a process killed in 'journal' mode leaves when LevelDB had not got its last events: a
 * copy of the ledger taken before a session in 'journal' mode, plus that session's journal file.
 */
async function behindState(dir: string): Promise<Behind> {
  const first = join(dir, 'first');
  let ledger = await open(first, { durability: 'batched' });
  await ledger.run(new Transform({ name: 'before', version: '1' }), async () => {
    for (let i = 0; i < 3; i++) await ledger.add(new File(Buffer.from(`before ${i}\n`), { name: `before-${i}.txt` }));
  });
  const levelHead = ledger.head;
  await ledger.close();
  const path = join(dir, 'behind');
  cpSync(first, path, { recursive: true });

  ledger = await open(first, { durability: 'journal' });
  const names: string[] = [];
  let runId = '';
  await ledger.run(new Transform({ name: 'journaled', version: '1' }), async (run) => {
    runId = run.id;
    for (let i = 0; i < 5; i++) {
      names.push(`journaled-${i}.txt`);
      await ledger.add(new File(Buffer.from(`journaled ${i}\n`), { name: `journaled-${i}.txt` }));
    }
  });
  const head = ledger.head;
  // Taken while the ledger is open, as a SIGKILL would find it: every frame is in the file.
  const files = journalFiles(first);
  assert.equal(files.length, 1, 'one journal file while open');
  const journal = readFileSync(files[0]!);
  await ledger.close();
  assert.equal(journalFiles(first).length, 0, 'a clean close removes the journal');

  mkdirSync(join(path, 'journal'));
  const journalPath = join(path, 'journal', basename(files[0]!));
  writeFileSync(journalPath, journal);
  assert.equal((await walkChain(path)).head.seq, levelHead.seq, 'LevelDB is behind the journal');
  return { path, levelHead, head, journal: journalPath, names, runId };
}

async function rejects(path: string, code: string, mention: RegExp): Promise<void> {
  await assert.rejects(open(path), (err: { code?: string; message?: string }) => {
    assert.equal(err.code, code);
    assert.match(err.message ?? '', mention);
    return true;
  });
}

test('a ledger whose LevelDB is behind its journal opens with every journaled event, written to LevelDB, and the journal goes', async () => {
  const { dir, cleanup } = tempDir('speed-journal-');
  try {
    const b = await behindState(dir);
    const ledger = await open(b.path);
    try {
      assert.deepEqual(ledger.head, b.head);
      for (const name of b.names) assert.equal((await ledger.select(File, { name }).one().load()).toString(), `journaled ${name.slice(10, 11)}\n`);
      assert.equal(ledger.select(Run, { id: b.runId }).one().status, 'completed');
      assert.equal((await ledger.verify()).ok, true);
      assert.equal(journalFiles(b.path).length, 0);
    } finally {
      await ledger.close();
    }
    const chain = await walkChain(b.path);
    assert.equal(chain.broken, undefined);
    assert.deepEqual(chain.head, b.head);
  } finally {
    cleanup();
  }
});

test('lineage verify of a ledger LevelDB is behind says its journal holds more; after one open, verify sees every event', async () => {
  const { dir, cleanup } = tempDir('speed-journal-');
  try {
    const b = await behindState(dir);
    const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, '--db', b.path, ...args], { encoding: 'utf8' });
    const before = cli('verify', '--json');
    assert.equal(before.status, 0, before.stderr);
    assert.match(before.stderr, /has a journal .* not in the log verified here/);
    assert.equal(JSON.parse(before.stdout).head.seq, b.levelHead.seq);
    assert.equal(cli('stats').status, 0);
    const after = cli('verify', '--json');
    assert.equal(after.status, 0, after.stderr);
    assert.equal(after.stderr, '');
    assert.deepEqual(JSON.parse(after.stdout).head, b.head);
  } finally {
    cleanup();
  }
});

test('a torn last frame (a write cut by a crash) is dropped; the frames before it stay and the ledger takes new appends', async () => {
  const { dir, cleanup } = tempDir('speed-journal-');
  try {
    const b = await behindState(dir);
    // The last frame is the run's finish: cut it in the middle.
    const bytes = readFileSync(b.journal);
    writeFileSync(b.journal, bytes.subarray(0, bytes.length - 20));
    const ledger = await open(b.path);
    try {
      assert.equal(ledger.head.seq, b.head.seq - 1);
      for (const name of b.names) assert.ok(ledger.select(File, { name }).first(), name);
      assert.equal(ledger.select(Run, { id: b.runId }).one().status, 'started');
      await ledger.add(new File(Buffer.from('after\n'), { name: 'after.txt' }));
      assert.equal(ledger.head.seq, b.head.seq);
      assert.equal((await ledger.verify()).ok, true);
    } finally {
      await ledger.close();
    }
  } finally {
    cleanup();
  }
});

test('zeros past the last frame (a machine crash extends the file) are a torn tail: every whole frame is kept', async () => {
  const { dir, cleanup } = tempDir('speed-journal-');
  try {
    const b = await behindState(dir);
    writeFileSync(b.journal, Buffer.concat([readFileSync(b.journal), Buffer.alloc(4096)]));
    const ledger = await open(b.path);
    try {
      assert.deepEqual(ledger.head, b.head);
    } finally {
      await ledger.close();
    }
  } finally {
    cleanup();
  }
});

test('a flipped byte inside a frame is LEDGER_CORRUPT naming the journal, and nothing is written', async () => {
  const { dir, cleanup } = tempDir('speed-journal-');
  try {
    const b = await behindState(dir);
    const bytes = readFileSync(b.journal);
    // Inside the second frame's events (the first frame is the run's start).
    const at = bytes.indexOf('journaled-1.txt');
    assert.ok(at > 0);
    bytes[at] ^= 0x01;
    writeFileSync(b.journal, bytes);
    await rejects(b.path, 'LEDGER_CORRUPT', /journal.*damaged.*checksum/);
    assert.deepEqual((await walkChain(b.path)).head, b.levelHead, 'nothing of the journal was written');
    assert.ok(existsSync(b.journal), 'the journal stays for repair');
  } finally {
    cleanup();
  }
});

test('repair keeps the journal frames before a damaged one, moves the journal aside, and the ledger opens', async () => {
  const { dir, cleanup } = tempDir('speed-journal-');
  try {
    const b = await behindState(dir);
    const bytes = readFileSync(b.journal);
    const at = bytes.indexOf('journaled-3.txt');
    bytes[at] ^= 0x01;
    writeFileSync(b.journal, bytes);
    await rejects(b.path, 'LEDGER_CORRUPT', /repair/);
    const report = await repair(b.path);
    // Frames: the transform and the run's start, then one per file: all before the fourth file survive.
    assert.equal(report.journal?.applied, b.head.seq - b.levelHead.seq - 3);
    assert.match(report.journal?.damaged ?? '', /checksum/);
    assert.equal(report.head.seq, b.levelHead.seq + report.journal!.applied);
    assert.ok(existsSync(join(report.journal!.setAside, basename(b.journal))), 'the whole journal is kept aside');
    const ledger = await open(b.path);
    try {
      assert.deepEqual(ledger.head, report.head);
      assert.ok(ledger.select(File, { name: 'journaled-2.txt' }).first());
      assert.equal(ledger.select(File, { name: 'journaled-3.txt' }).first(), undefined);
      assert.equal((await ledger.verify()).ok, true);
    } finally {
      await ledger.close();
    }
  } finally {
    cleanup();
  }
});

test('bytes that are not a frame, followed by more, are LEDGER_CORRUPT, not a torn tail', async () => {
  const { dir, cleanup } = tempDir('speed-journal-');
  try {
    const b = await behindState(dir);
    const bytes = readFileSync(b.journal);
    bytes[0] ^= 0xff;
    writeFileSync(b.journal, bytes);
    await rejects(b.path, 'LEDGER_CORRUPT', /not a journal frame/);
  } finally {
    cleanup();
  }
});

test('a journal from another ledger (its events do not continue this log) is LEDGER_CORRUPT, and nothing is written', async () => {
  const { dir, cleanup } = tempDir('speed-journal-');
  try {
    const b = await behindState(join(dir, 'b'));
    const other = await behindState(join(dir, 'other'));
    writeFileSync(b.journal, readFileSync(other.journal));
    await rejects(b.path, 'LEDGER_CORRUPT', /journal.*does not continue the log/);
    assert.deepEqual((await walkChain(b.path)).head, b.levelHead);
  } finally {
    cleanup();
  }
});

test('a journal whose events LevelDB already holds changes nothing, and goes', async () => {
  const { dir, cleanup } = tempDir('speed-journal-');
  try {
    const b = await behindState(dir);
    const journal = readFileSync(b.journal);
    const first = await open(b.path);
    assert.deepEqual(first.head, b.head);
    await first.close();
    // A clean close removes the journal's folder with its files: put the same journal back.
    mkdirSync(dirname(b.journal), { recursive: true });
    writeFileSync(b.journal, journal);
    const again = await open(b.path);
    try {
      assert.deepEqual(again.head, b.head);
      assert.equal(again.stats().events, b.head.seq);
      assert.equal(journalFiles(b.path).length, 0);
    } finally {
      await again.close();
    }
  } finally {
    cleanup();
  }
});

test("'batched': an add outside a run with nothing acknowledged early behind LevelDB writes no journal frame (LevelDB's write is its durability)", async () => {
  const { dir, cleanup } = tempDir('speed-journal-');
  try {
    const path = join(dir, 'l');
    const ledger = await open(path);
    try {
      for (let i = 0; i < 3; i++) await ledger.add(new File(Buffer.from(`loose ${i}\n`), { name: `loose-${i}.txt` }));
      assert.deepEqual(journalFiles(path), []);
      // Inside a run, appends are acknowledged from the journal again.
      await ledger.run(new Transform({ name: 'inside', version: '1' }), async () => {
        await ledger.add(new File(Buffer.from('inside\n'), { name: 'inside.txt' }));
      });
      assert.equal(journalFiles(path).length, 1);
    } finally {
      await ledger.close();
    }
  } finally {
    cleanup();
  }
});

test("'batched': adds outside a run the journal skipped ride in its next frame until LevelDB fsyncs them, so that a machine crash costing LevelDB its unsynced tail leaves no hole before the frames acknowledged after them", async () => {
  const { dir, cleanup } = tempDir('speed-journal-');
  try {
    const first = join(dir, 'first');
    let ledger = await open(first);
    const transform = await ledger.add(new Transform({ name: 'after-loose', version: '1' }));
    const tid = transform.id;
    await ledger.close();
    // LevelDB as a machine crash may leave it: without what it had not fsynced.
    const path = join(dir, 'crashed');
    cpSync(first, path, { recursive: true });

    ledger = await open(first);
    const saved = ledger.select(Transform, { id: tid }).one();
    // Both in one tick: the run's start is sealed once the add outside it (journal skipped) is in LevelDB, well within the 200 ms before LevelDB's fsync.
    const loose = ledger.add(new File(Buffer.from('loose\n'), { name: 'loose.txt' }));
    const run = ledger.run(saved, async () => {
      await ledger.add(new File(Buffer.from('inside\n'), { name: 'inside.txt' }));
    });
    await loose;
    await run;
    const files = journalFiles(first);
    assert.equal(files.length, 1);
    const journal = readFileSync(files[0]!);
    await ledger.close();

    mkdirSync(join(path, 'journal'));
    writeFileSync(join(path, 'journal', basename(files[0]!)), journal);
    const level = await walkChain(path);
    const reopened = await open(path);
    try {
      assert.ok(reopened.head.seq > level.head.seq, 'the journal holds what the copy of LevelDB lacks');
      assert.equal((await reopened.select(File, { name: 'loose.txt' }).one().load()).toString(), 'loose\n');
      assert.equal((await reopened.select(File, { name: 'inside.txt' }).one().load()).toString(), 'inside\n');
      assert.equal((await reopened.verify()).ok, true);
    } finally {
      await reopened.close();
    }
    assert.equal((await walkChain(path)).broken, undefined);
  } finally {
    cleanup();
  }
});

test("in 'journal' mode, reads right after appends see every acknowledged event (LevelDB is caught up first)", async () => {
  const { dir, cleanup } = tempDir('speed-journal-');
  try {
    const path = join(dir, 'l');
    const ledger = await open(path, { durability: 'journal' });
    try {
      await ledger.run(new Transform({ name: 'many', version: '1' }), async () => {
        await Promise.all(Array.from({ length: 50 }, (_, i) => ledger.add(new File(Buffer.from(`many ${i}\n`), { name: `many-${i}.txt` }))));
      });
      const verified = await ledger.verify();
      assert.equal(verified.ok, true);
      assert.equal(verified.events, ledger.head.seq);
      assert.equal((await ledger.select(File, { name: 'many-49.txt' }).one().load()).toString(), 'many 49\n');
    } finally {
      await ledger.close();
    }
    assert.equal((await walkChain(path)).head.seq, 53);
  } finally {
    cleanup();
  }
});

test('when LevelDB refuses a write behind, the acknowledged events stay in the journal, appends are refused until a reopen, and the reopen writes them', async () => {
  const { dir, cleanup } = tempDir('speed-journal-');
  const proto = ChainedBatch.prototype as { _write: (...args: unknown[]) => Promise<void> };
  const real = proto._write;
  try {
    const path = join(dir, 'l');
    const ledger = await open(path, { durability: 'journal' });
    await ledger.add(new File(Buffer.from('kept\n'), { name: 'kept.txt' }));
    assert.equal((await ledger.verify()).ok, true);
    proto._write = () => Promise.reject(Object.assign(new Error('injected: No space left on device'), { code: 'ENOSPC' }));
    const acknowledged = (await ledger.add(new File(Buffer.from('acknowledged\n'), { name: 'acknowledged.txt' }))) as File;
    const head = ledger.head;
    await assert.rejects(ledger.verify(), (err: { code?: string }) => err.code === 'WRITE_FAILED');
    await assert.rejects(ledger.add(new File(Buffer.from('refused\n'), { name: 'refused.txt' })), (err: { code?: string }) => err.code === 'WRITE_FAILED');
    proto._write = real;
    await ledger.close();
    assert.ok(journalFiles(path).length > 0, 'the journal is kept');
    const reopened = await open(path);
    try {
      assert.deepEqual(reopened.head, head);
      assert.equal(reopened.select(File, { name: 'acknowledged.txt' }).one().id, acknowledged.id);
      assert.equal(reopened.select(File, { name: 'refused.txt' }).first(), undefined);
      assert.equal((await reopened.verify()).ok, true);
    } finally {
      await reopened.close();
    }
  } finally {
    proto._write = real;
    cleanup();
  }
});

// Contents of 250 KB are stored inline: 40 of them pass the 8 MB at which a journal file is closed.
const BIG = 250 * 1024;

test('a journal file is closed at 8 MB and deleted once LevelDB holds its events', async () => {
  const { dir, cleanup } = tempDir('speed-journal-');
  try {
    const path = join(dir, 'l');
    const ledger = await open(path, { durability: 'journal' });
    try {
      const contents = Array.from({ length: 40 }, () => randomBytes(BIG));
      let most = 0;
      for (let i = 0; i < contents.length; i++) {
        await ledger.add(new File(contents[i]!, { name: `big-${i}.bin` }));
        most = Math.max(most, journalFiles(path).length);
      }
      assert.ok(most >= 2, 'a second journal file was begun');
      // Each add waits for LevelDB to hold the one before: by then the closed file is gone.
      await ledger.add(new File(Buffer.from('small'), { name: 'small.txt' }));
      await ledger.verify();
      await ledger.add(new File(Buffer.from('small 2'), { name: 'small-2.txt' }));
      await ledger.verify();
      assert.equal(journalFiles(path).length, 1);
      assert.deepEqual(await ledger.select(File, { name: 'big-39.bin' }).one().load(), contents[39]);
    } finally {
      await ledger.close();
    }
  } finally {
    cleanup();
  }
});

test('a process killed after the journal passed 8 MB keeps every acknowledged content, read back from its journal files', async () => {
  const { dir, cleanup } = tempDir('speed-journal-');
  try {
    const path = join(dir, 'l');
    // The child acknowledges each add on stdout; it is killed once 35 of 40 are acknowledged.
    const code = `
      import { open, File } from 'lineage-ledger';
      import { writeSync } from 'node:fs';
      const ledger = await open(${JSON.stringify(path)}, { durability: 'journal' });
      for (let i = 0; ; i++) {
        const f = await ledger.add(new File(Buffer.alloc(${BIG}, i % 251), { name: 'big-' + i + '.bin' }));
        writeSync(1, 'ack ' + i + '\\n');
      }`;
    const acked = await new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (d: string) => {
        out += d;
        if ((out.match(/\n/g) ?? []).length >= 35) child.kill('SIGKILL');
      });
      child.stderr.on('data', (d) => (err += d));
      child.on('close', (_code, signal) => (signal === 'SIGKILL' ? resolve(out.slice(0, out.lastIndexOf('\n')).split('\n').length) : reject(new Error(err))));
    });
    assert.ok(acked >= 35);
    const ledger = await open(path);
    try {
      for (let i = 0; i < acked; i++) assert.deepEqual(await ledger.select(File, { name: `big-${i}.bin` }).one().load(), Buffer.alloc(BIG, i % 251), `content ${i}`);
      assert.equal((await ledger.verify()).ok, true);
      assert.equal(journalFiles(path).length, 0);
    } finally {
      await ledger.close();
    }
  } finally {
    cleanup();
  }
});

test("a memory ledger takes 'journal' (it has nothing to journal) and appends as in 'batched'", async () => {
  const ledger = await open({ memory: true, durability: 'journal' });
  try {
    await ledger.add(new File(Buffer.from('x'), { name: 'x.txt' }));
    assert.equal(ledger.head.seq, 1);
  } finally {
    await ledger.close();
  }
});

test.run();
