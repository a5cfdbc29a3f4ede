// A child for the add([...]) crash test: `node batch-child.js PATH DURABILITY TAG`. Saves batches of
// a run and its files with one add([...]) each, printing `ack RUN_ID FILES` once a batch is acknowledged.
import { File, open, Run, Transform, type Durability } from 'lineage-ledger';

const [path, mode, tag] = process.argv.slice(2) as [string, Durability, string];
const ledger = await open(path, { durability: mode });
process.stdout.write('opened\n');
const transform = new Transform({ name: 'batch-writer' });
for (let b = 0; ; b++) {
  const run = new Run({ transform, name: `${tag}-${b}` });
  const files = Array.from({ length: 40 }, (_, i) => new File(Buffer.from(`${tag} ${b} ${i}`), { name: `${tag}-${b}-${i}.txt`, run }));
  await ledger.add([run, ...files]);
  process.stdout.write(`ack ${run.id} ${files.length}\n`);
}
