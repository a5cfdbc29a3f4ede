// `node --expose-gc dist/bench/search.js [--events 1000000] [--calls 200] [--scan-calls 3]`: the web page's search
// (GET /api/ui/v1/search, lib/server/ui-search.ts) on a synthetic ledger: how long the index takes
// to build on the first search and to catch up with 1,000 new events, its memory, and the median
// time of each kind of query, against two baselines measured in the same run: the scan over every
// record that the page used before (copied below), and SQLite (better-sqlite3) with a B-tree index
// on the same terms for exact and prefix matches and an FTS5 trigram table for matches inside names.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { File, type LineageRecord, open, Run, Transform } from '../lib/index.js';
import type { Reader } from '../lib/reader.js';
import { transformTitle } from '../lib/render/details.js';
import { createServer } from '../lib/server/app.js';
import { type RecordRef, refOf } from '../lib/server/ui-api.js';
import { SearchIndex } from '../lib/server/ui-search.js';
import { validateInput } from '../lib/events/catalog.js';
import { now, summarize } from './harness.js';
import { appendValidated } from './suite.js';
import { generateWorkload } from './workload.js';

const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' }, calls: { type: 'string', default: '200' }, 'scan-calls': { type: 'string', default: '3' } } });
const events = Number(values.events);
const calls = Number(values.calls);
const scanCalls = Number(values['scan-calls']);

// The page's search before the index: every record scored per query.
function scan(reader: Reader, q: string, limit: number): RecordRef[] {
  const needle = q.trim().toLowerCase();
  if (!needle) return [];
  const scored: [number, RecordRef][] = [];
  const score = (...hay: (string | undefined)[]): number => {
    let best = Number.POSITIVE_INFINITY;
    for (const h of hay) {
      if (h === undefined) continue;
      const s = h.toLowerCase();
      if (s === needle) best = Math.min(best, 0);
      else if (s.startsWith(needle)) best = Math.min(best, 1);
      else if (s.includes(needle)) best = Math.min(best, 2);
    }
    return best;
  };
  const take = (rank: number, r: LineageRecord) => {
    if (Number.isFinite(rank)) scored.push([rank, refOf(r)]);
  };
  for (const f of reader.select(File).all()) take(score(f.name, f.id, f.hash), f);
  for (const t of reader.select(Transform).all()) take(score(t.name, transformTitle(t), t.id, t.hash) + 0.1, t);
  for (const r of reader.select(Run).all()) take(score(r.id, r.name, r.transform.name) + 0.2, r);
  scored.sort((a, b) => a[0] - b[0] || a[1].label.localeCompare(b[1].label));
  return scored.slice(0, limit).map(([, r]) => r);
}

const mem = () => process.memoryUsage().heapUsed / 2 ** 20;
const t0 = now();
const w = generateWorkload({ events, seed: 42 });
const ledger = await open({ memory: true, durability: 'none' });
await appendValidated(ledger, w.events);
console.error(`ledger of ${ledger.head.seq} events made in ${((now() - t0) / 1000).toFixed(1)} s`);

// SQLite: one row per (record, term), as the index holds them.
const dir = mkdtempSync(join(tmpdir(), 'ui-bench-search-'));
const db = new Database(join(dir, 'search.db'));
db.pragma('journal_mode = WAL');
db.exec("CREATE TABLE terms (kind TEXT, id TEXT, term TEXT); CREATE INDEX terms_term ON terms(term); CREATE VIRTUAL TABLE names USING fts5(kind UNINDEXED, id UNINDEXED, term, tokenize = 'trigram');");
{
  const t = db.prepare('INSERT INTO terms VALUES (?, ?, ?)');
  const n = db.prepare('INSERT INTO names VALUES (?, ?, ?)');
  const names = new Map<string, string>();
  db.transaction(() => {
    for (const e of w.events) {
      if (e.type === 'transform.registered') {
        names.set(e.data.id, e.data.name);
        for (const x of [e.data.id, e.data.hash]) if (x) t.run('transform', e.data.id, x.toLowerCase());
        for (const x of [e.data.name, `${e.data.name} v${e.data.version}`]) (t.run('transform', e.data.id, x.toLowerCase()), n.run('transform', e.data.id, x.toLowerCase()));
      } else if (e.type === 'run.started') {
        t.run('run', e.data.id, e.data.id.toLowerCase());
        for (const x of [e.data.name, names.get(e.data.transformId)]) if (x) (t.run('run', e.data.id, x.toLowerCase()), n.run('run', e.data.id, x.toLowerCase()));
      } else if (e.type === 'file.created') {
        for (const x of [e.data.id, e.data.hash]) if (x) t.run('file', e.data.id, x.toLowerCase());
        t.run('file', e.data.id, e.data.name.toLowerCase());
        n.run('file', e.data.id, e.data.name.toLowerCase());
      }
    }
  })();
}
// The workload's million event objects are not what a server holds: let them go before measuring.
w.events.length = 0;
const exactQ = db.prepare('SELECT kind, id FROM terms WHERE term = ? LIMIT 80');
const prefixQ = db.prepare("SELECT kind, id FROM terms WHERE term >= ? AND term < ? || char(1114111) LIMIT 80");
const insideQ = db.prepare('SELECT kind, id FROM names WHERE term MATCH ? LIMIT 80');
function sqlite(q: string): number {
  const needle = q.toLowerCase();
  let n = exactQ.all(needle).length;
  if (n < 20) n += prefixQ.all(needle, needle).length;
  if (n < 20 && needle.length >= 3) n += insideQ.all(`"${needle.replace(/"/g, '""')}"`).length;
  return n;
}

