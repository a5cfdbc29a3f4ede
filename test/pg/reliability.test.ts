import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { File, open } from 'lineage-ledger';
import { startPostgres, testPostgres } from '../support/postgres.js';
import { Writer } from './writers.js';

// Counts stay modest so that the whole suite is fast on a loaded two-core machine; the full
// size (8 processes × 2,000 appends) runs with LINEAGE_TEST_PG_FULL=1.
const FULL = process.env.LINEAGE_TEST_PG_FULL === '1';
const PROCESSES = FULL ? 8 : 4;
const APPENDS = FULL ? 2000 : 150;

/** Every acknowledged name is in the ledger exactly once, the chain verifies, and seqs are contiguous from 1. */
async function checkLedger(url: string, acked: string[]): Promise<{ seq: number; hash: string }> {
  const ledger = await open(url);
  try {
    for (const name of acked) assert.equal(ledger.select(File, { name }).count(), 1, `${name} is recorded once`);
    const v = await ledger.verify();
    assert.ok(v.ok, `verify: ${JSON.stringify(v.firstBad)}`);
    assert.equal(v.head.seq, ledger.head.seq, 'every seq from 1 to the head is there, none past it');
    return ledger.head;
  } finally {
    await ledger.close();
  }
}

test(`${PROCESSES} processes × ${APPENDS} appends at once: one contiguous order, every acknowledged event present, all projections converge`, async () => {
  const url = (await testPostgres()).url();
  const writers = Array.from({ length: PROCESSES }, (_, i) => new Writer(url, APPENDS, `w${i}`));
  await Promise.all(writers.map((w) => w.until((ls) => ls.includes('done'))));
  for (const w of writers) assert.equal(w.acked.length, APPENDS, `writer acknowledged all: ${w.lines.filter((l) => l.startsWith('error')).slice(0, 2).join(' ')}`);
  const heads = await Promise.all(writers.map((w) => w.head()));
  await Promise.all(writers.map((w) => w.exited));
  const head = await checkLedger(url, writers.flatMap((w) => w.acked));
  // Each writer's projection, synced after all were done, is at the same head and holds every file.
  for (const h of heads) assert.equal(h, `${head.seq} ${head.hash} ${PROCESSES * APPENDS}`);
});

test('a writer killed with SIGKILL mid-append loses nothing it acknowledged and leaves no gap', async () => {
  const url = (await testPostgres()).url();
  const steady = new Writer(url, 100, 'steady');
  const victim = new Writer(url, 100_000, 'victim');
  await victim.until(() => victim.acked.length >= 40);
  victim.child.kill('SIGKILL');
  await victim.exited;
  const acked = victim.acked;
  await steady.until((ls) => ls.includes('done'));
  steady.child.stdin!.end();
  await steady.exited;
  await checkLedger(url, [...acked, ...steady.acked]);
});

/** The application_name (see the URLs below) of the session holding a sequencer seat, if any. */
async function seatHolder(): Promise<string | undefined> {
  const rows = await (await testPostgres()).sql<{ app: string }>("SELECT a.application_name AS app FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE 'seq-%'");
  return rows[0]?.app;
}

test('the sequencer\'s holder killed with SIGKILL mid-flight: another writer takes its seat over, nothing acknowledged is lost, no gap, nothing twice', async () => {
  const url = (await testPostgres()).url();
  // The first writer takes the ledger's sequencer seat; the others' appends wait in lineage_pending for it.
  const victim = new Writer(`${url}&application_name=seq-victim`, 100_000, 'seqv');
  await victim.until(() => victim.acked.length >= 10);
  assert.equal(await seatHolder(), 'seq-victim');
  const others = [new Writer(`${url}&application_name=seq-a`, 150, 'seqa'), new Writer(`${url}&application_name=seq-b`, 150, 'seqb')];
  // Both have appends acknowledged through the victim's seat before it dies.
  await Promise.all(others.map((w) => w.until(() => w.acked.length >= 10)));
  victim.child.kill('SIGKILL');
  await victim.exited;
  await Promise.all(others.map((w) => w.until((ls) => ls.includes('done'))));
  const holder = await seatHolder();
  assert.ok(holder === 'seq-a' || holder === 'seq-b', `a surviving writer holds the seat (${holder})`);
  for (const w of others) assert.equal(w.acked.length, 150, w.lines.filter((l) => l.startsWith('error')).slice(0, 2).join(' '));
  const heads = await Promise.all(others.map((w) => w.head()));
  await Promise.all(others.map((w) => w.exited));
  const head = await checkLedger(url, [...victim.acked, ...others.flatMap((w) => w.acked)]);
  for (const h of heads) assert.equal(h.split(' ').slice(0, 2).join(' '), `${head.seq} ${head.hash}`);
});

test('PostgreSQL stopped and restarted mid-flight: writers retry and resume, nothing acknowledged is lost, nothing is written twice', async () => {
  const cluster = await startPostgres();
  let writers: Writer[] = [];
  try {
    const url = cluster.url();
    writers = [new Writer(url, 120, 'r0', 2), new Writer(url, 120, 'r1', 2)];
    await Promise.all(writers.map((w) => w.until(() => w.acked.length >= 20)));
    await cluster.stop();
    await new Promise((r) => setTimeout(r, 1500));
    await cluster.start();
    await Promise.all(writers.map((w) => w.until((ls) => ls.includes('done'))));
    // The default retry window (30 s) outlasts the outage: every append was acknowledged in the end.
    for (const w of writers) assert.equal(w.acked.length, 120, w.lines.filter((l) => l.startsWith('error')).slice(0, 2).join(' '));
    const heads = await Promise.all(writers.map((w) => w.head()));
    await Promise.all(writers.map((w) => w.exited));
    const head = await checkLedger(url, writers.flatMap((w) => w.acked));
    for (const h of heads) assert.equal(h, `${head.seq} ${head.hash} 240`);
  } finally {
    for (const w of writers) w.stop();
    await cluster.dispose();
  }
});

test.run();
