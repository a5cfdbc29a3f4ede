// A new process's open of an existing ledger (on PostgreSQL: from the checkpoint stored in the
// database, then the tail): its wall and CPU time, and where it loaded from. Run it several times,
// alternating builds, against a ledger `npm run bench:pg -- --writers 0 --events 1000000` would write.
//   npm run build && node dist/bench/pg-open.js 'postgres://…?ledger=NAME'
import { performance } from 'node:perf_hooks';
import { open } from 'lineage-ledger';

const url = process.argv[2];
if (!url) throw new Error('usage: node dist/bench/pg-open.js URL');
const t = performance.now();
const cpu = process.cpuUsage();
const ledger = await open(url);
const wall = performance.now() - t;
const used = process.cpuUsage(cpu);
console.log(JSON.stringify({ events: ledger.head.seq, checkpoint: ledger.loadReport?.from ?? null, wallMs: Math.round(wall), cpuMs: Math.round((used.user + used.system) / 1000), rssMB: Math.round(process.memoryUsage().rss / 1e6) }));
await ledger.close();