const index = new SearchIndex(ledger);
const reader = ledger.session();
global.gc?.();
const heap0 = mem();
let t = now();
await index.search(reader, 'warm-up', 20);
const buildMs = now() - t;
global.gc?.();
const heap1 = mem();
const stats = index.stats();

// Keys the queries cycle through, from the workload's own files.
const k = w.fileNames.length;
const files = w.fileIds.map((id) => ledger.select(File, { id }).one());
const kinds: [string, (i: number) => string][] = [
  ['exact file name', (i) => w.fileNames[i % k]!],
  ['name prefix (8 chars, many hits)', (i) => w.fileNames[i % k]!.slice(0, 8)],
  ['inside a name (digits)', (i) => w.fileNames[i % k]!.replace(/^sample-/, '').slice(0, 4)],
  ['id prefix (6 chars)', (i) => w.fileIds[i % k]!.slice(0, 6)],
  ['hash prefix (10 chars)', (i) => files[i % k]!.hash!.slice(0, 10)],
  ['one letter', (i) => 'abcdefghijklmnopqrstuvwxyz'[i % 26]!],
  ['no match', (i) => `zzz-nothing-${i}`],
];

console.log(`\`node --expose-gc dist/bench/search.js --events ${events} --calls ${calls} --scan-calls ${scanCalls}\`: ${ledger.head.seq} events, ${stats.records} records, ${stats.terms} terms, ${stats.trigrams} trigrams; load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}\n`);
console.log(`index built on the first search in ${buildMs.toFixed(0)} ms; heap +${(heap1 - heap0).toFixed(0)} MiB`);
console.log('');
console.log('| query (limit 20) | index (median) | scan, before (median) | SQLite B-tree + FTS5 trigram (median) | scan / index | SQLite / index |');
console.log('|---|---|---|---|---|---|');
const asyncMedian = async (n: number, fn: (i: number) => Promise<unknown> | unknown) => {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = now();
    await fn(i);
    xs.push(now() - s);
  }
  return summarize(xs).median;
};
const fmt = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : ms < 1000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`);
for (const [name, q] of kinds) {
  const ix = await asyncMedian(calls, (i) => index.search(reader, q(i), 20));
  const sc = await asyncMedian(scanCalls, (i) => scan(reader, q(i), 20));
  const sq = await asyncMedian(calls, (i) => sqlite(q(i)));
  console.log(`| ${name} | ${fmt(ix)} | ${fmt(sc)} | ${fmt(sq)} | ${(sc / ix).toFixed(0)}× | ${(sq / ix).toFixed(1)}× |`);
}

// As of the middle of the log, and over HTTP (the page's own request, through fastify's inject).
const mid = ledger.asOf(Math.floor(ledger.head.seq / 2));
const asOfMs = await asyncMedian(calls, (i) => index.search(mid, w.fileNames[i % k]!.slice(0, 9), 20));
const app = createServer({ ledger, logLevel: 'silent' });
const httpMs = await asyncMedian(calls, (i) => app.inject({ url: `/api/ui/v1/search?q=${encodeURIComponent(w.fileNames[i % k]!.slice(0, 9))}` }));
await app.close();
console.log('');
console.log(`name prefix as of seq ${mid.seq}: ${fmt(asOfMs)}; GET /api/ui/v1/search (name prefix, through fastify inject; its first request builds the index): ${fmt(httpMs)}`);

// Incremental: 1,000 new events, then a search indexes just those.
const more = generateWorkload({ events: 1000, seed: 7 }).events.filter((e) => e.type !== 'transform.registered');
const tids = ledger.select(Transform).all().map((x) => x.id);
for (const e of more) if (e.type === 'run.started') e.data.transformId = tids[0]!;
for (const e of more) validateInput(e);
await appendValidated(ledger, more);
t = now();
await index.search(ledger.session(), 'sample-1', 20);
console.log(`catching up with ${more.length} new events on the next search: ${fmt(now() - t)}`);
await ledger.close();
db.close();
rmSync(dir, { recursive: true, force: true });
