// The long crash soak (not part of npm test): `node dist/test/soak/crash-soak.js [KILLS] [PER_LEDGER]`.
import { crashLoop } from '../support/crash-loop.js';
import { tempDir } from '../helpers.js';

const kills = Number(process.argv[2] ?? 300);
const perLedger = Number(process.argv[3] ?? 25);
const { dir, cleanup } = tempDir('lineage-crash-soak-');
const started = Date.now();
try {
  const f = await crashLoop(dir, kills, perLedger, Math.random, (i) => {
    if ((i + 1) % 25 === 0) process.stderr.write(`${i + 1} kills survived\n`);
  });
  console.log(`crash soak: ${f.kills} kills survived (${f.byMode.sync} sync, ${f.byMode.batched} batched, ${f.byMode.journal} journal, ${f.killedBeforeOpen} while opening), ${f.acknowledged} acknowledged events checked, ${f.events} events in ${Math.ceil(kills / perLedger)} ledgers, ${((Date.now() - started) / 1000).toFixed(0)} s`);
} finally {
  cleanup();
}
