import assert from 'node:assert/strict';
import { suite } from 'uvu';
import { crashLoop } from './support/crash-loop.js';
import { tempDir } from './helpers.js';

const test = suite('crashes');

test('a ledger killed with SIGKILL 60 times at random moments keeps every acknowledged event, in sync, batched and journal mode', async () => {
  const { dir, cleanup } = tempDir('lineage-crash-');
  try {
    const figures = await crashLoop(dir, 60);
    console.log(`  crash: ${figures.kills} kills (${figures.byMode.sync} sync, ${figures.byMode.batched} batched, ${figures.byMode.journal} journal (${figures.journalAhead} with LevelDB behind the journal), ${figures.killedBeforeOpen} while opening), ${figures.acknowledged} acknowledged events checked, ${figures.events} events in the log`);
    assert.equal(figures.kills, 60);
    assert.ok(figures.acknowledged > 0);
    assert.equal(figures.byMode.journal, 20);
  } finally {
    cleanup();
  }
});

test.run();
