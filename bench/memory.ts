// Opens a ledger in a fresh process and prints how much resident memory the open added, after a full GC.
import { open } from '../lib/ledger.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const path = process.argv[2]!;
// Load the code paths first, so that the measured growth is the ledger's state, not the modules.
const warm = await open({ memory: true });
await warm.close();
gc();
gc();
const before = process.memoryUsage();
const ledger = await open(path);
gc();
gc();
const after = process.memoryUsage();
const loaded = (ledger as unknown as { loadReport: { from: number } }).loadReport;
process.stdout.write(JSON.stringify({ bytes: after.rss - before.rss, heap: after.heapUsed - before.heapUsed, events: ledger.head.seq, from: loaded.from }));
// Leave without closing: a close could write a checkpoint and change what the next probe measures.
process.exit(0);
