// Writes fixtures/ledger-v1/: a small classic-level ledger made by lineage-ledger while every event
// type was at version 1 (commit 8921689), and fixtures/ledger-v1.answers.json: what its queries
// answered then, plus the SHA-256 of each stored event. The schema-evolution test opens a COPY of
// the folder with today's code and expects the same answers and the same stored bytes.
//
// It was run once, at version 1, with: npm run build && node scripts/make-v1-fixture.mjs
// Running it again with a newer code base writes newer event versions: do not, unless a new fixture
// (say fixtures/ledger-v2/) is wanted, in which case copy this script and change the folder names.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { open, Transform, File, datasets } from '../dist/lib/index.js';
import { v1Answers } from '../dist/test/audit/v1-answers.js';

const root = new URL('..', import.meta.url).pathname;
const dir = join(root, 'fixtures', 'ledger-v1');
if (existsSync(dir) && process.argv[2] !== '--force') {
  console.error(`${dir} exists; it is a committed fixture. Pass --force to overwrite it.`);
  process.exit(2);
}
await rm(dir, { recursive: true, force: true });
const samples = await mkdtemp(join(tmpdir(), 'lineage-v1-'));

const ln = await open(dir);
// A pipeline that ingests two files.
const ingest = new Transform({ name: 'ingest', version: '1', type: 'pipeline', reference: 'https://example.org/ingest' });
await ln.run(ingest, async () => {
  await ln.add(new File(await datasets.irisCsv(samples)));
  await ln.add(new File(await datasets.fileFastq(samples)));
}, { params: { sample: 'S1', lanes: [1, 2], qc: { minQ: 30 } }, name: 'ingest S1' });
// Cell Ranger reads the FASTQ and writes the BAM, with a child run.
await ln.track(new Transform({ name: 'Cell Ranger', version: '7', type: 'pipeline' }), { params: { chemistry: 'auto' } });
const fq = ln.select(File, { name: 'input.fastq.gz' }).one();
await fq.load({ isRunInput: true });
await ln.run(new Transform({ name: 'align', type: 'function' }), async () => {
  await ln.add(new File(await datasets.fileBam(samples)));
});
await ln.finish();
// Another run re-creates the same content and reads the BAM, then fails.
await ln.run('ingest', async () => {
  await ln.add(new File(await datasets.irisCsv(samples)));
  await ln.select(File, { name: 'output.bam' }).one().load({ isRunInput: true });
  throw new Error('disk full');
}).catch(() => {});
// A notebook with in-memory content.
await ln.track(new Transform({ name: 'explore.ipynb', type: 'notebook' }));
await ln.add(new File(Buffer.from('cell,count\nT,12\nB,7\n'), { name: 'counts.csv' }));
await ln.close();

// Reopen twice so LevelDB moves its write-ahead log into a table: the folder is then stable.
for (let i = 0; i < 2; i++) {
  const db = new ClassicLevel(join(dir, 'log'));
  await db.open();
  await db.close();
}

const again = await open(dir);
const answers = await v1Answers(again);
const storedHashes = [];
for await (const batch of again.log.readRaw()) for (const [, bytes] of batch) storedHashes.push(createHash('sha256').update(bytes).digest('hex'));
const versions = {};
for await (const batch of again.log.read()) for (const { event } of batch) versions[event.type] = event.v;
await again.close();
await writeFile(join(root, 'fixtures', 'ledger-v1.answers.json'), `${JSON.stringify({ versions, storedHashes, answers }, null, 2)}\n`);
await rm(samples, { recursive: true, force: true });
console.log(`wrote ${dir} (${storedHashes.length} events) and fixtures/ledger-v1.answers.json`);
