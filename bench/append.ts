// The append hot paths alone, with the suite's baselines interleaved, for profiling and quick figures:
//   node dist/bench/append.js [--events N] [--reps R] [--only batched|durable|ledger|durable-ledger]
// `--only ledger` (or `durable-ledger`) times our side alone, once, for `node --cpu-prof`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { validateInput } from '../lib/events/catalog.js';
import type { EventInput } from '../lib/events/types.js';
import { open } from '../lib/ledger.js';
import { interleave, markdownTable, now, type Row, summarize } from './harness.js';
import { RawLevel } from './raw-level.js';
import { SqliteBaseline } from './sqlite.js';
import { appendValidated } from './suite.js';
import { generateWorkload } from './workload.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '50000' },
    reps: { type: 'string', default: '5' },
    writers: { type: 'string', default: '64' },
    sync: { type: 'string', default: '5000' },
    only: { type: 'string', default: 'batched,durable' },
  },
});
const only = new Set(values.only.split(','));
const reps = Number(values.reps);
const writers = Number(values.writers);
const events = generateWorkload({ events: Number(values.events), seed: 42 }).events;
const n = events.length;
const root = mkdtempSync(join(tmpdir(), 'lineage-append-'));
let dirs = 0;
const fresh = (name: string) => join(root, `${name}-${dirs++}`);
const rows: Row[] = [];
const add = (group: string, name: string, xs: number[], ratioOf?: string) => rows.push({ group, name, unit: 'events/s', sample: summarize(xs), higherIsBetter: true, ...(ratioOf ? { ratioOf } : {}) });

/** Appends with the ledger in batched mode, as the suite does; returns events/s. */
async function ledgerBatched(): Promise<number> {
  const path = fresh('ledger');
  const l = await open(path, { durability: 'batched' });
  const t0 = now();
  await appendValidated(l, events);
  const ms = now() - t0;
  await l.log.close();
  rmSync(path, { recursive: true, force: true });
  return (n / ms) * 1000;
}

/** `k` concurrent writers of one event each, in sync mode, as the suite does; returns events/s. */
async function ledgerDurable(k: number, slice: readonly EventInput[]): Promise<number> {
  const path = fresh('sync');
  const l = await open(path, { durability: 'sync' });
  let next = 0;
  const t0 = now();
  await Promise.all(
    Array.from({ length: k }, async () => {
      while (next < slice.length) {
        const e = slice[next++]!;
        await l.log.append([e], [validateInput(e)]);
      }
    }),
  );
  const ms = now() - t0;
  await l.log.close();
  rmSync(path, { recursive: true, force: true });
  return (slice.length / ms) * 1000;
}

try {
  const syncSlice = events.slice(0, Number(values.sync));
  if (only.has('ledger')) console.log(`ledger batched append: ${Math.round(await ledgerBatched())} events/s`);
  if (only.has('durable-ledger')) console.log(`ledger durable append, ${writers} writers: ${Math.round(await ledgerDurable(writers, syncSlice))} events/s`);
  if (only.has('batched') || only.has('durable')) {
    // The raw baselines write the ledger's own stored bytes.
    const path = fresh('source');
    const l = await open(path, { durability: 'none' });
    await appendValidated(l, events);
    const bytes: Uint8Array[] = [];
    for await (const batch of l.log.readRaw()) for (const [, b] of batch) bytes.push(Uint8Array.from(b));
    await l.log.close();
    if (only.has('batched')) {
      const r = await interleave(reps, {
        ledger: ledgerBatched,
        raw: async () => {
          const path = fresh('raw');
          const raw = new RawLevel(path);
          await raw.open();
          const t0 = now();
          await raw.write(bytes, 1, 1000);
          const ms = now() - t0;
          await raw.close();
          rmSync(path, { recursive: true, force: true });
          return (n / ms) * 1000;
        },
        sqlite: () => {
          const path = `${fresh('sqlite')}.db`;
          const s = new SqliteBaseline(path);
          const t0 = now();
          s.ingest(events, 1000);
          const ms = now() - t0;
          s.close();
          rmSync(path, { force: true });
          return (n / ms) * 1000;
        },
      });
      add('batched append', 'ledger', r.ledger);
      add('batched append', 'raw classic-level', r.raw, 'ledger');
      add('batched append', 'SQLite', r.sqlite, 'ledger');
    }
    if (only.has('durable')) {
      const r = await interleave(reps, {
        ledger: () => ledgerDurable(writers, syncSlice),
        fsyncEach: async () => {
          const path = fresh('rawsync');
          const raw = new RawLevel(path);
          await raw.open();
          const slice = bytes.slice(0, 300);
          const t0 = now();
          await raw.writeEachSynced(slice);
          const ms = now() - t0;
          await raw.close();
          rmSync(path, { recursive: true, force: true });
          return (slice.length / ms) * 1000;
        },
      });
      add('durable append (sync)', `ledger, ${writers} writers`, r.ledger);
      add('durable append (sync)', 'one fsync per event', r.fsyncEach, `ledger, ${writers} writers`);
    }
    console.log(`${n} events, medians of ${reps} interleaved repetitions\n`);
    console.log(markdownTable(rows));
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
