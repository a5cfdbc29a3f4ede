// `node dist/bench/labels.js [--files N] [--reps R]`: what labels cost through the public API, against
// SQLite (better-sqlite3, WAL, synchronous = NORMAL, a labels table indexed by label) in the same run:
// putting a label on a file (one `labels.add()` call, one event, group-committed; one autocommit INSERT),
// and finding the files with a label (`select(File, { label })`; an indexed JOIN). Medians over R reps.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { open } from '../lib/ledger.js';
import { File, Transform } from '../lib/model/records.js';
import { summarize, timed } from './harness.js';

const { values } = parseArgs({ options: { files: { type: 'string', default: '5000' }, reps: { type: 'string', default: '5' } } });
const n = Number(values.files);
const reps = Number(values.reps);
const BATCHES = 50;
const root = mkdtempSync(join(tmpdir(), 'lineage-bench-labels-'));
const results: Record<string, number[]> = { ledgerAdd: [], sqliteAdd: [], ledgerQuery: [], sqliteQuery: [] };
try {
  for (let r = 0; r < reps; r++) {
    const ln = await open(join(root, `l${r}`), { durability: 'batched' });
    await ln.track(new Transform({ name: 'bench-labels' }));
    const files = await ln.add(Array.from({ length: n }, (_, i) => new File(Buffer.from(`content ${r} ${i}`), { name: `f${i}.txt` })));
    const db = new Database(join(root, `s${r}.db`));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE files (id TEXT PRIMARY KEY, name TEXT); CREATE TABLE labels (file_id TEXT, label TEXT, PRIMARY KEY (file_id, label)); CREATE INDEX labels_by_label ON labels(label);');
    const insertFile = db.prepare('INSERT INTO files VALUES (?, ?)');
    db.transaction(() => files.forEach((f) => insertFile.run(f.id, f.name)))();
    const insertLabel = db.prepare('INSERT OR IGNORE INTO labels VALUES (?, ?)');
    // Labelling: one call per file, concurrently as a pipeline would (the ledger group-commits them).
    results.ledgerAdd!.push((await timed(() => Promise.all(files.map((f, i) => f.labels.add(`batch-${i % BATCHES}`))))) / n);
    results.sqliteAdd!.push((await timed(async () => files.forEach((f, i) => insertLabel.run(f.id, `batch-${i % BATCHES}`)))) / n);
    const byLabel = db.prepare('SELECT f.id FROM labels l JOIN files f ON f.id = l.file_id WHERE l.label = ? ORDER BY f.rowid');
    let a = 0;
    let b = 0;
    results.ledgerQuery!.push((await timed(async () => { for (let q = 0; q < 200; q++) a += ln.select(File, { label: `batch-${q % BATCHES}` }).all().length; })) / 200);
    results.sqliteQuery!.push((await timed(async () => { for (let q = 0; q < 200; q++) b += byLabel.all(`batch-${q % BATCHES}`).length; })) / 200);
    if (a !== b) throw new Error(`the ledger found ${a} labelled files, SQLite ${b}`);
    db.close();
    await ln.close();
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
const m = Object.fromEntries(Object.entries(results).map(([k, xs]) => [k, summarize(xs).median]));
console.log(`labels bench: ${n} files, ${BATCHES} labels, ${reps} reps, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log(`labels.add(), per call:       ledger ${(m.ledgerAdd! * 1000).toFixed(1)} µs, SQLite INSERT ${(m.sqliteAdd! * 1000).toFixed(1)} µs, ratio ${(m.ledgerAdd! / m.sqliteAdd!).toFixed(2)}`);
console.log(`select(File, { label }), ${n / BATCHES} hits: ledger ${(m.ledgerQuery! * 1000).toFixed(1)} µs, SQLite JOIN ${(m.sqliteQuery! * 1000).toFixed(1)} µs, ratio ${(m.ledgerQuery! / m.sqliteQuery!).toFixed(2)}`);
