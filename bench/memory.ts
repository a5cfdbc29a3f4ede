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
const before = process.memoryUsage().rss;
const ledger = await open(path);
gc();
gc();
const after = process.memoryUsage().rss;
process.stdout.write(JSON.stringify({ bytes: after - before, events: ledger.head.seq }));
await ledger.close();
