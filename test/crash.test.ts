import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { suite } from 'uvu';
import { File, open } from 'lineage-ledger';
import { crashLoop } from './support/crash-loop.js';
import { walkChain, walkChainAndJournal } from './support/chain.js';
import { tempDir } from './helpers.js';

const test = suite('crashes');

test('a ledger killed with SIGKILL 60 times at random moments keeps every acknowledged event, in sync, batched and journal mode', async () => {
  const { dir, cleanup } = tempDir('lineage-crash-');
  try {
    const figures = await crashLoop(dir, 60);
    console.log(`  crash: ${figures.kills} kills (${figures.byMode.sync} sync, ${figures.byMode.batched} batched (${figures.batchedAhead} with LevelDB behind events acknowledged inside runs; ${figures.levelChecked} finished runs and adds outside a run found in LevelDB itself), ${figures.byMode.journal} journal (${figures.journalAhead} with LevelDB behind the journal), ${figures.killedBeforeOpen} while opening), ${figures.acknowledged} acknowledged events checked, ${figures.events} events in the log`);
    assert.equal(figures.kills, 60);
    assert.ok(figures.acknowledged > 0);
    assert.equal(figures.byMode.journal, 20);
    assert.equal(figures.byMode.batched, 20);
  } finally {
    cleanup();
  }
});

test("'batched' with adds outside a run between runs (the journal skips them: its frames have gaps below LevelDB's head), killed with SIGKILL 16 times, keeps every acknowledged event", async () => {
  const { dir, cleanup } = tempDir('lineage-crash-');
  try {
    const figures = await crashLoop(dir, 16, 8, Math.random, undefined, { modes: ['batched'], sparse: true });
    console.log(`  crash, sparse runs: ${figures.kills} kills, ${figures.acknowledged} acknowledged events checked, ${figures.levelChecked} finished runs and adds outside a run found in LevelDB itself, ${figures.journalGaps} adds outside a run skipped by the journal below a later frame`);
    assert.equal(figures.byMode.batched, 16);
    assert.ok(figures.acknowledged > 0);
    assert.ok(figures.journalGaps > 0, 'no kill found a journal with a gap: the case is not exercised');
  } finally {
    cleanup();
  }
});

/** What a child that kills itself right after an acknowledgement printed: the seqs it was told. */
interface SelfKill {
  /** The last event of run A's scope acknowledged before A finished (a file add). */
  inRun: number;
  /** Run A's finish, resolved; run B, started before it, is still open. */
  finished: number;
  /** Events of run B acknowledged before A's finish. */
  other: number;
  /** An add outside any run, resolved (after `finished`). */
  loose?: number;
  /** An add inside run B after A's finish, resolved: the child's last acknowledgement. */
  last: number;
}

/**
 * Runs a child that, in 'batched' mode, appends inside two runs (A finished, B left open) and outside
 * any run, and kills itself with SIGKILL synchronously right after its last acknowledgement: no write
 * can have been started after it.
 */
function selfKill(path: string, looseAdd: boolean): Promise<SelfKill> {
  const code = `
    import { open, File, Transform } from 'lineage-ledger';
    import { writeSync } from 'node:fs';
    const ledger = await open(${JSON.stringify(path)});
    const out = {};
    let release;
    const held = new Promise((r) => (release = r));
    let bReady;
    const bStarted = new Promise((r) => (bReady = r));
    // Run B: two adds, then it waits (never finished) while A runs and finishes.
    const b = ledger.run(new Transform({ name: 'b' }), async () => {
      await ledger.add(new File(Buffer.from('b0'), { name: 'b0.txt' }));
      await ledger.add(new File(Buffer.from('b1'), { name: 'b1.txt' }));
      out.other = ledger.head.seq;
      bReady();
      await held;
      await ledger.add(new File(Buffer.from('b2'), { name: 'b2.txt' }));
      out.last = ledger.head.seq;
      writeSync(1, JSON.stringify(out) + '\\n');
      process.kill(process.pid, 'SIGKILL');
    });
    await bStarted;
    await ledger.run(new Transform({ name: 'a' }), async () => {
      for (let i = 0; i < 3; i++) await ledger.add(new File(Buffer.from('a' + i), { name: 'a' + i + '.txt' }));
      out.inRun = ledger.head.seq;
    });
    out.finished = ledger.head.seq;
    if (${looseAdd}) {
      await ledger.add(new File(Buffer.from('loose'), { name: 'loose.txt' }));
      out.loose = ledger.head.seq;
    }
    release();
    await b;`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code, signal) => (signal === 'SIGKILL' ? resolve(JSON.parse(out) as SelfKill) : reject(new Error(`the child ended by itself (code ${code}): ${err}`))));
  });
}

for (const looseAdd of [false, true]) {
  test(`'batched', killed right after an acknowledgement${looseAdd ? ' (with an add outside a run)' : ''}: a finished run's events and everything before them are in LevelDB itself; events acknowledged inside a run since are in the journal, and all are there after reopening`, async () => {
    const { dir, cleanup } = tempDir('lineage-crash-');
    try {
      const path = join(dir, 'l');
      const acked = await selfKill(path, looseAdd);
      const level = await walkChain(path);
      assert.equal(level.broken, undefined);
      // The finish (and the add outside a run) resolved only once LevelDB held it and every event before it, run B's too.
      const leveled = acked.loose ?? acked.finished;
      assert.ok(level.head.seq >= leveled, `LevelDB's log ends at ${level.head.seq}, before the acknowledged seq ${leveled}`);
      assert.ok(acked.other < acked.finished);
      const finish = level.events.find((e) => e.env.type === 'run.finished');
      assert.ok(finish && finish.key <= acked.finished, 'run A finished in LevelDB');
      // Run B's add after that was acknowledged from the journal: LevelDB never got it before the kill.
      assert.ok(level.head.seq < acked.last, `LevelDB holds seq ${level.head.seq}: the add inside run B (seq ${acked.last}) was acknowledged before LevelDB had it`);
      const chain = await walkChainAndJournal(path);
      assert.equal(chain.broken, undefined);
      assert.ok(chain.head.seq >= acked.last, `LevelDB and the journal together end at ${chain.head.seq}, before the acknowledged seq ${acked.last}`);
      const ledger = await open(path);
      try {
        assert.equal(ledger.head.seq, chain.head.seq);
        for (const name of ['a0.txt', 'a1.txt', 'a2.txt', 'b0.txt', 'b1.txt', 'b2.txt', ...(looseAdd ? ['loose.txt'] : [])]) {
          assert.equal(ledger.select(File, { name }).one().name, name);
        }
        assert.equal(ledger.select(File, { name: 'a0.txt' }).one().run!.status, 'completed');
        assert.equal(ledger.select(File, { name: 'b2.txt' }).one().run!.status, 'started');
      } finally {
        await ledger.close();
      }
      // The open wrote the journal's events into LevelDB.
      assert.equal((await walkChain(path)).head.seq, chain.head.seq);
    } finally {
      cleanup();
    }
  });
}

test.run();
