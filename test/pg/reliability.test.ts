import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { File, open } from 'lineage-ledger';
import { startPostgres, testPostgres } from '../support/postgres.js';
import { Writer } from './writers.js';

// Counts stay modest so that the whole suite is fast on a loaded two-core machine; bench/pg.ts goes bigger.
const PROCESSES = 4;
const APPENDS = 150;

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

test('PostgreSQL stopped and restarted mid-flight: writers retry and resume, nothing acknowledged is lost, nothing is written twice', async () => {
  const cluster = await startPostgres();
  try {
    const url = cluster.url();
    const writers = [new Writer(url, 120, 'r0', 2), new Writer(url, 120, 'r1', 2)];
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
    await cluster.dispose();
  }
});

test.run();
